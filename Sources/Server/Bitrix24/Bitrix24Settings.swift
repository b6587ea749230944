import Bitrix24

/// The Bitrix24 application: the PASSLINE_B24_* keys.
public struct Bitrix24Settings: Sendable, Hashable {
    /// The local application's `client_id` and `client_secret`, for refreshing its tokens; nil
    /// when unset (an install is still recorded, but a token that expires cannot be renewed).
    public var app: OAuthApp?
    /// Bitrix24's OAuth server.
    public var oauthURL = "https://oauth.bitrix.info"
    /// REST calls a second to the portal, and the burst (a non-Enterprise portal allows 2 and 50).
    public var rate = 2.0
    public var burst = 50.0

    public init() {}

    static let keys: [(key: String, meaning: String)] = [
        ("PASSLINE_B24_CLIENT_ID", "the Bitrix24 local application's client_id (its tokens are refreshed with it)"),
        ("PASSLINE_B24_CLIENT_SECRET", "its client_secret (required with the client_id)"),
        ("PASSLINE_B24_OAUTH_URL", "Bitrix24's OAuth server (default https://oauth.bitrix.info)"),
        ("PASSLINE_B24_RATE", "REST calls per second to the portal, bursts of 25 times that (default 2: a non-Enterprise portal's limit)"),
    ]

    init(_ values: [String: String]) throws(ServerConfiguration.Invalid) {
        oauthURL = values["PASSLINE_B24_OAUTH_URL"] ?? oauthURL
        guard oauthURL.hasPrefix("https://") || oauthURL.hasPrefix("http://") else {
            throw ServerConfiguration.Invalid(description: "PASSLINE_B24_OAUTH_URL=\(oauthURL): must be an http(s) URL")
        }
        switch (values["PASSLINE_B24_CLIENT_ID"], values["PASSLINE_B24_CLIENT_SECRET"]) {
        case (nil, nil): app = nil
        case (let id?, let secret?) where !id.isEmpty && !secret.isEmpty: app = OAuthApp(clientID: id, clientSecret: secret, serverURL: oauthURL)
        default: throw ServerConfiguration.Invalid(description: "PASSLINE_B24_CLIENT_ID and PASSLINE_B24_CLIENT_SECRET go together")
        }
        if let rate = values["PASSLINE_B24_RATE"] {
            guard let value = Double(rate), value > 0, value <= 1000 else {
                throw ServerConfiguration.Invalid(description: "PASSLINE_B24_RATE=\(rate): a number of calls per second above 0")
            }
            self.rate = value
            burst = max(1, value * 25)
        }
    }
}
