import Crypto
import Foundation
import NIOHTTP2
@testable import Push
import Testing

/// The client's parts that need no network: credentials, provider tokens, headers, the URL.
@Suite struct APNsClientUnitTests {
    @Test func certificateForAnotherTopicIsRefusedAtStart() throws {
        let fixture = try ClientFixture.get()
        let error = #expect(throws: APNsClientError.self) {
            try APNsClient(
                configuration: APNsClientConfiguration(),
                credentials: ["pass.com.example.other": try fixture.credentials()],
                logger: testLogger)
        }
        guard case .certificateTopicMismatch(let topic, let topics, _) = error else {
            Issue.record("wrong error \(String(describing: error))")
            return
        }
        #expect(topic == "pass.com.example.other")
        #expect(topics == ["pass.dev.passline.loyalty"])
        let message = String(describing: error!)
        #expect(message.contains("is for pass.dev.passline.loyalty, not pass.com.example.other"))
    }

    @Test func certificateForItsTopicIsAccepted() throws {
        let fixture = try ClientFixture.get()
        let client = try APNsClient(
            configuration: APNsClientConfiguration(), credentials: [fixture.topic: try fixture.credentials()], logger: testLogger)
        #expect(client.topics == [fixture.topic])
        #expect(client.snapshot() == APNsClientSnapshot(byTopic: [fixture.topic: APNsClientSnapshot()]))
    }

    @Test func keyOfAnotherCertificateIsRefusedAtStart() throws {
        let fixture = try ClientFixture.get()
        let other = P256Key()
        let credentials = try APNsCredentials.certificate(
            chainPEM: fixture.pki.certificatePEM, privateKeyPEM: other.privatePEM)
        #expect(throws: APNsClientError.self) {
            try APNsClient(configuration: APNsClientConfiguration(), credentials: [fixture.topic: credentials], logger: testLogger)
        }
    }

    @Test(arguments: [
        "http://api.push.apple.com", "https://", "https://host/path", "https://host:0", "https://host:99999", "https://host:x",
    ])
    func badURLsAreRefused(url: String) {
        #expect(throws: APNsClientError.self) {
            try APNsClient(configuration: APNsClientConfiguration(url: url), credentials: [:], logger: testLogger)
        }
    }

    @Test func endpointParsing() throws {
        let apple = try APNsEndpoint(url: "https://api.push.apple.com")
        #expect(apple.host == "api.push.apple.com" && apple.port == 443 && apple.authority == "api.push.apple.com")
        let mock = try APNsEndpoint(url: "https://127.0.0.1:2197/")
        #expect(mock.host == "127.0.0.1" && mock.port == 2197 && mock.authority == "127.0.0.1:2197")
        let six = try APNsEndpoint(url: "https://[::1]:8443")
        #expect(six.host == "::1" && six.port == 8443 && six.authority == "[::1]:8443")
    }

    @Test func badConfigurationIsRefused() {
        var configuration = APNsClientConfiguration()
        configuration.tokenRefreshInterval = .seconds(10 * 60)
        #expect(throws: APNsClientError.self) {
            try APNsClient(configuration: configuration, credentials: [:], logger: testLogger)
        }
        configuration = APNsClientConfiguration(connectionsPerTopic: 0)
        #expect(throws: APNsClientError.self) {
            try APNsClient(configuration: configuration, credentials: [:], logger: testLogger)
        }
    }

    @Test func requestHeadersAreTheWalletPush() throws {
        var builder = APNsRequestHeaders(authority: "api.push.apple.com", topic: "pass.x.y", expiration: .seconds(86_400))
        let token = pushToken(0xABC)
        let payload = builder.headers(for: token, nowSeconds: 1_700_000_000, authorization: nil)
        let pairs = payload.headers.map { [$0.name, $0.value] }
        #expect(payload.endStream == false)
        #expect(pairs.count == 10)
        #expect(Array(pairs.prefix(8)) == [
            [":method", "POST"], [":scheme", "https"], [":path", "/3/device/" + token.hex], [":authority", "api.push.apple.com"],
            ["apns-topic", "pass.x.y"], ["apns-push-type", "background"], ["apns-priority", "5"],
            ["apns-expiration", "1700086400"],
        ])
        #expect(pairs[8][0] == "apns-id" && UUID(uuidString: pairs[8][1]) != nil && pairs[8][1] == pairs[8][1].lowercased())
        #expect(pairs[9] == ["content-length", "2"])
        let next = builder.headers(for: token, nowSeconds: 1_700_000_001, authorization: "bearer x")
        #expect(next.headers.first(name: "apns-expiration") == "1700086401")
        #expect(next.headers.first(name: "authorization") == "bearer x")
        #expect(next.headers.first(name: "apns-id") != payload.headers.first(name: "apns-id"))
    }

    @Test func apnsIDsAreDistinctUUIDs() {
        var builder = APNsRequestHeaders(authority: "a", topic: "t", expiration: .zero)
        let ids = (0..<1_000).map { _ in builder.nextID() }
        #expect(Set(ids).count == 1_000)
        #expect(ids.allSatisfy { UUID(uuidString: $0) != nil && $0.count == 36 })
    }

    @Test func providerTokenIsAnES256JWT() throws {
        let key = P256Key()
        let token = try ProviderToken(
            teamID: "TEAM123456", keyID: "KEY1234567", privateKeyPEM: key.privatePEM, refreshInterval: .seconds(3000), topic: "t")
        let jwt = token.makeJWT(issuedAt: Date(timeIntervalSince1970: 1_700_000_000))
        let parts = jwt.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        let header = try JSONSerialization.jsonObject(with: try #require(base64URLDecode(parts[0]))) as? [String: String]
        #expect(header == ["alg": "ES256", "kid": "KEY1234567"])
        let claims = try JSONSerialization.jsonObject(with: try #require(base64URLDecode(parts[1]))) as? [String: Any]
        #expect(claims?["iss"] as? String == "TEAM123456")
        #expect((claims?["iat"] as? NSNumber)?.int64Value == 1_700_000_000)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: try #require(base64URLDecode(parts[2])))
        #expect(key.key.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8)))
    }

    @Test func providerTokenIsReusedForItsRefreshInterval() throws {
        let key = P256Key()
        let token = try ProviderToken(
            teamID: "TEAM123456", keyID: "KEY1234567", privateKeyPEM: key.privatePEM, refreshInterval: .seconds(50 * 60), topic: "t")
        let t0 = ContinuousClock.now
        var wall = Date(timeIntervalSince1970: 1_700_000_000)
        let first = token.authorization(now: t0, wallClock: { wall })
        #expect(first.hasPrefix("bearer "))
        wall += 49 * 60
        #expect(token.authorization(now: t0.advanced(by: .seconds(49 * 60)), wallClock: { wall }) == first)
        // APNs calling it expired within 20 minutes of signing is ignored: renewing would earn a 429.
        token.invalidate(now: t0.advanced(by: .seconds(10 * 60)))
        #expect(token.authorization(now: t0.advanced(by: .seconds(49 * 60)), wallClock: { wall }) == first)
        wall += 60
        let second = token.authorization(now: t0.advanced(by: .seconds(50 * 60)), wallClock: { wall })
        #expect(second != first)
        #expect(token.authorization(now: t0.advanced(by: .seconds(60 * 60)), wallClock: { wall }) == second)
    }

    @Test func tokenCredentialsAreValidated() {
        #expect(throws: APNsClientError.self) {
            try APNsClient(
                configuration: APNsClientConfiguration(),
                credentials: ["pass.x": .token(teamID: "TEAM", keyID: "KEY", privateKeyPEM: "not a key")], logger: testLogger)
        }
        #expect(throws: APNsClientError.self) {
            try APNsClient(
                configuration: APNsClientConfiguration(),
                credentials: ["pass.x": .token(teamID: "TE\"AM", keyID: "KEY", privateKeyPEM: P256Key().privatePEM)], logger: testLogger)
        }
    }

    @Test func newTransportFailuresAreRetryable() {
        for failure in [TransportFailure.overloaded, .unreachable, .clientShutDown] {
            #expect(PushOutcome(failure) == .retry(.transport(failure)))
            #expect(!PushOutcome(failure).isFinal)
        }
    }
}

func base64URLDecode(_ text: String) -> Data? {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    return Data(base64Encoded: base64)
}
