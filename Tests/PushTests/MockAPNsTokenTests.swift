import APNsMock
import Crypto
import Foundation
import Testing

/// A provider signing key (ES256) and the token-mode configuration that trusts it.
struct ProviderKey {
    let privateKey = P256.Signing.PrivateKey()

    func configuration(_ fixture: MockFixture, maxConcurrentStreams: Int = 1000) -> MockAPNsConfiguration {
        MockAPNsConfiguration(
            identity: fixture.identity, tokenAuthenticationPublicKeyPEM: privateKey.publicKey.pemRepresentation,
            maxConcurrentStreams: maxConcurrentStreams)
    }

    func token(issuedAt: Date = Date()) throws -> String {
        try MockProviderToken.make(privateKey: privateKey, keyID: "ABC123DEFG", teamID: "DEVTEAM123", issuedAt: issuedAt)
    }
}

/// Token authentication: no client certificate, `authorization: bearer <ES256 JWT>` on every request.
@Suite("Mock APNs token authentication")
struct MockAPNsTokenTests {
    func push(_ mock: MockAPNs, _ fixture: MockFixture, authorization: String?) async throws -> CurlResult {
        var headers = walletHeaders(topic: fixture.topic)
        if let authorization { headers.append(("authorization", authorization)) }
        return try await curl(mock, fixture: fixture, headers: headers, clientCertificate: nil)
    }

    @Test("a valid provider token is accepted without a client certificate, and reused")
    func validToken() async throws {
        let fixture = try MockFixture.get()
        let key = ProviderKey()
        try await withMock(key.configuration(fixture)) { mock in
            let token = try key.token()
            let first = try await push(mock, fixture, authorization: "bearer " + token)
            #expect(first.status == 200, "\(first.stderr) \(first.body)")
            let second = try await push(mock, fixture, authorization: "Bearer " + token)
            #expect(second.status == 200)
            #expect(mock.stats().accepted == 2)
        }
    }

    @Test("any topic is allowed in token mode, but one is required")
    func topicInTokenMode() async throws {
        let fixture = try MockFixture.get()
        let key = ProviderKey()
        try await withMock(key.configuration(fixture)) { mock in
            let auth = ("authorization", "bearer " + (try key.token()))
            let other = try await curl(mock, fixture: fixture, headers: walletHeaders(topic: "pass.com.example.other") + [auth])
            #expect(other.status == 200)
            let none = try await curl(mock, fixture: fixture, headers: [("apns-push-type", "background"), auth])
            #expect(none.status == 400)
            #expect(none.reason == "MissingTopic")
        }
    }

    static let refusals: [(String, String)] = [
        ("none", "MissingProviderToken"),
        ("basic", "MissingProviderToken"),
        ("garbage", "InvalidProviderToken"),
        ("otherKey", "InvalidProviderToken"),
        ("expired", "ExpiredProviderToken"),
        ("noKid", "InvalidProviderToken"),
    ]

    @Test("bad provider tokens are refused with 403 and the reason APNs gives", arguments: refusals)
    func refused(kind: String, reason: String) async throws {
        let fixture = try MockFixture.get()
        let key = ProviderKey()
        let authorization: String?
        switch kind {
        case "none": authorization = nil
        case "basic": authorization = "basic dXNlcjpwYXNz"
        case "garbage": authorization = "bearer not.a.jwt"
        case "otherKey": authorization = "bearer " + (try ProviderKey().token())
        case "expired": authorization = "bearer " + (try key.token(issuedAt: Date().addingTimeInterval(-3700)))
        default:
            // A correctly signed token whose header lacks kid.
            let header = Data(#"{"alg":"ES256"}"#.utf8).base64URL
            let claims = Data(#"{"iss":"DEVTEAM123","iat":\#(Int(Date().timeIntervalSince1970))}"#.utf8).base64URL
            let signature = try key.privateKey.signature(for: Data((header + "." + claims).utf8))
            authorization = "bearer \(header).\(claims).\(signature.rawRepresentation.base64URL)"
        }
        try await withMock(key.configuration(fixture)) { mock in
            let result = try await push(mock, fixture, authorization: authorization)
            #expect(result.status == 403)
            #expect(result.reason == reason)
            let problems = mock.stats().protocolErrors
            #expect(problems.count == 1)
            if let authorization, authorization.count > 20 {
                #expect(!problems[0].contains(authorization.dropFirst(7)), "a provider token leaked into \(problems[0])")
            }
        }
    }

    @Test("without a configured key, signatures are not checked but the token's shape still is")
    func unsignedCheck() async throws {
        let fixture = try MockFixture.get()
        try await withMock(MockAPNsConfiguration(identity: fixture.identity)) { mock in
            let someone = try ProviderKey().token()
            #expect(try await push(mock, fixture, authorization: "bearer " + someone).status == 200)
            #expect(try await push(mock, fixture, authorization: "bearer a.b.c").reason == "InvalidProviderToken")
        }
    }
}

extension Data {
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
