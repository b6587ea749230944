@testable import APNsMock
import Crypto
import Foundation
import NIOCore
import NIOHPACK
import Testing

/// The mock's pure parts, apart from the network.
@Suite("Mock APNs checks and state")
struct MockAPNsUnitTests {
    static let token = String(repeating: "0f", count: 32)

    func head(_ extra: [(String, String)], path: String = "/3/device/" + token, topic: String? = "pass.a") -> Result<RequestHead, MockRejection> {
        var headers = HPACKHeaders([(":method", "POST"), (":path", path)])
        if let topic { headers.add(name: "apns-topic", value: topic) }
        for (name, value) in extra { headers.add(name: name, value: value) }
        var tokenCheck = ProviderTokenCheck(publicKey: nil)
        return RequestHead.check(headers, authentication: .certificate(topic: "pass.a"), tokenCheck: &tokenCheck, nowSeconds: 0)
    }

    @Test("a valid head yields the token and apns-id")
    func validHead() throws {
        let id = "123e4567-e89b-12d3-a456-426614174000"
        let result = try head([("apns-push-type", "background"), ("apns-priority", "5"), ("apns-id", id)]).get()
        #expect(result == RequestHead(token: Self.token, apnsID: id))
    }

    @Test("token shapes", arguments: [
        (String(repeating: "a", count: 64), nil),
        (String(repeating: "A", count: 200), nil),
        (String(repeating: "a", count: 62), "62 hex digits"),
        (String(repeating: "a", count: 202), "202 hex digits"),
        (String(repeating: "a", count: 63) + "g", "offset 63"),
        (String(repeating: "a", count: 67), "odd"),
    ] as [(String, String?)])
    func tokenShapes(token: String, problem: String?) {
        let found = RequestHead.tokenProblem(token)
        if let problem {
            #expect(found?.contains(problem) == true, "\(found ?? "nil")")
        } else {
            #expect(found == nil)
        }
    }

    @Test("UUID recognition")
    func uuids() {
        #expect(RequestHead.isUUID("123E4567-e89b-12d3-a456-426614174000"))
        #expect(!RequestHead.isUUID("123e4567e89b12d3a456426614174000"))
        #expect(!RequestHead.isUUID("123e4567-e89b-12d3-a456-42661417400g"))
        #expect(!RequestHead.isUUID("123e4567-e89b-12d3-a456+426614174000"))
    }

    @Test("generated apns-ids are distinct version-4 UUIDs")
    func generatedIDs() {
        var random = MockRandom(seed: 1)
        var seen = Set<String>()
        for _ in 0..<1000 {
            let id = random.uuidString()
            #expect(RequestHead.isUUID(id), "\(id)")
            #expect(Array(id.utf8)[14] == UInt8(ascii: "4"))
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(Array(id.utf8)[19]))
            #expect(UUID(uuidString: id) != nil)
            seen.insert(id)
        }
        #expect(seen.count == 1000)
    }

    @Test("the empty-object fast path accepts only {} with whitespace")
    func emptyObject() {
        func check(_ text: String) -> Bool { RequestBodyCheck.isEmptyObject(ByteBuffer(string: text)) }
        #expect(check("{}"))
        #expect(check(" { \n } "))
        #expect(!check("{"))
        #expect(!check("{}}"))
        #expect(!check("{a}"))
        #expect(!check(""))
        #expect(RequestBodyCheck.check(ByteBuffer(string: #"{"a":1}"#), length: 7) == nil)
        #expect(RequestBodyCheck.check(ByteBuffer(string: "1"), length: 1)?.answer.reason == "BadPayload")
    }

    @Test("error bodies are APNs's JSON")
    func answerBodies() throws {
        #expect(MockAnswer.accepted.body == nil)
        #expect(MockFault.badDeviceToken.answer?.body == #"{"reason":"BadDeviceToken"}"#)
        let gone = try #require(MockFault.unregistered(timestampMilliseconds: 1_234).answer)
        #expect(gone.status == 410)
        let body = try #require(gone.body)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(json["reason"] as? String == "Unregistered")
        #expect((json["timestamp"] as? NSNumber)?.int64Value == 1_234)
        #expect(MockFault.stall.answer == nil)
    }

    @Test("provider tokens: verified once, then only their age is checked")
    func providerTokenAge() throws {
        let key = P256.Signing.PrivateKey()
        let issued = Date(timeIntervalSince1970: 1_700_000_000)
        let jwt = try MockProviderToken.make(privateKey: key, keyID: "K1", teamID: "T1", issuedAt: issued)
        var check = ProviderTokenCheck(publicKey: key.publicKey)
        let iat = Int64(issued.timeIntervalSince1970)
        #expect(check.check(authorization: "bearer " + jwt, nowSeconds: iat + 10) == nil)
        #expect(check.check(authorization: "bearer " + jwt, nowSeconds: iat + 3600) == nil)
        #expect(check.check(authorization: "bearer " + jwt, nowSeconds: iat + 3601)?.answer.reason == "ExpiredProviderToken")
        var tampered = Array(jwt)
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        #expect(check.check(authorization: "bearer " + String(tampered), nowSeconds: iat)?.answer.reason == "InvalidProviderToken")
    }

    @Test("faults: scripted first, then permanent, then random; requests counted")
    func decisions() {
        let state = MockState(
            behavior: MockBehavior(
                scripted: ["t": [.stall, .goAway]], permanent: ["t": .badCertificate, "p": .tooManyRequests],
                randomFaultRate: 1, randomFaults: [.serviceUnavailable]),
            recordTokens: true)
        #expect(state.received(token: "t").fault == .stall)
        #expect(state.received(token: "t").fault == .goAway)
        #expect(state.received(token: "t").fault == .badCertificate)
        #expect(state.received(token: "p").fault == .tooManyRequests)
        #expect(state.received(token: "other").fault == .serviceUnavailable)
        #expect(state.received(token: nil, problem: "bad").fault == nil)
        let stats = state.stats(includingTokens: true)
        #expect(stats.requests == 6)
        #expect(stats.protocolErrors == ["bad"])
    }

    @Test("protocol errors are capped; token counts can be switched off")
    func bounds() {
        let state = MockState(behavior: MockBehavior(), recordTokens: false)
        for index in 0..<150 { state.note("problem \(index)") }
        state.answered(status: 200, token: "t")
        let stats = state.stats(includingTokens: true)
        #expect(stats.protocolErrors.count == MockAPNsStats.protocolErrorLimit)
        #expect(stats.protocolErrors.last == "problem 99")
        #expect(stats.accepted == 1)
        #expect(stats.acceptedByToken.isEmpty)
    }

    @Test("generated identities name the requested hosts and refuse junk")
    func identity() throws {
        #expect(MockTLSIdentity.ipAddressBytes("127.0.0.1") == [127, 0, 0, 1])
        #expect(MockTLSIdentity.ipAddressBytes("::1") == Array(repeating: 0, count: 15) + [1])
        #expect(MockTLSIdentity.ipAddressBytes("localhost") == nil)
        #expect(throws: MockAPNsError.self) { try MockTLSIdentity.generate(hosts: ["bad host/"]) }
        let identity = try MockTLSIdentity.generate(hosts: ["10.1.2.3", "apns.test"])
        #expect(identity.certificateChainPEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(identity.trustRootPEM != identity.certificateChainPEM)
    }
}
