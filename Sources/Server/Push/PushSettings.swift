import Foundation

/// How the server pushes: the PASSLINE_APNS_* and PASSLINE_PUSH_* keys.
public struct PushSettings: Sendable, Hashable {
    /// Where pushes go.
    public enum Endpoint: Sendable, Hashable {
        /// Apple's production APNs with real credentials; off with development certificates.
        case automatic
        case url(String)
        case off
    }

    /// How fast to push.
    public enum Rate: Sendable, Hashable {
        /// Measured at start: what this machine signs per second on all cores (see docs/push.md).
        case automatic
        case perSecond(Double)
        case unlimited
    }

    public var endpoint: Endpoint = .automatic
    public var caFile: String?
    public var connections = 4
    public var expiration: Duration = .seconds(86_400)
    public var tokenKeyFile: String?
    public var tokenKeyID: String?
    public var tokenTeamID: String?
    public var rate: Rate = .automatic
    /// How long a claimed push is hidden from other workers; after a crash it falls due again then.
    public var lease: Duration = .seconds(60)
    /// Android wallet apps' pushes: nil drops them (counted).
    public var androidWebhook: AndroidWebhook?

    public init() {}

    init(_ values: [String: String]) throws(ServerConfiguration.Invalid) {
        func invalid(_ key: String, _ why: String) -> ServerConfiguration.Invalid {
            ServerConfiguration.Invalid(description: "\(key)=\(values[key] ?? ""): \(why)")
        }
        switch values["PASSLINE_APNS_URL"] {
        case nil, "": endpoint = .automatic
        case "off": endpoint = .off
        case let url?:
            guard url.hasPrefix("https://"), URL(string: url)?.host != nil else { throw invalid("PASSLINE_APNS_URL", "must be an https:// URL or `off`") }
            endpoint = .url(url)
        }
        caFile = values["PASSLINE_APNS_CA_FILE"]
        if let text = values["PASSLINE_APNS_CONNECTIONS"] {
            guard let n = Int(text), (1...64).contains(n) else { throw invalid("PASSLINE_APNS_CONNECTIONS", "a number from 1 to 64") }
            connections = n
        }
        if let text = values["PASSLINE_APNS_EXPIRATION"] {
            guard let n = Int(text), (0...2_592_000).contains(n) else { throw invalid("PASSLINE_APNS_EXPIRATION", "seconds from 0 to 2592000 (30 days)") }
            expiration = .seconds(n)
        }
        tokenKeyFile = values["PASSLINE_APNS_KEY_FILE"]
        tokenKeyID = values["PASSLINE_APNS_KEY_ID"]
        tokenTeamID = values["PASSLINE_APNS_TEAM_ID"]
        if tokenKeyFile != nil || tokenKeyID != nil || tokenTeamID != nil, tokenKeyFile == nil || tokenKeyID == nil || tokenTeamID == nil {
            throw ServerConfiguration.Invalid(description: "PASSLINE_APNS_KEY_FILE, PASSLINE_APNS_KEY_ID and PASSLINE_APNS_TEAM_ID go together")
        }
        switch values["PASSLINE_PUSH_RATE"] {
        case nil, "", "auto": rate = .automatic
        case let text?:
            guard let n = Double(text), n >= 0, n.isFinite else { throw invalid("PASSLINE_PUSH_RATE", "`auto`, 0 (unlimited) or pushes per second") }
            rate = n == 0 ? .unlimited : .perSecond(n)
        }
        if let text = values["PASSLINE_PUSH_LEASE"] {
            // Shorter than a request's deadline plus its resends, a lease would end while the push is
            // still in flight and another worker would send it again.
            guard let n = Int(text), (10...3_600).contains(n) else { throw invalid("PASSLINE_PUSH_LEASE", "seconds from 10 to 3600") }
            lease = .seconds(n)
        }
        androidWebhook = try AndroidWebhook.configured(values)
    }
}
