import Core
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Push
import Storage
import Testing
import TestSupport

@testable import Server

/// Android wallet apps' pushes go to the signed webhook, never to APNs.
@Suite struct AndroidPushTests {
    static let secret = "android-webhook-secret-0123"
    /// An FCM registration id: neither hexadecimal nor an APNs token, as Android wallet apps send.
    static let token = "dGVzdC1kZXZpY2U:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx_k.9"

    @Test func theWebhookIsSignedAndItsAnswersClassified() async throws {
        try await Receiver.run(status: { path in
            switch path {
            case "/gone": 410
            case "/busy": 503
            case "/bad": 400
            default: 204
            }
        }) { port, received in
            func sender(_ path: String) -> AndroidWebhookSender {
                AndroidWebhookSender(url: "http://127.0.0.1:\(port)\(path)", key: SymmetricKey(data: Array(Self.secret.utf8)))
            }
            let request = PushRequest(token: try #require(AndroidPushToken(Self.token)), topic: "pass.test.android")
            #expect(await sender("/ok").send(request) == .delivered)
            #expect(await sender("/gone").send(request) == .unregistered(since: nil))
            #expect(await sender("/busy").send(request) == .retry(.apns(status: 503, reason: nil)))
            #expect(await sender("/bad").send(request) == .rejected(status: 400, reason: nil))
            let refused = AndroidWebhookSender(url: "http://127.0.0.1:\(Receiver.closedPort())/x", key: SymmetricKey(data: Array(Self.secret.utf8)))
            guard case .retry(.transport) = await refused.send(request) else {
                Issue.record("a refused connection is retried")
                return
            }
            let first = try #require(try await received.wait(for: 1).first)
            #expect(first.method == "POST" && first.path == "/ok")
            #expect(first.text == #"{"pushToken":"\#(Self.token)","passTypeIdentifier":"pass.test.android"}"#)
            // The format every webhook uses, and for one release the one this webhook shipped with.
            let signature = try #require(first.headers[HTTPField.Name("X-Passline-Signature")!])
            #expect(WebhookSignature(secret: Array(Self.secret.utf8)).verify(signature, body: first.body, now: Int64(Date().timeIntervalSince1970)))
            let mac = HMAC<SHA256>.authenticationCode(for: first.body, using: SymmetricKey(data: Array(Self.secret.utf8)))
            #expect(first.headers[HTTPField.Name("X-Passline-Signature-SHA256")!] == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
        }
    }

    /// The webhook's URL and secret are one setting: neither, or both, never one alone.
    @Test func theWebhookIsConfiguredWholeOrNotAtAll() throws {
        let url = "https://wallet.example.com/push"
        #expect(try ServerConfiguration.load(environment: [:]).push.androidWebhook == nil)
        let both = try ServerConfiguration.load(environment: ["PASSLINE_ANDROID_PUSH_URL": url, "PASSLINE_ANDROID_PUSH_SECRET": Self.secret])
        #expect(both.push.androidWebhook == (try AndroidWebhook(url: url, secret: Self.secret)))
        for alone in [["PASSLINE_ANDROID_PUSH_URL": url], ["PASSLINE_ANDROID_PUSH_SECRET": Self.secret]] {
            do {
                _ = try ServerConfiguration.load(environment: alone)
                Issue.record("\(alone.keys.first!) alone is refused")
            } catch {
                #expect(error.description.contains("PASSLINE_ANDROID_PUSH_URL") && error.description.contains("PASSLINE_ANDROID_PUSH_SECRET"))
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(throws: ServerConfiguration.Invalid.self) {
            try ServerConfiguration.load(environment: ["PASSLINE_ANDROID_PUSH_URL": "ftp://x", "PASSLINE_ANDROID_PUSH_SECRET": Self.secret])
        }
        #expect(throws: ServerConfiguration.Invalid.self) {
            try ServerConfiguration.load(environment: ["PASSLINE_ANDROID_PUSH_URL": url, "PASSLINE_ANDROID_PUSH_SECRET": "short"])
        }
    }

    @Test(arguments: Engine.allCases)
    func anAndroidDeviceIsToldThroughTheWebhook(_ engine: Engine) async throws {
        try await Receiver.run(status: { _ in 200 }) { port, received in
            try await PushEndToEndTests.withMock { mock, configure in
                try await TestServer.run(engine, configure: { c in
                    configure(&c)
                    c.push.androidWebhook = try! AndroidWebhook(url: "http://127.0.0.1:\(port)/wallet-push", secret: Self.secret)
                }) { s, client in
                    let api = LoyaltyAPI(s, client)
                    let number = try await api.issueNumber("Anna", phone: "+79161234567")
                    let serial = try await PushEndToEndTests.serial(api, number)
                    let response = try await client.execute(
                        uri: "/v1/devices/android-1/registrations/\(s.passType)/\(serial)", method: .post,
                        headers: [.authorization: "AndroidPass \(s.token(serial))", .contentType: "application/json"],
                        body: ByteBuffer(string: #"{"pushToken":"\#(Self.token)"}"#))
                    #expect(response.status == .created)
                    _ = try await api.apply(number, #"{"type":"purchase","amount":500,"businessKey":"deal-1"}"#)
                    let hooks = try await received.wait(for: 1)
                    #expect(hooks.count == 1 && hooks.first?.text.contains(Self.token) == true)
                    #expect(mock.stats().requests == 0, "nothing for an Android device reaches APNs")
                }
            }
        }
    }
}
