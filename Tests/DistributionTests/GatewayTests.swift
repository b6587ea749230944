import Core
import Foundation
import Logging
import Loyalty
import Testing
import TestSupport

@testable import Distribution

/// The HTTP gateway's request building and response reading (pure), and the dev sink. The
/// exchange over a real socket is tested in ServerTests (DistributionHTTPTests).
@Suite struct GatewayTests {
    let phone = try! PhoneNumber(parsing: "+7 912 345-67-89")

    @Test func formGatewayEscapesValuesAndKeepsTheSecretOutOfItsName() throws {
        let config = try HTTPSmsGatewayConfiguration(
            url: "https://sms.example.ru/send?api_id={secret}&to={phone}", method: "post", headers: [.init(name: "X-Key", value: "k-{secret}")],
            bodyTemplate: "msg={text}&from={sender}", encoding: .form, secret: "S3CR&T", sender: "Gambit")
        let gateway = HTTPSmsGateway(configuration: config, client: NeverCalled())
        let request = gateway.request(for: SmsMessage(to: phone, text: "Код: 12 34&=ё"))
        #expect(request.method == "POST")
        #expect(request.url == "https://sms.example.ru/send?api_id=S3CR%26T&to=79123456789")
        #expect(String(decoding: request.body, as: UTF8.self) == "msg=%D0%9A%D0%BE%D0%B4%3A%2012%2034%26%3D%D1%91&from=Gambit")
        #expect(request.headers.contains { $0 == ("X-Key", "k-S3CR&T") })
        #expect(request.headers.contains { $0 == ("Content-Type", "application/x-www-form-urlencoded") })
        #expect(gateway.name == "http https://sms.example.ru")
        #expect(!gateway.name.contains("S3CR"))
    }

    @Test func jsonGatewayEscapesForJSON() throws {
        let config = try HTTPSmsGatewayConfiguration(
            url: "https://api.example.com/messages", headers: [.init(name: "Authorization", value: "Bearer {secret}")],
            bodyTemplate: #"{"to":"{e164}","text":"{text}"}"#, encoding: .json, secret: "tok")
        let request = HTTPSmsGateway(configuration: config, client: NeverCalled()).request(for: SmsMessage(to: phone, text: "a \"quote\"\nline\\"))
        let body = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: String]
        #expect(body == ["to": "+79123456789", "text": "a \"quote\"\nline\\"])
        #expect(request.headers.contains { $0 == ("Authorization", "Bearer tok") })
    }

    @Test func configurationErrorsNameTheProblem() {
        #expect(throws: HTTPSmsGatewayConfiguration.ConfigurationError.self) { try HTTPSmsGatewayConfiguration(url: "ftp://x") }
        #expect(throws: HTTPSmsGatewayConfiguration.ConfigurationError("body: unknown placeholder {msg} (known: {phone} {e164} {text} {sender} {secret})")) {
            try HTTPSmsGatewayConfiguration(url: "https://x", bodyTemplate: "m={msg}")
        }
        #expect(throws: HTTPSmsGatewayConfiguration.ConfigurationError("url uses {secret}, but no secret is configured")) {
            try HTTPSmsGatewayConfiguration(url: "https://x/?k={secret}")
        }
        #expect(throws: HTTPSmsGatewayConfiguration.ConfigurationError.self) { try HTTPSmsGatewayConfiguration(url: "https://x", successPattern: "(unclosed") }
        #expect(throws: HTTPSmsGatewayConfiguration.ConfigurationError.self) { try HTTPSmsGatewayConfiguration(url: "https://x", method: "DELETE") }
    }

    @Test func responsesAreAcceptedRefusedOrRetryable() throws {
        let plain = try HTTPSmsGatewayConfiguration(url: "https://x")
        #expect(try HTTPSmsGateway.interpret(OutboundResponse(status: 200), configuration: plain) == SmsReceipt())
        let strict = try HTTPSmsGatewayConfiguration(url: "https://x", successPattern: #""status":\s*"OK""#, messageIDPattern: #""sms_id":\s*"([^"]+)""#)
        let ok = OutboundResponse(status: 200, body: Array(#"{"status": "OK", "sms_id": "000-1"}"#.utf8))
        #expect(try HTTPSmsGateway.interpret(ok, configuration: strict) == SmsReceipt(providerMessageID: "000-1"))
        let refused = OutboundResponse(status: 200, body: Array(#"{"status": "ERROR", "status_text": "bad number"}"#.utf8))
        #expect(throws: SmsGatewayError.self) { try HTTPSmsGateway.interpret(refused, configuration: strict) }
        for status in [408, 429, 500, 503] {
            do { _ = try HTTPSmsGateway.interpret(OutboundResponse(status: status), configuration: plain); Issue.record("\(status) accepted") } catch {
                #expect(error.isRetryable, "\(status)")
            }
        }
        for status in [301, 400, 401, 403, 404, 422] {
            do { _ = try HTTPSmsGateway.interpret(OutboundResponse(status: status), configuration: plain); Issue.record("\(status) accepted") } catch {
                #expect(!error.isRetryable, "\(status)")
            }
        }
    }

    @Test func devSinkAppendsJSONLines() async throws {
        let dir = try Scratch.directory("passline-distribution")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("sub/dev-sms.jsonl").path
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let sink = try DevSmsSink(file: file, logger: logger)
        try await withThrowingTaskGroup(of: SmsReceipt.self) { group in
            for i in 0..<20 { group.addTask { try await sink.send(SmsMessage(to: phone, text: "сообщение \(i)\nвторая строка")) } }
            var ids = Set<String?>()
            for try await r in group { ids.insert(r.providerMessageID) }
            #expect(ids.count == 20)
        }
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 20)
        let texts = try lines.map { line -> String in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(o["to"] as? String == "+79123456789")
            return try #require(o["text"] as? String)
        }
        #expect(Set(texts) == Set((0..<20).map { "сообщение \($0)\nвторая строка" }))
    }
}

/// A client that fails the test if used.
struct NeverCalled: OutboundHTTPClient {
    func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        Issue.record("no request expected")
        throw OutboundHTTPError.invalidURL
    }
}
