/// The `auth[...]` block of every request a portal sends: who it claims to be, and on install
/// (and some events) the app's OAuth tokens.
///
/// A request is the portal's only when `member_id` and `application_token` match what its
/// install stored (Bitrix24, "Safe event handlers"); for `ONAPPUNINSTALL` that is the only check
/// there is.
public struct InboundAuth: Sendable, Hashable {
    /// The portal's permanent id.
    public var memberID: String
    /// The portal's host name (`school.bitrix24.ru`).
    public var domain: String
    /// The secret the portal gave this app at install; it comes with every event and robot call.
    public var applicationToken: String
    /// The OAuth tokens, when the request carries them (install; events caused by a user).
    public var tokens: OAuthTokens?

    public init(memberID: String, domain: String, applicationToken: String, tokens: OAuthTokens? = nil) {
        self.memberID = memberID
        self.domain = domain
        self.applicationToken = applicationToken
        self.tokens = tokens
    }

    /// Reads `auth[...]` (events, robots) from a form.
    public init(_ form: FormFields) throws(Bitrix24InputError) {
        func required(_ key: String) throws(Bitrix24InputError) -> String {
            guard let value = form["auth", key], !value.isEmpty else { throw .missing("auth[\(key)]") }
            return value
        }
        memberID = try required("member_id")
        domain = try Self.host(try required("domain"), field: "auth[domain]")
        applicationToken = try required("application_token")
        if let access = form["auth", "access_token"], !access.isEmpty,
           let refresh = form["auth", "refresh_token"], !refresh.isEmpty {
            let endpoint = form["auth", "client_endpoint"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://\(domain)/rest/"
            tokens = OAuthTokens(
                accessToken: access, refreshToken: refresh,
                expiresIn: form["auth", "expires_in"].flatMap { Int($0) } ?? 3600,
                clientEndpoint: try Self.endpoint(endpoint, field: "auth[client_endpoint]"))
        } else {
            tokens = nil
        }
    }

    /// A portal host: letters, digits, `-` and `.`, nothing that could steer a URL elsewhere; an
    /// on-premises portal may add a port (`crm.example.com:8443`).
    public static func host(_ text: String, field: String) throws(Bitrix24InputError) -> String {
        var name = Substring(text)
        if let colon = text.lastIndex(of: ":") {
            let port = text[text.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber) else {
                throw Bitrix24InputError(field, "must be a host name such as school.bitrix24.ru")
            }
            name = text[..<colon]
        }
        let ok = name.count <= 253 && !name.isEmpty && name.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E
        } && !name.hasPrefix(".") && !name.hasPrefix("-")
        guard ok else { throw Bitrix24InputError(field, "must be a host name such as school.bitrix24.ru") }
        return text.lowercased()
    }

    /// The REST endpoint: `https://<host>/rest/`.
    static func endpoint(_ text: String, field: String) throws(Bitrix24InputError) -> String {
        guard text.hasPrefix("https://") || text.hasPrefix("http://") else {
            throw Bitrix24InputError(field, "must be an http(s) URL ending in /rest/")
        }
        return text.hasSuffix("/") ? text : text + "/"
    }
}

/// The app's OAuth tokens for one portal. The access token lives an hour; the refresh token
/// 180 days, and each refresh replaces it.
public struct OAuthTokens: Sendable, Hashable {
    public var accessToken: String
    public var refreshToken: String
    public var expiresIn: Int
    /// `https://<portal>/rest/`, where REST calls go.
    public var clientEndpoint: String

    public init(accessToken: String, refreshToken: String, expiresIn: Int, clientEndpoint: String) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.clientEndpoint = clientEndpoint
    }
}
