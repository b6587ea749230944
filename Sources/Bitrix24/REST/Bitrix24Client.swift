import Core
import PassBuilder

/// The app's OAuth credentials, from the local application's settings in the portal.
public struct OAuthApp: Sendable, Hashable {
    public var clientID: String
    public var clientSecret: String
    /// Bitrix24's OAuth server (`https://oauth.bitrix.info`).
    public var serverURL: String

    public init(clientID: String, clientSecret: String, serverURL: String = "https://oauth.bitrix.info") {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.serverURL = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
    }
}

/// Where one portal's tokens live between calls (the database, encrypted): the client reads the
/// pair it calls with and, after a refresh, stores the new one (the old refresh token is spent).
public protocol PortalTokenStore: Sendable {
    func tokens() async throws -> OAuthTokens
    func replace(_ tokens: OAuthTokens) async throws
}

/// How a call is authorised.
public enum Bitrix24Access: Sendable {
    /// As the installed application: OAuth tokens, refreshed after `expired_token`.
    case app(OAuthApp, any PortalTokenStore)
    /// As an incoming webhook, `https://{portal}/rest/{user}/{secret}/`: no tokens, no app-only methods.
    case webhook(url: String)
    /// As a user, with the access token a placement was opened with (`AUTH_ID`): never refreshed,
    /// so a stolen or expired one fails.
    case user(token: String, endpoint: String)
}

/// Why a call did not return a result.
public enum Bitrix24CallError: Error, Sendable, CustomStringConvertible {
    /// The portal (or its OAuth server) answered with an error.
    case portal(method: String, Bitrix24Error)
    /// No answer: the network, a timeout, or the token store.
    case unreachable(method: String, String)

    /// What the caller should do: an outbox retries `.retry`, and stops on `.disconnected`.
    public var disposition: Bitrix24Error.Disposition {
        switch self {
        case .portal(_, let error): error.disposition
        case .unreachable: .retry
        }
    }

    public var description: String {
        switch self {
        case .portal(let method, let error): "\(method): \(error.code.isEmpty ? "" : error.code + ": ")\(error.description) (HTTP \(error.status))"
        case .unreachable(let method, let why): "\(method): \(why)"
        }
    }
}

/// Calls one portal's REST API. As the app, it refreshes the access token only after the portal
/// answers 401 `expired_token`, then repeats the call once (refreshing on a schedule "may be
/// blocked by automation", Bitrix24's OAuth docs); concurrent calls that meet one expiry share
/// one refresh, since each refresh spends the refresh token.
public actor Bitrix24Client {
    private let http: any OutboundHTTPClient
    private let access: Bitrix24Access
    private let timeout: Duration
    private let limitRetries: Int
    private var refreshing: Task<OAuthTokens, any Error>?

    /// `limitRetries`: for a person waiting (the card tab), how many times a call the portal's
    /// limit refused (`QUERY_LIMIT_EXCEEDED`) is repeated after a second (the limit drains at 2
    /// calls a second); background work retries through its queue instead.
    public init(http: any OutboundHTTPClient, access: Bitrix24Access, timeout: Duration = .seconds(30), limitRetries: Int = 0) {
        self.http = http
        self.access = access
        self.timeout = timeout
        self.limitRetries = limitRetries
    }

    /// A successful call's result, with a list's `next` and `total`.
    public struct Page: Sendable, Hashable {
        public var result: JSONValue
        public var next: Int?
        public var total: Int?
    }

    /// Calls `method` with `params`; the result, or the portal's error with its disposition.
    public func call(_ method: String, _ params: [String: JSONValue] = [:]) async throws(Bitrix24CallError) -> Page {
        var retries = limitRetries
        while true {
            do {
                return try await authorised(method, params)
            } catch .portal(let m, let refusal) where refusal.code == "QUERY_LIMIT_EXCEEDED" && retries > 0 {
                retries -= 1
                do { try await Task.sleep(for: .seconds(1)) } catch { throw .portal(method: m, refusal) }
            }
        }
    }

    private func authorised(_ method: String, _ params: [String: JSONValue]) async throws(Bitrix24CallError) -> Page {
        switch access {
        case .webhook(let url):
            return try await send(method, params, endpoint: url.hasSuffix("/") ? url : url + "/", token: nil)
        case .user(let token, let endpoint):
            return try await send(method, params, endpoint: endpoint, token: token)
        case .app(let app, let store):
            let used: OAuthTokens
            do { used = try await store.tokens() } catch { throw .unreachable(method: method, "no tokens: \(error)") }
            do {
                return try await send(method, params, endpoint: used.clientEndpoint, token: used.accessToken)
            } catch .portal(_, let error) where error.disposition == .refreshToken {
                let fresh = try await refreshed(after: used, app: app, store: store, method: method)
                return try await send(method, params, endpoint: fresh.clientEndpoint, token: fresh.accessToken)
            }
        }
    }

    private func send(_ method: String, _ params: [String: JSONValue], endpoint: String, token: String?) async throws(Bitrix24CallError) -> Page {
        var body = params
        if let token { body["auth"] = .string(token) }
        let request = OutboundRequest(
            method: "POST", url: endpoint + method + ".json", headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
            body: JSONValue.object(body).serialized(), timeout: timeout)
        let response: OutboundResponse
        do { response = try await http.send(request) } catch { throw .unreachable(method: method, "\(error)") }
        switch RESTReply(status: response.status, body: response.body) {
        case .success(let result, let next, let total): return Page(result: result, next: next, total: total)
        case .failure(let error): throw .portal(method: method, error)
        }
    }

    /// A fresh pair: the one another call already got after `used`, or a new one from the OAuth server.
    private func refreshed(after used: OAuthTokens, app: OAuthApp, store: any PortalTokenStore, method: String) async throws(Bitrix24CallError) -> OAuthTokens {
        let task: Task<OAuthTokens, any Error>
        if let refreshing {
            task = refreshing
        } else {
            let http = self.http, timeout = self.timeout
            task = Task {
                let current = try await store.tokens()
                if current.accessToken != used.accessToken { return current }
                let fresh = try await Self.refresh(current, app: app, http: http, timeout: timeout)
                try await store.replace(fresh)
                return fresh
            }
            refreshing = task
        }
        defer { if refreshing == task { refreshing = nil } }
        do {
            return try await task.value
        } catch let error as Bitrix24CallError {
            throw error
        } catch {
            throw .unreachable(method: "oauth/token", "\(error)")
        }
    }

    /// `GET {server}/oauth/token/?grant_type=refresh_token&…`.
    static func refresh(_ tokens: OAuthTokens, app: OAuthApp, http: any OutboundHTTPClient, timeout: Duration) async throws(Bitrix24CallError) -> OAuthTokens {
        try await exchange(tokens, app: app, http: http, timeout: timeout).tokens
    }

    /// Refreshes `tokens` at the OAuth server with the app's credentials: new tokens, and the
    /// portal the OAuth server says they belong to (its `member_id` and `client_endpoint`, which
    /// a form posted by anyone cannot vouch for). Fails when they are not this app's.
    public static func exchange(
        _ tokens: OAuthTokens, app: OAuthApp, http: any OutboundHTTPClient, timeout: Duration = .seconds(30)
    ) async throws(Bitrix24CallError) -> (tokens: OAuthTokens, memberID: String?) {
        let query = [("grant_type", "refresh_token"), ("client_id", app.clientID), ("client_secret", app.clientSecret), ("refresh_token", tokens.refreshToken)]
            .map { "\($0.0)=\(FormBody.escape($0.1))" }.joined(separator: "&")
        let response: OutboundResponse
        do {
            response = try await http.send(OutboundRequest(method: "GET", url: app.serverURL + "/oauth/token/?" + query, timeout: timeout))
        } catch {
            throw .unreachable(method: "oauth/token", "\(error)")
        }
        guard let json = try? JSONValue(parsingLeniently: response.body) else {
            throw .portal(method: "oauth/token", Bitrix24Error(status: response.status, code: "", description: "not an OAuth reply"))
        }
        if let code = json["error"]?.stringValue {
            throw .portal(method: "oauth/token", Bitrix24Error(status: response.status, code: code, description: json["error_description"]?.stringValue ?? ""))
        }
        guard (200..<300).contains(response.status), let access = json["access_token"]?.stringValue, let refresh = json["refresh_token"]?.stringValue else {
            throw .portal(method: "oauth/token", Bitrix24Error(status: response.status, code: "", description: "an OAuth reply without tokens"))
        }
        let expires: Int
        switch json["expires_in"] {
        case .integer(let n): expires = Int(n)
        default: expires = 3600
        }
        let fresh = OAuthTokens(accessToken: access, refreshToken: refresh, expiresIn: expires, clientEndpoint: json["client_endpoint"]?.stringValue ?? tokens.clientEndpoint)
        return (fresh, json["member_id"]?.stringValue)
    }
}
