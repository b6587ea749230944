import APNsMock
import Foundation
import Testing

/// The mock driven by a real, independent HTTP/2 client: curl (nghttp2) with a TLS client certificate.
@Suite("Mock APNs through curl")
struct MockAPNsCurlTests {
    @Test("a Wallet push is accepted with 200, an apns-id, and counted per token")
    func acceptsWalletPush() async throws {
        let fixture = try MockFixture.get()
        try await withMock(fixture.certificateConfiguration()) { mock in
            let given = "0A5E2C1B-7F3D-4E8A-9B6C-1D2E3F405162"
            let first = try await curl(mock, fixture: fixture, headers: walletHeaders(topic: fixture.topic) + [("apns-id", given)],
                                       clientCertificate: fixture.clientChainFile)
            #expect(first.exitCode == 0, "\(first.stderr)")
            #expect(first.status == 200)
            #expect(first.headers["apns-id"] == given)
            #expect(first.body.isEmpty)

            let second = try await curl(mock, fixture: fixture, path: "/3/device/" + MockFixture.otherToken, clientCertificate: fixture.clientChainFile)
            #expect(second.status == 200)
            let generated = try #require(second.headers["apns-id"])
            #expect(UUID(uuidString: generated) != nil, "generated apns-id \(generated) is not a UUID")

            let stats = mock.stats()
            #expect(stats.requests == 2)
            #expect(stats.accepted == 2)
            #expect(stats.byStatus == [200: 2])
            #expect(stats.acceptedByToken == [MockFixture.token: 1, MockFixture.otherToken: 1])
            #expect(stats.connections == 2)
            #expect(stats.protocolErrors.isEmpty)
        }
    }

    static let answeredFaults: [(MockFault, Int, String)] = [
        (.unregistered(timestampMilliseconds: 1_700_000_000_123), 410, "Unregistered"),
        (.badDeviceToken, 400, "BadDeviceToken"),
        (.deviceTokenNotForTopic, 400, "DeviceTokenNotForTopic"),
        (.tooManyRequests, 429, "TooManyRequests"),
        (.internalServerError, 500, "InternalServerError"),
        (.serviceUnavailable, 503, "ServiceUnavailable"),
        (.badCertificate, 403, "BadCertificate"),
    ]

    @Test("each answering fault gives APNs's status and JSON reason", arguments: answeredFaults)
    func answeredFault(fault: MockFault, status: Int, reason: String) async throws {
        let fixture = try MockFixture.get()
        let behavior = MockBehavior(scripted: [MockFixture.token: [fault]])
        try await withMock(fixture.certificateConfiguration(), behavior: behavior) { mock in
            let result = try await curl(mock, fixture: fixture, clientCertificate: fixture.clientChainFile)
            #expect(result.status == status)
            #expect(result.reason == reason)
            #expect(result.headers["apns-id"] != nil)
            #expect(result.headers["content-type"] == "application/json")
            if case .unregistered(let timestamp) = fault {
                #expect(result.timestamp == timestamp)
            } else {
                #expect(result.timestamp == nil)
            }
            let stats = mock.stats()
            #expect(stats.byStatus == [status: 1])
            #expect(stats.accepted == 0)
            #expect(stats.acceptedByToken.isEmpty)
        }
    }

    @Test("scripted faults are consumed in order, then the token is accepted; other tokens are untouched")
    func scriptedInOrder() async throws {
        let fixture = try MockFixture.get()
        let behavior = MockBehavior(scripted: [MockFixture.token: [.tooManyRequests, .serviceUnavailable, .unregistered(timestampMilliseconds: 42)]])
        try await withMock(fixture.certificateConfiguration(), behavior: behavior) { mock in
            var statuses: [Int?] = []
            for _ in 0..<5 {
                statuses.append(try await curl(mock, fixture: fixture, clientCertificate: fixture.clientChainFile).status)
            }
            #expect(statuses == [429, 503, 410, 200, 200])
            let other = try await curl(mock, fixture: fixture, path: "/3/device/" + MockFixture.otherToken, clientCertificate: fixture.clientChainFile)
            #expect(other.status == 200)
            let stats = mock.stats()
            #expect(stats.requests == 6)
            #expect(stats.byStatus == [429: 1, 503: 1, 410: 1, 200: 3])
            #expect(stats.acceptedByToken == [MockFixture.token: 2, MockFixture.otherToken: 1])
        }
    }

    @Test("a permanent fault answers every request for its token; setBehavior changes it live")
    func permanentFault() async throws {
        let fixture = try MockFixture.get()
        let dead = MockBehavior(permanent: [MockFixture.token: .unregistered(timestampMilliseconds: 7)])
        try await withMock(fixture.certificateConfiguration(), behavior: dead) { mock in
            for _ in 0..<3 {
                let result = try await curl(mock, fixture: fixture, clientCertificate: fixture.clientChainFile)
                #expect(result.status == 410)
                #expect(result.timestamp == 7)
            }
            mock.setBehavior(MockBehavior())
            let answer1 = try await curl(mock, fixture: fixture, clientCertificate: fixture.clientChainFile)
            #expect(answer1.status == 200)
            mock.resetStats()
            #expect(mock.stats() == MockAPNsStats())
        }
    }

    @Test("apns-topic must be the client certificate's pass type ID")
    func topicChecked() async throws {
        let fixture = try MockFixture.get()
        try await withMock(fixture.certificateConfiguration()) { mock in
            let result = try await curl(mock, fixture: fixture, headers: walletHeaders(topic: "pass.com.example.other"),
                                        clientCertificate: fixture.clientChainFile)
            #expect(result.status == 400)
            #expect(result.reason == "TopicDisallowed")
            let stats = mock.stats()
            #expect(stats.protocolErrors.count == 1)
            #expect(stats.protocolErrors.first?.contains("pass.dev.passline.loyalty") == true)
        }
    }

    /// A bad request, the status and reason APNs gives it, and a word the recorded problem must contain.
    struct BadRequest: Sendable, CustomTestStringConvertible {
        var name: String
        var method = "POST"
        var path = "/3/device/" + MockFixture.token
        var headers: @Sendable (String) -> [(String, String)] = { walletHeaders(topic: $0) }
        var body: String? = "{}"
        var status: Int
        var reason: String
        var problem: String
        var testDescription: String { name }
    }

    static let badRequests: [BadRequest] = [
        BadRequest(name: "GET", method: "GET", status: 405, reason: "MethodNotAllowed", problem: ":method"),
        BadRequest(name: "wrong path", path: "/3/devices/" + MockFixture.token, status: 404, reason: "BadPath", problem: ":path"),
        BadRequest(name: "no token", path: "/3/device/", status: 400, reason: "MissingDeviceToken", problem: "no device token"),
        BadRequest(name: "short token", path: "/3/device/abcd", status: 400, reason: "BadDeviceToken", problem: "4 hex digits"),
        BadRequest(name: "non-hex token", path: "/3/device/" + String(repeating: "z", count: 64), status: 400, reason: "BadDeviceToken", problem: "offset 0"),
        BadRequest(name: "odd token", path: "/3/device/" + String(repeating: "a", count: 65), status: 400, reason: "BadDeviceToken", problem: "odd"),
        BadRequest(name: "no topic", headers: { _ in [("apns-push-type", "background"), ("apns-priority", "5")] },
                   status: 400, reason: "MissingTopic", problem: "apns-topic"),
        BadRequest(name: "two topics", headers: { walletHeaders(topic: $0) + [("apns-topic", $0)] },
                   status: 400, reason: "DuplicateHeaders", problem: "apns-topic"),
        BadRequest(name: "no push type", headers: { [("apns-topic", $0), ("apns-priority", "5")] },
                   status: 400, reason: "InvalidPushType", problem: "missing"),
        BadRequest(name: "unknown push type", headers: { [("apns-topic", $0), ("apns-push-type", "wallet")] },
                   status: 400, reason: "InvalidPushType", problem: "'wallet'"),
        BadRequest(name: "priority 7", headers: { [("apns-topic", $0), ("apns-push-type", "background"), ("apns-priority", "7")] },
                   status: 400, reason: "BadPriority", problem: "'7'"),
        BadRequest(name: "background at priority 10", headers: { [("apns-topic", $0), ("apns-push-type", "background"), ("apns-priority", "10")] },
                   status: 400, reason: "BadPriority", problem: "background"),
        BadRequest(name: "expiration not a number", headers: { walletHeaders(topic: $0).filter { $0.0 != "apns-expiration" } + [("apns-expiration", "tomorrow")] },
                   status: 400, reason: "BadExpirationDate", problem: "'tomorrow'"),
        BadRequest(name: "apns-id not a UUID", headers: { walletHeaders(topic: $0) + [("apns-id", "push-1")] },
                   status: 400, reason: "BadMessageId", problem: "'push-1'"),
        BadRequest(name: "collapse id too long", headers: { walletHeaders(topic: $0) + [("apns-collapse-id", String(repeating: "c", count: 65))] },
                   status: 400, reason: "BadCollapseId", problem: "65 bytes"),
        BadRequest(name: "empty body", body: "", status: 400, reason: "PayloadEmpty", problem: "empty"),
        BadRequest(name: "body too large", body: "{\"a\":\"" + String(repeating: "x", count: 5000) + "\"}", status: 413, reason: "PayloadTooLarge", problem: "5008 bytes"),
        BadRequest(name: "body too large for one stream window", body: String(repeating: " ", count: 200_000) + "{}",
                   status: 413, reason: "PayloadTooLarge", problem: "at most 4096"),
        BadRequest(name: "body not JSON", body: "{nope", status: 400, reason: "BadPayload", problem: "JSON"),
        BadRequest(name: "body a JSON array", body: "[]", status: 400, reason: "BadPayload", problem: "JSON object"),
    ]

    @Test("bad requests are answered as APNs answers them and recorded", arguments: badRequests)
    func badRequest(_ bad: BadRequest) async throws {
        let fixture = try MockFixture.get()
        try await withMock(fixture.certificateConfiguration()) { mock in
            let result = try await curl(mock, fixture: fixture, path: bad.path, method: bad.method, headers: bad.headers(fixture.topic),
                                        body: bad.body, clientCertificate: fixture.clientChainFile)
            #expect(result.status == bad.status, "\(result.stderr)")
            #expect(result.reason == bad.reason)
            #expect(result.headers["apns-id"] != nil)
            let stats = mock.stats()
            #expect(stats.requests == 1)
            #expect(stats.accepted == 0)
            #expect(stats.byStatus == [bad.status: 1])
            #expect(stats.protocolErrors.count == 1, "\(stats.protocolErrors)")
            let problem = stats.protocolErrors.first ?? ""
            #expect(problem.contains(bad.problem), "\(problem)")
            #expect(!problem.contains(MockFixture.token), "a device token leaked into \(problem)")
        }
    }

    @Test("a wallet body with whitespace and a non-empty JSON object are accepted")
    func otherValidBodies() async throws {
        let fixture = try MockFixture.get()
        try await withMock(fixture.certificateConfiguration()) { mock in
            let answer2 = try await curl(mock, fixture: fixture, body: " {\n} ", clientCertificate: fixture.clientChainFile)
            #expect(answer2.status == 200)
            let answer3 = try await curl(mock, fixture: fixture, body: #"{"aps":{"content-available":1}}"#, clientCertificate: fixture.clientChainFile)
            #expect(answer3.status == 200)
        }
    }

    @Test("without a client certificate, or with one from another CA, the handshake fails and nothing is received")
    func clientCertificateRequired() async throws {
        let fixture = try MockFixture.get()
        try await withMock(fixture.certificateConfiguration()) { mock in
            let none = try await curl(mock, fixture: fixture, clientCertificate: nil)
            #expect(none.exitCode != 0)
            #expect(none.status == nil)
            // The server's own CA did not issue the pass certificate: refused too.
            let strangerCA = MockAPNsConfiguration(identity: fixture.identity, clientCertificateAuthorityPEM: fixture.identity.trustRootPEM)
            try await withMock(strangerCA) { other in
                let refused = try await curl(other, fixture: fixture, clientCertificate: fixture.clientChainFile)
                #expect(refused.exitCode != 0)
                #expect(other.stats().requests == 0)
                #expect(other.stats().protocolErrors.contains { $0.contains("TLS") })
            }
            #expect(mock.stats().requests == 0)
            #expect(mock.stats().protocolErrors.contains { $0.contains("TLS") })
        }
    }

    @Test("a client sending only its leaf is accepted when the configured CAs include the intermediate")
    func leafOnlyWithIntermediateConfigured() async throws {
        let fixture = try MockFixture.get()
        let configuration = MockAPNsConfiguration(
            identity: fixture.identity, clientCertificateAuthorityPEM: fixture.pki.rootPEM + "\n" + fixture.pki.intermediatePEM)
        try await withMock(configuration) { mock in
            let answer4 = try await curl(mock, fixture: fixture, clientCertificate: fixture.clientLeafFile)
            #expect(answer4.status == 200)
        }
    }

    @Test("a client that does not negotiate ALPN h2 is disconnected")
    func alpnRequired() async throws {
        let fixture = try MockFixture.get()
        try await withMock(fixture.certificateConfiguration()) { mock in
            let result = try await curl(mock, fixture: fixture, clientCertificate: fixture.clientChainFile, extra: ["--http1.1"])
            #expect(result.status == nil)
            #expect(result.exitCode != 0)
            #expect(mock.stats().requests == 0)
            #expect(mock.stats().protocolErrors.contains { $0.contains("ALPN") })
        }
    }

    @Test("stall leaves the stream unanswered until the client gives up")
    func stall() async throws {
        let fixture = try MockFixture.get()
        try await withMock(fixture.certificateConfiguration(), behavior: MockBehavior(scripted: [MockFixture.token: [.stall]])) { mock in
            let result = try await curl(mock, fixture: fixture, clientCertificate: fixture.clientChainFile, extra: ["--max-time", "5"])
            #expect(result.exitCode == 28)  // curl: operation timed out
            #expect(result.status == nil)
            let stats = mock.stats()
            #expect(stats.requests == 1)
            #expect(stats.stalled == 1)
            #expect(stats.byStatus.isEmpty)
        }
    }

    @Test("cutConnection drops the connection with the stream unanswered")
    func cut() async throws {
        let fixture = try MockFixture.get()
        try await withMock(fixture.certificateConfiguration(), behavior: MockBehavior(scripted: [MockFixture.token: [.cutConnection]])) { mock in
            let result = try await curl(mock, fixture: fixture, clientCertificate: fixture.clientChainFile)
            #expect(result.exitCode != 0)
            #expect(result.status == nil)
            #expect(mock.stats().connectionsCut == 1)
            #expect(mock.stats().byStatus.isEmpty)
        }
    }

    @Test("resetStream refuses the stream; curl retries it and the retry is accepted")
    func reset() async throws {
        let fixture = try MockFixture.get()
        try await withMock(fixture.certificateConfiguration(), behavior: MockBehavior(scripted: [MockFixture.token: [.resetStream]])) { mock in
            let result = try await curl(mock, fixture: fixture, clientCertificate: fixture.clientChainFile)
            #expect(result.status == 200, "\(result.stderr)")
            let stats = mock.stats()
            #expect(stats.streamsReset == 1)
            #expect(stats.requests == 2)
            #expect(stats.accepted == 1)
        }
    }

    @Test("with latency, answers still arrive and are counted")
    func latency() async throws {
        let fixture = try MockFixture.get()
        let behavior = MockBehavior(latency: .milliseconds(30), scripted: [MockFixture.token: [.badDeviceToken]])
        try await withMock(fixture.certificateConfiguration(), behavior: behavior) { mock in
            let answer5 = try await curl(mock, fixture: fixture, clientCertificate: fixture.clientChainFile)
            #expect(answer5.status == 400)
            let answer6 = try await curl(mock, fixture: fixture, clientCertificate: fixture.clientChainFile)
            #expect(answer6.status == 200)
            #expect(mock.stats().byStatus == [400: 1, 200: 1])
        }
    }

    @Test("random faults are reproducible from the seed")
    func randomFaults() async throws {
        let fixture = try MockFixture.get()
        let behavior = MockBehavior(randomFaultRate: 0.5, randomFaults: [.tooManyRequests, .internalServerError], seed: 99)
        func run() async throws -> [Int?] {
            try await withMock(fixture.certificateConfiguration(), behavior: behavior) { mock in
                var statuses: [Int?] = []
                for _ in 0..<12 { statuses.append(try await curl(mock, fixture: fixture, clientCertificate: fixture.clientChainFile).status) }
                return statuses
            }
        }
        let first = try await run()
        let second = try await run()
        #expect(first == second)
        #expect(first.contains(200))
        #expect(first.contains { $0 == 429 || $0 == 500 })
        #expect(first.allSatisfy { [200, 429, 500].contains($0) })
    }
}
