import Distribution
import Foundation

/// Distribution's configuration: the PASSLINE_LINK_*, PASSLINE_SMS_* and PASSLINE_JOIN_* keys.
public struct DistributionSettings: Sendable, Hashable {
    /// Where SMS go.
    public enum Gateway: Sendable, Hashable {
        /// The development sink: a file of JSON lines (and the log).
        case dev(file: String?)
        case http(HTTPSmsGatewayConfiguration)
    }

    /// How long a download link stays valid.
    public var linkTTLDays = 30
    public var gateway: Gateway = .dev(file: nil)
    /// The CRM endpoint told about self-registrations (POST JSON, signed).
    public var joinWebhookURL: String?
    /// The webhook's HMAC key; without it one is generated into the data directory.
    public var joinWebhookSecret: String?
    /// Registrations (codes requested) per IP address per hour.
    public var joinLimitPerIP = 10
    /// Codes per phone per hour.
    public var joinLimitPerPhone = 3
    /// Take the client address from the last `X-Forwarded-For` entry (behind a reverse proxy).
    public var trustForwardedFor = false

    public init() {}

    static let keys: [(key: String, meaning: String)] = [
        ("PASSLINE_LINK_TTL_DAYS", "days a card's download link stays valid (default 30)"),
        ("PASSLINE_SMS_GATEWAY", "`dev` (default: messages go to a file and the log) or `http` (the PASSLINE_SMS_HTTP_* gateway)"),
        ("PASSLINE_SMS_DEV_FILE", "the dev gateway's file of JSON lines (default DATA_DIR/dev-sms.jsonl)"),
        ("PASSLINE_SMS_HTTP_URL", "the provider's URL; placeholders {phone} {e164} {text} {sender} {secret}, percent-encoded"),
        ("PASSLINE_SMS_HTTP_METHOD", "GET, POST (default), PUT or PATCH"),
        ("PASSLINE_SMS_HTTP_HEADERS", "extra headers, `Name: value` separated by `\\n`, e.g. `Authorization: Bearer {secret}`"),
        ("PASSLINE_SMS_HTTP_BODY", "body template, e.g. `to={phone}&text={text}` (form) or `{\"to\":\"{e164}\",\"text\":\"{text}\"}` (json)"),
        ("PASSLINE_SMS_HTTP_ENCODING", "how body values are escaped and the Content-Type: form (default), json or text"),
        ("PASSLINE_SMS_HTTP_SUCCESS", "a regular expression a 2xx response body must match to count as accepted"),
        ("PASSLINE_SMS_HTTP_MESSAGE_ID", "a regular expression whose first group in the response body is the provider's message id"),
        ("PASSLINE_SMS_HTTP_SECRET", "the value of {secret} (API key or password); never logged"),
        ("PASSLINE_SMS_HTTP_TIMEOUT_S", "seconds a gateway request may take (default 10)"),
        ("PASSLINE_JOIN_WEBHOOK_URL", "CRM endpoint notified of self-registrations (POST JSON with an X-Passline-Signature HMAC)"),
        ("PASSLINE_JOIN_WEBHOOK_SECRET", "HMAC key of that webhook (default: generated once into DATA_DIR/webhook-secret)"),
        ("PASSLINE_JOIN_LIMIT_IP", "registrations per client IP address per hour (default 10)"),
        ("PASSLINE_JOIN_LIMIT_PHONE", "confirmation codes per phone per hour (default 3)"),
        ("PASSLINE_FORWARDED_FOR", "1: the client address is the last X-Forwarded-For entry (behind a reverse proxy); default 0"),
    ]

    init(_ values: [String: String]) throws(ServerConfiguration.Invalid) {
        func invalid(_ key: String, _ why: String) -> ServerConfiguration.Invalid {
            ServerConfiguration.Invalid(description: "\(key)=\(values[key] ?? ""): \(why)")
        }
        func int(_ key: String, _ range: ClosedRange<Int>) throws(ServerConfiguration.Invalid) -> Int? {
            guard let s = values[key] else { return nil }
            guard let v = Int(s), range.contains(v) else { throw invalid(key, "expected a whole number in \(range.lowerBound)…\(range.upperBound)") }
            return v
        }
        linkTTLDays = try int("PASSLINE_LINK_TTL_DAYS", 1...3650) ?? linkTTLDays
        joinLimitPerIP = try int("PASSLINE_JOIN_LIMIT_IP", 1...100_000) ?? joinLimitPerIP
        joinLimitPerPhone = try int("PASSLINE_JOIN_LIMIT_PHONE", 1...1000) ?? joinLimitPerPhone
        switch values["PASSLINE_FORWARDED_FOR"] {
        case nil, "", "0": trustForwardedFor = false
        case "1": trustForwardedFor = true
        default: throw invalid("PASSLINE_FORWARDED_FOR", "expected 0 or 1")
        }
        if let url = values["PASSLINE_JOIN_WEBHOOK_URL"], !url.isEmpty {
            guard url.hasPrefix("https://") || url.hasPrefix("http://"), URL(string: url)?.host != nil else {
                throw invalid("PASSLINE_JOIN_WEBHOOK_URL", "must be an http(s) URL")
            }
            joinWebhookURL = url
        }
        if let secret = values["PASSLINE_JOIN_WEBHOOK_SECRET"] {
            guard secret.utf8.count >= 16 else { throw ServerConfiguration.Invalid(description: "PASSLINE_JOIN_WEBHOOK_SECRET: at least 16 characters") }
            joinWebhookSecret = secret
        }
        switch values["PASSLINE_SMS_GATEWAY"] ?? "dev" {
        case "dev":
            gateway = .dev(file: values["PASSLINE_SMS_DEV_FILE"])
        case "http":
            guard let url = values["PASSLINE_SMS_HTTP_URL"] else {
                throw ServerConfiguration.Invalid(description: "PASSLINE_SMS_GATEWAY=http needs PASSLINE_SMS_HTTP_URL")
            }
            var headers: [HTTPSmsGatewayConfiguration.Header] = []
            for line in (values["PASSLINE_SMS_HTTP_HEADERS"] ?? "").components(separatedBy: "\\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let colon = line.firstIndex(of: ":") else { throw invalid("PASSLINE_SMS_HTTP_HEADERS", "each header is `Name: value`") }
                headers.append(.init(
                    name: line[..<colon].trimmingCharacters(in: .whitespaces), value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            let encodingText = values["PASSLINE_SMS_HTTP_ENCODING"] ?? "form"
            guard let encoding = HTTPSmsGatewayConfiguration.BodyEncoding(rawValue: encodingText) else {
                throw invalid("PASSLINE_SMS_HTTP_ENCODING", "expected form, json or text")
            }
            let timeout = try int("PASSLINE_SMS_HTTP_TIMEOUT_S", 1...120) ?? 10
            do {
                gateway = .http(try HTTPSmsGatewayConfiguration(
                    url: url, method: values["PASSLINE_SMS_HTTP_METHOD"] ?? "POST", headers: headers, bodyTemplate: values["PASSLINE_SMS_HTTP_BODY"],
                    encoding: encoding, successPattern: values["PASSLINE_SMS_HTTP_SUCCESS"], messageIDPattern: values["PASSLINE_SMS_HTTP_MESSAGE_ID"],
                    secret: values["PASSLINE_SMS_HTTP_SECRET"], timeout: .seconds(timeout)))
            } catch {
                throw ServerConfiguration.Invalid(description: "PASSLINE_SMS_HTTP_*: \(error.description)")
            }
        case let other:
            throw ServerConfiguration.Invalid(description: "PASSLINE_SMS_GATEWAY=\(other): expected dev or http")
        }
    }
}
