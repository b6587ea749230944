import Foundation
import GoogleWallet
import GoogleWalletMock
import Testing

/// Service-account keys and `PASSLINE_GOOGLE_*` settings: what is accepted, and errors of one
/// line that never carry key material.
@Suite struct ConfigurationTests {
    /// The key file with some fields replaced (nil removes one).
    static func keyFile(_ changes: [String: String?]) throws -> [UInt8] {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(Fixtures.account().mock.keyFile)) as? [String: Any])
        for (name, value) in changes { object[name] = value }
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    /// Pieces of the private key that must never appear in a message: lines of its base64 body.
    static func keyFragments() throws -> [String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(Fixtures.account().mock.keyFile)) as? [String: Any])
        let pem = try #require(object["private_key"] as? String)
        return pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map { String($0.prefix(24)) }
    }

    static func expectClean(_ message: String, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!message.contains("\n") && !message.isEmpty, "one line: \(message)", sourceLocation: sourceLocation)
        #expect(!message.contains("PRIVATE KEY") && !fragments.contains { message.contains($0) }, "no key material: \(message)", sourceLocation: sourceLocation)
    }

    @Test func aServiceAccountKeyParses() throws {
        let (mock, account) = try Fixtures.account()
        #expect(account.clientEmail == mock.email && account.privateKeyID == mock.keyID && account.tokenURI == "https://oauth2.googleapis.com/token")
        #expect(account.publicKeyPEM.contains("BEGIN PUBLIC KEY"))
    }

    @Test func anAccountPrintsWithoutItsKey() throws {
        let (mock, account) = try Fixtures.account()
        var dumped = ""
        dump(account, to: &dumped)
        for text in [String(describing: account), String(reflecting: account), dumped, "\(GoogleWalletConfiguration(issuerID: Fixtures.issuer, account: account))"] {
            #expect(text.contains(mock.email))
            Self.expectClean(text.replacingOccurrences(of: "\n", with: " "), try Self.keyFragments())
        }
    }

    @Test func badKeysAreRefusedInOneLineWithoutTheKey() throws {
        let fragments = try Self.keyFragments()
        // A PKCS#1 PEM of the same key: the right key in a shape Google never issues.
        let cases: [([UInt8], GoogleServiceAccountError)] = [
            (Array("not json".utf8), .notJSON),
            (Array("[1,2]".utf8), .notJSON),
            (try Self.keyFile(["type": "authorized_user"]), .wrongType("authorized_user")),
            (try Self.keyFile(["type": nil]), .wrongType(nil)),
            (try Self.keyFile(["client_email": nil]), .missingField("client_email")),
            (try Self.keyFile(["client_email": "not an email"]), .invalidEmail),
            (try Self.keyFile(["private_key_id": ""]), .missingField("private_key_id")),
            (try Self.keyFile(["private_key": nil]), .missingField("private_key")),
            (try Self.keyFile(["private_key": "-----BEGIN PRIVATE KEY-----\nMIIBroken\n-----END PRIVATE KEY-----\n"]), .invalidPrivateKey),
        ]
        for (json, expected) in cases {
            #expect(throws: expected) { try GoogleServiceAccount(json: json) }
            Self.expectClean(expected.description, fragments)
        }
        // A truncated real key: the message must not echo any of it.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(Fixtures.account().mock.keyFile)) as? [String: Any])
        let pem = try #require(object["private_key"] as? String)
        let truncated = try Self.keyFile(["private_key": String(pem.prefix(pem.count / 2)) + "\n-----END PRIVATE KEY-----\n"])
        do {
            _ = try GoogleServiceAccount(json: truncated)
            Issue.record("a truncated key parsed")
        } catch {
            #expect(error == .invalidPrivateKey)
            Self.expectClean(error.description, fragments)
        }
    }

    // MARK: Environment

    static let keyPath = "/etc/passline/google.json"
    static let keysPath = "/etc/passline/google-keys.json"

    static func load(_ environment: [String: String], files: [String: [UInt8]]? = nil) throws -> GoogleWalletConfiguration? {
        let files = try files ?? [keyPath: Fixtures.account().mock.keyFile, keysPath: GoogleCallbackSigner().keysJSON()]
        return try GoogleWalletConfiguration.load(environment: environment) { path in
            guard let bytes = files[path] else { throw CocoaError(.fileNoSuchFile) }
            return bytes
        }
    }

    static func loadError(_ environment: [String: String], files: [String: [UInt8]]? = nil) throws -> GoogleConfigurationError? {
        do {
            _ = try load(environment, files: files)
            return nil
        } catch let error as GoogleConfigurationError {
            return error
        }
    }

    typealias K = GoogleWalletConfiguration.Keys

    @Test func unsetMeansOffAndAFullSettingLoads() throws {
        #expect(try Self.load([:]) == nil)
        #expect(try Self.load([K.origins: "https://a.example", K.issuerID: "  "]) == nil, "blank is unset")

        let config = try #require(try Self.load([
            K.issuerID: Fixtures.issuer.value, K.serviceAccount: Self.keyPath, K.origins: " https://passes.example.com, http://localhost:8080 ,",
        ]))
        #expect(config.issuerID == Fixtures.issuer && config.account.clientEmail == Fixtures.email)
        #expect(config.origins == ["https://passes.example.com", "http://localhost:8080"])
        #expect(config.apiURL == GoogleWalletConfiguration.defaultAPIURL && config.tokenURL == GoogleWalletConfiguration.defaultTokenURL)
        #expect(config.callbackKeys == nil)

        let mockConfig = try #require(try Self.load([
            K.issuerID: "1", K.serviceAccount: Self.keyPath, K.apiURL: "http://127.0.0.1:9000/walletobjects/v1/",
            K.tokenURL: "http://127.0.0.1:9000/token", K.callbackKeys: Self.keysPath,
        ]))
        #expect(mockConfig.apiURL == "http://127.0.0.1:9000/walletobjects/v1" && mockConfig.tokenURL == "http://127.0.0.1:9000/token")
        #expect(mockConfig.callbackKeys?.keys.count == 1, "the ECv1 key of the keys file is left out")
    }

    @Test func theTokenURLDefaultsToTheKeysTokenURI() throws {
        let file = try Self.keyFile(["token_uri": "http://127.0.0.1:8825/token"])
        let config = try #require(try Self.load([K.issuerID: "1", K.serviceAccount: Self.keyPath], files: [Self.keyPath: file]))
        #expect(config.tokenURL == "http://127.0.0.1:8825/token")
    }

    @Test func eachMistakeIsOneLineNamingTheVariable() throws {
        let fragments = try Self.keyFragments()
        let base = [K.issuerID: Fixtures.issuer.value, K.serviceAccount: Self.keyPath]
        let cases: [([String: String], [String: [UInt8]]?, GoogleConfigurationError, String)] = [
            ([K.issuerID: "123"], nil, .missing(K.serviceAccount, because: K.issuerID), K.serviceAccount),
            ([K.serviceAccount: Self.keyPath], nil, .missing(K.issuerID, because: K.serviceAccount), K.issuerID),
            (base.merging([K.issuerID: "33880000x"]) { $1 }, nil, .invalidIssuerID, K.issuerID),
            (base.merging([K.issuerID: "-1"]) { $1 }, nil, .invalidIssuerID, K.issuerID),
            (base.merging([K.serviceAccount: "/missing.json"]) { $1 }, nil, .unreadable(K.serviceAccount, path: "/missing.json"), "/missing.json"),
            (base, [Self.keyPath: try Self.keyFile(["type": "authorized_user"])], .serviceAccount(path: Self.keyPath, .wrongType("authorized_user")), "service_account"),
            (base, [Self.keyPath: try Self.keyFile(["private_key": "garbage"])], .serviceAccount(path: Self.keyPath, .invalidPrivateKey), "private_key"),
            (base.merging([K.origins: "https://ok.example,passes.example.com"]) { $1 }, nil, .invalidOrigin("passes.example.com"), K.origins),
            (base.merging([K.origins: "https://passes.example.com/join"]) { $1 }, nil, .invalidOrigin("https://passes.example.com/join"), K.origins),
            (base.merging([K.apiURL: "walletobjects.googleapis.com"]) { $1 }, nil, .invalidURL(K.apiURL), K.apiURL),
            (base.merging([K.tokenURL: "ftp://x/token"]) { $1 }, nil, .invalidURL(K.tokenURL), K.tokenURL),
            (base.merging([K.callbackKeys: "/nope"]) { $1 }, nil, .unreadable(K.callbackKeys, path: "/nope"), K.callbackKeys),
            (base.merging([K.callbackKeys: Self.keysPath]) { $1 }, [Self.keyPath: try Fixtures.account().mock.keyFile, Self.keysPath: Array(#"{"keys":[{"keyValue":"AAAA","protocolVersion":"ECv2SigningOnly","keyExpiration":"99999999999999"}]}"#.utf8)],
             .callbackKeys(path: Self.keysPath, .invalidKey(index: 0)), "callback key 0"),
            (base.merging([K.callbackKeys: Self.keysPath]) { $1 }, [Self.keyPath: try Fixtures.account().mock.keyFile, Self.keysPath: Array(#"{"keys":[{"keyValue":"AAAA","protocolVersion":"ECv1"}]}"#.utf8)],
             .callbackKeys(path: Self.keysPath, .noSigningOnlyKey), "ECv2SigningOnly"),
        ]
        for (environment, files, expected, mentions) in cases {
            let error = try Self.loadError(environment, files: files)
            #expect(error == expected, "\(environment)")
            let message = error?.description ?? ""
            #expect(message.contains(mentions), "\(message) names \(mentions)")
            Self.expectClean(message, fragments)
        }
    }
}
