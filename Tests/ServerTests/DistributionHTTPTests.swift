import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Distribution
@testable import Server

/// What a local receiver app saw.
actor Received {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: HTTPFields
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    private(set) var requests: [Request] = []
    func add(_ r: Request) { requests.append(r) }

    /// Waits (bounded) until `count` requests arrived.
    func wait(for count: Int) async throws -> [Request] {
        for _ in 0..<250 where requests.count < count { try await Task.sleep(for: .milliseconds(20)) }
        return requests
    }
}

/// A local HTTP server standing in for an SMS provider, a CRM and misbehaving peers.
enum Receiver {
    static func run(status: @escaping @Sendable (String) -> Int = { _ in 200 }, reply: String = #"{"status":"OK","sms_id":"p-1"}"#,
                    _ body: @Sendable @escaping (Int, Received) async throws -> Void) async throws {
        let received = Received()
        let router = Router()
        router.get("slow") { _, _ -> String in
            try await Task.sleep(for: .seconds(5))
            return "late"
        }
        router.get("big") { _, _ -> Response in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: 0x61, count: 3 << 20))) }
        router.on("{path}", method: .post, use: record)
        router.on("{path}", method: .get, use: record)
        router.on("{path}", method: .put, use: record)
        @Sendable func record(_ request: Request, context: BasicRequestContext) async throws -> Response {
            let bytes = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            let path = request.uri.string
            await received.add(Received.Request(method: request.method.rawValue, path: path, headers: request.headers, body: bytes))
            return Response(status: .init(code: status(path)), headers: [.contentType: "application/json", HTTPField.Name("X-Echo-Method")!: request.method.rawValue],
                            body: .init(byteBuffer: ByteBuffer(string: reply)))
        }
        try await Application(router: router).test(.live) { client in
            try await body(try #require(client.port), received)
        }
    }

    /// A port nothing listens on (bound, then closed).
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        close(fd)
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

@Suite struct DistributionHTTPTests {
    let client = CurlHTTPClient()

    @Test func curlSendsAndReceives() async throws {
        // Generous deadlines: this test is about what goes over the wire, and a loaded test host
        // (every suite starts at once) must not turn it into a test of the clock.
        try await Receiver.run(status: { $0.contains("fail") ? 500 : 201 }) { port, received in
            let response = try await client.send(OutboundRequest(
                method: "POST", url: "http://127.0.0.1:\(port)/hook?x=1", headers: [("X-Test", "yes"), ("Content-Type", "text/plain")],
                body: Array("привет".utf8), timeout: .seconds(120)))
            #expect(response.status == 201)
            #expect(response.header("x-echo-method") == "POST")
            #expect(String(decoding: response.body, as: UTF8.self) == #"{"status":"OK","sms_id":"p-1"}"#)
            let get = try await client.send(OutboundRequest(url: "http://127.0.0.1:\(port)/get", timeout: .seconds(120)))
            #expect(get.header("X-Echo-Method") == "GET")
            let put = try await client.send(OutboundRequest(method: "PUT", url: "http://127.0.0.1:\(port)/put", body: Array("{}".utf8), timeout: .seconds(120)))
            #expect(put.header("X-Echo-Method") == "PUT")
            let failed = try await client.send(OutboundRequest(url: "http://127.0.0.1:\(port)/fail", timeout: .seconds(120)))
            #expect(failed.status == 500)
            let requests = try await received.wait(for: 4)
            #expect(requests.first?.path == "/hook?x=1")
            #expect(requests.first?.headers[HTTPField.Name("X-Test")!] == "yes")
            #expect(requests.first?.text == "привет")
            #expect(requests.first?.headers[.expect] == nil)
        }
    }

    @Test func curlErrorsSayWhetherToRetry() async throws {
        try await Receiver.run { port, _ in
            do {
                _ = try await client.send(OutboundRequest(url: "http://127.0.0.1:\(port)/slow", timeout: .milliseconds(300)))
                Issue.record("a 5 s answer within 300 ms")
            } catch let error as OutboundHTTPError {
                #expect(error == .timedOut && error.isRetryable)
            }
            do {
                // A generous clock: under CI's parallel load the 3 MiB took longer than the default, and the timeout came first.
                _ = try await client.send(OutboundRequest(url: "http://127.0.0.1:\(port)/big", timeout: .seconds(120)))
                Issue.record("a 3 MiB answer accepted")
            } catch let error as OutboundHTTPError {
                guard case .transport(let why) = error else { Issue.record("\(error)"); return }
                #expect(why.contains("larger than"))
            }
        }
        do {
            _ = try await client.send(OutboundRequest(url: "http://127.0.0.1:\(Receiver.closedPort())/", timeout: .seconds(5)))
            Issue.record("connected to a closed port")
        } catch let error as OutboundHTTPError {
            guard case .connectionFailed = error else { Issue.record("expected connectionFailed, got \(error)"); return }
            #expect(error.isRetryable)
        }
        for bad in [OutboundRequest(url: "ftp://example.com/"), OutboundRequest(url: "http://exa mple.com/")] {
            await #expect(throws: OutboundHTTPError.invalidURL) { try await client.send(bad) }
        }
        await #expect(throws: OutboundHTTPError.self) {
            try await client.send(OutboundRequest(url: "http://127.0.0.1:1/", headers: [("X-Bad", "a\r\nInjected: 1")]))
        }
    }

    @Test func httpGatewayDeliversThroughTheOutboxAndRetries() async throws {
        try await Receiver.run(status: { $0.hasPrefix("/down") ? 503 : 200 }) { port, received in
            let gateway = try HTTPSmsGatewayConfiguration(
                url: "http://127.0.0.1:\(port)/sms", headers: [.init(name: "Authorization", value: "Bearer {secret}")],
                bodyTemplate: #"{"to":"{e164}","text":"{text}","from":"{sender}"}"#, encoding: .json,
                successPattern: #""status":"OK""#, messageIDPattern: #""sms_id":"([^"]+)""#, secret: "provider-key")
            try await DistributionServer.run(.sqlite, configure: { $0.distribution.gateway = .http(gateway) }) { d in
                let number = try await d.api.issueNumber("Анна", phone: "+7 912 345-67-89")
                let r = try await d.api.post("/cards/\(number)/sms", "")
                let id = try #require(r.json?["message"]?["id"]?.int64)
                let requests = try await received.wait(for: 1)
                let first = try #require(requests.first)
                let body = try #require(try JSONSerialization.jsonObject(with: Data(first.body)) as? [String: String])
                #expect(body["to"] == "+79123456789")
                #expect(body["text"]?.hasPrefix("Карта «Loyalty program» (Анна): https://passes.example.com/p/") == true)
                #expect(requests.first?.headers[.authorization] == "Bearer provider-key")
                var message: SmsRecord?
                for _ in 0..<100 {
                    message = try await d.distribution.store.sms(id: id)
                    if message?.state == .sent { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(message?.state == .sent && message?.providerID == "p-1")
                #expect(message?.provider == "http http://127.0.0.1:\(port)")
            }
            // A provider that answers 503: the message waits for a retry, the error recorded.
            let down = try HTTPSmsGatewayConfiguration(url: "http://127.0.0.1:\(port)/down", bodyTemplate: "to={phone}&text={text}")
            try await DistributionServer.run(.sqlite, configure: { $0.distribution.gateway = .http(down) }) { d in
                let number = try await d.api.issueNumber("Анна", phone: "+7 912 345-67-89")
                let id = try #require(try await d.api.post("/cards/\(number)/sms", "").json?["message"]?["id"]?.int64)
                var message: SmsRecord?
                for _ in 0..<100 {
                    message = try await d.distribution.store.sms(id: id)
                    if message?.attempts == 1 && message?.state == .queued { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(message?.state == .queued && message?.attempts == 1)
                #expect(message?.lastError == "unavailable: HTTP 503 {\"status\":\"OK\",\"sms_id\":\"p-1\"}")
                #expect(try #require(message?.nextAt) > Date())
            }
        }
    }

    @Test func joinNotifiesTheCRMWithASignedWebhook() async throws {
        try await Receiver.run { port, received in
            let secret = "crm-webhook-secret-0123456789"
            try await DistributionServer.run(.sqlite, configure: {
                $0.distribution.joinWebhookURL = "http://127.0.0.1:\(port)/crm"
                $0.distribution.joinWebhookSecret = secret
            }) { d in
                try await d.configureProgram()
                let sent = try await d.postForm("/join", [("name", "Анна"), ("phone", "+79123456789"), ("consent", "yes")])
                let id = try #require(sent.text.range(of: #"name="request" value=""#).map { String(sent.text[$0.upperBound...].prefix { $0 != "\"" }) })
                _ = try await d.waitForMessages(1)
                let code = try #require(try d.latestCode(to: "+79123456789"))
                #expect(try await d.postForm("/join/confirm", [("request", id), ("code", code)]).status == .ok)
                let hooks = try await received.wait(for: 1)
                let hook = try #require(hooks.first)
                #expect(hook.path == "/crm")
                #expect(hook.headers[HTTPField.Name("X-Passline-Event")!] == "join.completed")
                let signature = try #require(hook.headers[HTTPField.Name("X-Passline-Signature")!])
                #expect(WebhookSignature(secret: Array(secret.utf8)).verify(signature, body: hook.body, now: Int64(Date().timeIntervalSince1970)))
                let json = try JSONValue(parsing: hook.body)
                #expect(json["phone"]?.stringValue == "+79123456789" && json["name"]?.stringValue == "Анна")
                #expect(json["cards"]?.arrayValue?.count == 1)
                #expect(json["consent"]?["policyUrl"]?.stringValue == "https://school.example/privacy")
                #expect(json["link"]?["url"]?.stringValue?.hasPrefix("https://passes.example.com/p/") == true)
                for _ in 0..<100 where try await d.count("SELECT COUNT(*) FROM webhook_outbox WHERE state = 'sent'") == 0 {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(try await d.count("SELECT COUNT(*) FROM webhook_outbox WHERE state = 'sent'") == 1)
            }
        }
    }
}
