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
    /// What a won deal that leaves the won stage does to its accrual.
    public var onReopen = DealAccrualPolicy.OnReopen.keep
    /// How often offline events are collected (`event.offline.get`): what online events missed.
    public var offlinePoll: Duration = .seconds(60)
    /// Webhook mode (a portal without the app): an incoming webhook's URL
    /// (`https://{portal}/rest/{user}/{secret}/`) to re-read documents through, and the shared
    /// secret the business process's outgoing webhook puts in its query as `key`.
    public var webhookURL: String?
    public var webhookKey: String?

    public init() {}

    static let keys: [(key: String, meaning: String)] = [
        ("PASSLINE_B24_CLIENT_ID", "the Bitrix24 local application's client_id (its tokens are refreshed with it)"),
        ("PASSLINE_B24_CLIENT_SECRET", "its client_secret (required with the client_id)"),
        ("PASSLINE_B24_OAUTH_URL", "Bitrix24's OAuth server (default https://oauth.bitrix.info)"),
        ("PASSLINE_B24_RATE", "REST calls per second to the portal, bursts of 25 times that (default 2: a non-Enterprise portal's limit)"),
        ("PASSLINE_B24_DEAL_REOPEN", "keep (default) or reverse: what a won deal's accrual becomes when the deal leaves the won stage"),
        ("PASSLINE_B24_OFFLINE_POLL", "seconds between collections of the portal's offline events (default 60)"),
        ("PASSLINE_B24_WEBHOOK_URL", "webhook mode: the portal's incoming-webhook URL, https://{portal}/rest/{user}/{secret}/"),
        ("PASSLINE_B24_WEBHOOK_KEY", "webhook mode: the secret the business processes' outgoing webhooks carry as ?key= (at least 16 characters)"),
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
        if let reopen = values["PASSLINE_B24_DEAL_REOPEN"] {
            guard let value = DealAccrualPolicy.OnReopen(rawValue: reopen) else {
                throw ServerConfiguration.Invalid(description: "PASSLINE_B24_DEAL_REOPEN=\(reopen): keep or reverse")
            }
            onReopen = value
        }
        if let poll = values["PASSLINE_B24_OFFLINE_POLL"] {
            guard let seconds = Int(poll), (1...86_400).contains(seconds) else {
                throw ServerConfiguration.Invalid(description: "PASSLINE_B24_OFFLINE_POLL=\(poll): whole seconds from 1 to 86400")
            }
            offlinePoll = .seconds(seconds)
        }
        switch (values["PASSLINE_B24_WEBHOOK_URL"], values["PASSLINE_B24_WEBHOOK_KEY"]) {
        case (nil, nil): break
        case (let url?, let key?):
            guard url.hasPrefix("https://") || url.hasPrefix("http://"), url.contains("/rest/") else {
                throw ServerConfiguration.Invalid(description: "PASSLINE_B24_WEBHOOK_URL: must be the portal's incoming-webhook URL, https://{portal}/rest/{user}/{secret}/")
            }
            guard key.count >= 16 else {
                throw ServerConfiguration.Invalid(description: "PASSLINE_B24_WEBHOOK_KEY: at least 16 characters (it is the only thing that authenticates an outgoing webhook)")
            }
            webhookURL = url
            webhookKey = key
        default:
            throw ServerConfiguration.Invalid(description: "PASSLINE_B24_WEBHOOK_URL and PASSLINE_B24_WEBHOOK_KEY go together")
        }
    }
}
