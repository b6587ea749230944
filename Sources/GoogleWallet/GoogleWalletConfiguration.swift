/// What the server needs to issue Google Wallet cards: the issuer, the service account that acts
/// for it, where the API and the token endpoint are, the web origins of save buttons, and
/// Google's root keys for verifying callbacks.
public struct GoogleWalletConfiguration: Sendable {
    public static let defaultAPIURL = "https://walletobjects.googleapis.com/walletobjects/v1"
    public static let defaultTokenURL = "https://oauth2.googleapis.com/token"

    public var issuerID: GoogleIssuerID
    public var account: GoogleServiceAccount
    /// Origins (`https://host[:port]`) where a save button may render; a link needs none.
    public var origins: [String]
    /// No trailing `/`.
    public var apiURL: String
    public var tokenURL: String
    /// Unset: callbacks cannot be verified, so none is accepted.
    public var callbackKeys: GoogleCallbackKeys?

    public init(
        issuerID: GoogleIssuerID, account: GoogleServiceAccount, origins: [String] = [], apiURL: String = Self.defaultAPIURL,
        tokenURL: String = Self.defaultTokenURL, callbackKeys: GoogleCallbackKeys? = nil
    ) {
        self.issuerID = issuerID
        self.account = account
        self.origins = origins
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.tokenURL = tokenURL
        self.callbackKeys = callbackKeys
    }

    /// The configuration from `PASSLINE_GOOGLE_*` variables; nil when neither the issuer id nor
    /// the service account is set (Google Wallet is off).
    ///
    /// - `PASSLINE_GOOGLE_ISSUER_ID`: the issuer's number;
    /// - `PASSLINE_GOOGLE_SERVICE_ACCOUNT`: path of the service account's JSON key;
    /// - `PASSLINE_GOOGLE_ORIGINS`: comma-separated origins of save buttons;
    /// - `PASSLINE_GOOGLE_API_URL`, `PASSLINE_GOOGLE_TOKEN_URL`: endpoints (a mock's); the token
    ///   URL defaults to the key's `token_uri`, then Google's;
    /// - `PASSLINE_GOOGLE_CALLBACK_KEYS`: path of a copy of https://pay.google.com/gp/m/issuer/keys.
    ///
    /// - Parameter readFile: reads a file's bytes (injected so tests need no files).
    /// - Throws: ``GoogleConfigurationError``, one line that never quotes a key.
    public static func load(environment: [String: String], readFile: (String) throws -> [UInt8]) throws(GoogleConfigurationError) -> GoogleWalletConfiguration? {
        func value(_ name: String) -> String? {
            guard let v = environment[name]?.trimmingWhitespace(), !v.isEmpty else { return nil }
            return v
        }
        let issuerText = value(Keys.issuerID), accountPath = value(Keys.serviceAccount)
        if issuerText == nil, accountPath == nil { return nil }
        guard let issuerText else { throw .missing(Keys.issuerID, because: Keys.serviceAccount) }
        guard let accountPath else { throw .missing(Keys.serviceAccount, because: Keys.issuerID) }
        guard let issuerID = GoogleIssuerID(issuerText) else { throw .invalidIssuerID }

        func read(_ variable: String, _ path: String) throws(GoogleConfigurationError) -> [UInt8] {
            do {
                return try readFile(path)
            } catch {
                throw .unreadable(variable, path: path)
            }
        }
        let account: GoogleServiceAccount
        do {
            account = try GoogleServiceAccount(json: try read(Keys.serviceAccount, accountPath))
        } catch let error as GoogleServiceAccountError {
            throw .serviceAccount(path: accountPath, error)
        } catch let error as GoogleConfigurationError {
            throw error
        } catch {
            throw .unreadable(Keys.serviceAccount, path: accountPath)
        }

        let origins = (value(Keys.origins) ?? "").split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        for origin in origins where !isOrigin(origin) { throw .invalidOrigin(oneLine(origin, limit: 100)) }
        let apiURL = value(Keys.apiURL) ?? defaultAPIURL
        guard isHTTPURL(apiURL) else { throw .invalidURL(Keys.apiURL) }
        let tokenURL = value(Keys.tokenURL) ?? account.tokenURI ?? defaultTokenURL
        guard isHTTPURL(tokenURL) else { throw .invalidURL(value(Keys.tokenURL) == nil ? "the service account's token_uri" : Keys.tokenURL) }

        var callbackKeys: GoogleCallbackKeys?
        if let keysPath = value(Keys.callbackKeys) {
            do {
                callbackKeys = try GoogleCallbackKeys(json: try read(Keys.callbackKeys, keysPath))
            } catch let error as GoogleCallbackKeysError {
                throw .callbackKeys(path: keysPath, error)
            } catch let error as GoogleConfigurationError {
                throw error
            } catch {
                throw .unreadable(Keys.callbackKeys, path: keysPath)
            }
        }
        return GoogleWalletConfiguration(
            issuerID: issuerID, account: account, origins: origins, apiURL: apiURL, tokenURL: tokenURL, callbackKeys: callbackKeys)
    }

    public enum Keys {
        public static let issuerID = "PASSLINE_GOOGLE_ISSUER_ID"
        public static let serviceAccount = "PASSLINE_GOOGLE_SERVICE_ACCOUNT"
        public static let origins = "PASSLINE_GOOGLE_ORIGINS"
        public static let apiURL = "PASSLINE_GOOGLE_API_URL"
        public static let tokenURL = "PASSLINE_GOOGLE_TOKEN_URL"
        public static let callbackKeys = "PASSLINE_GOOGLE_CALLBACK_KEYS"
    }

    /// `http(s)://host…` with no spaces or control characters.
    static func isHTTPURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        guard let rest = ["https://", "http://"].first(where: lower.hasPrefix).map({ text.dropFirst($0.count) }) else { return false }
        return !rest.isEmpty && !rest.hasPrefix("/") && !text.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7f }
    }

    /// `http(s)://host[:port]`, nothing after.
    static func isOrigin(_ text: String) -> Bool {
        guard isHTTPURL(text), let hostStart = text.range(of: "://")?.upperBound else { return false }
        let authority = text[hostStart...]
        return !authority.contains { "/?#@".contains($0) }
    }
}

/// Why the Google Wallet settings were refused: one line naming the variable, never a key.
public enum GoogleConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `variable` is unset though `because` is set.
    case missing(String, because: String)
    case invalidIssuerID
    case unreadable(String, path: String)
    case serviceAccount(path: String, GoogleServiceAccountError)
    case callbackKeys(path: String, GoogleCallbackKeysError)
    case invalidURL(String)
    case invalidOrigin(String)

    public var description: String {
        typealias K = GoogleWalletConfiguration.Keys
        switch self {
        case .missing(let variable, let because): return "\(variable) must be set too when \(because) is set"
        case .invalidIssuerID: return "\(K.issuerID) must be the issuer's id from the Google Pay & Wallet console, digits only"
        case .unreadable(let variable, let path): return "\(variable): cannot read \(oneLine(path))"
        case .serviceAccount(let path, let error): return "\(K.serviceAccount) (\(oneLine(path))): \(error)"
        case .callbackKeys(let path, let error): return "\(K.callbackKeys) (\(oneLine(path))): \(error)"
        case .invalidURL(let variable): return "\(variable) must be an absolute http(s) URL"
        case .invalidOrigin(let origin): return "\(K.origins): \(origin) is not an origin like https://example.com"
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
