import Core
import Crypto
import Foundation
import GoogleWalletMock
import Synchronization
import Testing
import TestSupport

@testable import GoogleWallet

/// ECv2SigningOnly callbacks: what the mock signs as Google verifies, and every forgery,
/// expiry and mix-up is refused with its reason.
@Suite struct CallbackTests {
    static let now = Date(timeIntervalSince1970: 1_767_225_600)

    static func verifier(_ signer: GoogleCallbackSigner) throws -> GoogleCallbackVerifier {
        GoogleCallbackVerifier(issuerID: Fixtures.issuer, rootKeys: try GoogleCallbackKeys(json: signer.keysJSON()))
    }

    static func message(_ event: String = "save", expires: Date = now.addingTimeInterval(3600), classID: String? = nil) -> GoogleCallbackSigner.Message {
        GoogleCallbackSigner.Message(
            classId: classID ?? Fixtures.classID().value, objectId: Fixtures.objectID("79123456789-1").value, eventType: event,
            nonce: "nonce-\(event)", expires: expires)
    }

    static func refusal(_ verifier: GoogleCallbackVerifier, _ body: [UInt8], now: Date = now) -> GoogleCallbackError? {
        do {
            let callback = try verifier.verify(body, now: now)
            Issue.record("accepted: \(callback)")
            return nil
        } catch {
            return error
        }
    }

    @Test func googlesCallbacksVerify() throws {
        let signer = GoogleCallbackSigner(now: Self.now)
        let verifier = try Self.verifier(signer)
        let expires = Self.now.addingTimeInterval(1800.25)
        for (raw, event) in [("save", GoogleCallback.Event.save), ("del", .delete)] {
            let callback = try verifier.verify(signer.callback(Self.message(raw, expires: expires), recipient: Fixtures.issuer.value), now: Self.now)
            #expect(callback == GoogleCallback(
                classId: Fixtures.classID(), objectId: Fixtures.objectID("79123456789-1"), eventType: event, nonce: "nonce-\(raw)",
                expTime: Date(timeIntervalSince1970: 1_767_227_400.25)))
        }
    }

    @Test func forgeriesAreRefused() throws {
        let signer = GoogleCallbackSigner(now: Self.now)
        let verifier = try Self.verifier(signer)
        let expected: [GoogleCallbackSigner.Forgery: GoogleCallbackError] = [
            .untrustedRoot: .intermediateKeyNotSigned,
            .tamperedSignedKey: .intermediateKeyNotSigned,
            .wrongSender: .intermediateKeyNotSigned,
            .noLengthPrefixes: .intermediateKeyNotSigned,
            .untrustedIntermediate: .messageNotSigned,
            .tamperedMessage: .messageNotSigned,
            .wrongRecipient: .messageNotSigned,
        ]
        #expect(Set(expected.keys) == Set(GoogleCallbackSigner.Forgery.allCases))
        for (forgery, error) in expected {
            let body = signer.forged(forgery, Self.message(), recipient: Fixtures.issuer.value)
            #expect(Self.refusal(verifier, body) == error, "\(forgery)")
        }
        // Another issuer's verifier refuses a genuine callback for us.
        let theirs = GoogleCallbackVerifier(issuerID: GoogleIssuerID("3388000000099999999")!, rootKeys: try GoogleCallbackKeys(json: signer.keysJSON()))
        #expect(Self.refusal(theirs, signer.callback(Self.message(), recipient: Fixtures.issuer.value)) == .messageNotSigned)
        // Another Google's keys (a mock's keys in production, say).
        let stranger = try Self.verifier(GoogleCallbackSigner(now: Self.now))
        #expect(Self.refusal(stranger, signer.callback(Self.message(), recipient: Fixtures.issuer.value)) == .intermediateKeyNotSigned)
    }

    @Test func expiredMessagesKeysAndRootsAreRefused() throws {
        var signer = GoogleCallbackSigner(now: Self.now, rootLifetime: 30 * 86_400, intermediateLifetime: 86_400)
        let verifier = try Self.verifier(signer)
        let body = signer.callback(Self.message(expires: Self.now.addingTimeInterval(60)), recipient: Fixtures.issuer.value)
        #expect(throws: Never.self) { try verifier.verify(body, now: Self.now.addingTimeInterval(59)) }
        #expect(Self.refusal(verifier, body, now: Self.now.addingTimeInterval(60)) == .messageExpired(Self.now.addingTimeInterval(60)))

        let late = signer.callback(Self.message(expires: Self.now.addingTimeInterval(40 * 86_400)), recipient: Fixtures.issuer.value)
        #expect(Self.refusal(verifier, late, now: Self.now.addingTimeInterval(86_400)) == .intermediateKeyExpired(Self.now.addingTimeInterval(86_400)))
        signer.intermediateExpiration = Self.now.addingTimeInterval(60 * 86_400)
        let longKey = signer.callback(Self.message(expires: Self.now.addingTimeInterval(40 * 86_400)), recipient: Fixtures.issuer.value)
        #expect(throws: Never.self) { try verifier.verify(longKey, now: Self.now.addingTimeInterval(29 * 86_400)) }
        #expect(Self.refusal(verifier, longKey, now: Self.now.addingTimeInterval(30 * 86_400)) == .noUsableRootKey)
    }

    @Test func aRotatedRootKeyVerifiesOnceTheOldOneExpires() throws {
        var signer = GoogleCallbackSigner(now: Self.now, rootLifetime: 86_400, intermediateLifetime: 10 * 86_400)
        signer.addRoot(expiration: Self.now.addingTimeInterval(365 * 86_400))
        signer.signingRoot = 1
        let verifier = try Self.verifier(signer)
        #expect(verifier.rootKeys.keys.count == 2, "the ECv1 key is left out")
        let body = signer.callback(Self.message(expires: Self.now.addingTimeInterval(5 * 86_400)), recipient: Fixtures.issuer.value)
        #expect(try verifier.verify(body, now: Self.now.addingTimeInterval(2 * 86_400)).eventType == .save)
        // Signed by the first root, it stops verifying when that root expires.
        signer.signingRoot = 0
        let old = signer.callback(Self.message(expires: Self.now.addingTimeInterval(5 * 86_400)), recipient: Fixtures.issuer.value)
        #expect(throws: Never.self) { try verifier.verify(old, now: Self.now) }
        #expect(Self.refusal(verifier, old, now: Self.now.addingTimeInterval(2 * 86_400)) == .intermediateKeyNotSigned)
    }

    @Test func signedButWrongMessagesAreRefused() throws {
        let signer = GoogleCallbackSigner(now: Self.now)
        let verifier = try Self.verifier(signer)
        let recipient = Fixtures.issuer.value
        #expect(Self.refusal(verifier, signer.callback(Self.message("update"), recipient: recipient)) == .unknownEvent("update"))
        #expect(Self.refusal(verifier, signer.callback(Self.message(classID: "1111.loyalty"), recipient: recipient)) == .foreignID(field: "classId"))
        var foreignObject = Self.message()
        foreignObject.objectId = "not-an-id"
        #expect(Self.refusal(verifier, signer.callback(foreignObject, recipient: recipient)) == .foreignID(field: "objectId"))
        var noNonce = Self.message()
        noNonce.nonce = ""
        #expect(Self.refusal(verifier, signer.callback(noNonce, recipient: recipient)) == .malformedMessage("nonce is empty or longer than 512 bytes"))
    }

    @Test func malformedEnvelopesAreRefused() throws {
        let signer = GoogleCallbackSigner(now: Self.now)
        let verifier = try Self.verifier(signer)
        let genuine = try #require(jsonObject(signer.callback(Self.message(), recipient: Fixtures.issuer.value)) as? [String: Any])
        func variant(_ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
            var copy = genuine
            change(&copy)
            return Array(try JSONSerialization.data(withJSONObject: copy))
        }
        guard case .malformed? = Self.refusal(verifier, Array("not json".utf8)) else { Issue.record("not JSON"); return }
        guard case .malformed? = Self.refusal(verifier, try variant { $0["signedMessage"] = nil }) else { Issue.record("no message"); return }
        #expect(Self.refusal(verifier, try variant { $0["protocolVersion"] = "ECv2" }) == .unsupportedProtocol("ECv2"))
        #expect(Self.refusal(verifier, try variant { $0["signature"] = "%%%" }) == .malformed("signature is not base64 DER"))
        let errors = GoogleCallbackSigner.Forgery.allCases.compactMap { Self.refusal(verifier, signer.forged($0, Self.message(), recipient: Fixtures.issuer.value)) }
        #expect(errors.allSatisfy { !$0.description.contains("\n") && !$0.description.contains("nonce-save") }, "one line, nothing of the message")
    }

    @Test func lengthValueAndMillisFollowTink() throws {
        #expect(GoogleCallbackVerifier.lengthValue(["ab", "", "Ж"]) == [2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0, 2, 0, 0, 0, 0xD0, 0x96])
        let long = String(repeating: "x", count: 300)
        #expect(Array(GoogleCallbackVerifier.lengthValue([long]).prefix(4)) == [0x2C, 0x01, 0, 0])
        // expTimeMillis as a JSON number reads as well as a string.
        let json = #"{"classId":"\#(Fixtures.classID().value)","objectId":"\#(Fixtures.objectID("1").value)","eventType":"del","nonce":"n","expTimeMillis":1767229200000}"#
        let callback = try GoogleCallbackVerifier.read(json, issuer: Fixtures.issuer, now: Self.now)
        #expect(callback.expTime == Date(timeIntervalSince1970: 1_767_229_200) && callback.eventType == .delete)
    }

    /// The mock as Google in development: its keys endpoint, and a save posted to the class's
    /// callback URL that the verifier accepts.
    @Test func theMockDeliversVerifiableCallbacks() async throws {
        let received = Mutex<OutboundRequest?>(nil)
        let (mockAccount, account) = try Fixtures.account()
        var wallet = MockWallet(issuerID: Fixtures.issuer.value)
        wallet.register(mockAccount)
        let mock = GoogleWalletMockServer(wallet: wallet, callbackSender: { request in
            received.withLock { $0 = request }
            return OutboundResponse(status: 200)
        })
        try await mock.withRunning(logger: TestDatabase.logger) { endpoints in
            let client = GoogleWalletClient(
                apiURL: endpoints.apiURL, tokens: GoogleAccessTokens(account: account, tokenURL: endpoints.tokenURL, send: Fixtures.send), send: Fixtures.send,
                timeout: .seconds(120))
            #expect(await client.insertClass(Fixtures.loyaltyClass(callbackURL: "https://passes.example.com/google/callback")).isOK)
            #expect(await client.insertObject(Fixtures.loyaltyObject("card-1")).isOK)

            let keys = try await Fixtures.curl.send(OutboundRequest(url: endpoints.keysURL))
            let verifier = GoogleCallbackVerifier(issuerID: Fixtures.issuer, rootKeys: try GoogleCallbackKeys(json: keys.body))
            let control = try await Fixtures.curl.send(OutboundRequest(method: "POST", url: endpoints.base + "/mock/callbacks/\(Fixtures.objectID("card-1").value)/save"))
            #expect(control.status == 200)
            let request = try #require(received.withLock { $0 })
            #expect(request.url == "https://passes.example.com/google/callback" && request.method == "POST")
            let callback = try verifier.verify(request.body, now: Date())
            #expect(callback.objectId == Fixtures.objectID("card-1") && callback.classId == Fixtures.classID() && callback.eventType == .save)
            #expect(jsonObject(control.body).flatMap { field($0, "nonce") as? String } == callback.nonce)
            let missing = try await Fixtures.curl.send(OutboundRequest(method: "POST", url: endpoints.base + "/mock/callbacks/\(Fixtures.objectID("card-9").value)/del"))
            #expect(missing.status == 404)
        }
    }
}
