import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// `POST /v1/log` (no authentication, by Apple's protocol): what it logs cannot forge lines, and
/// it is bounded per request, per client address, and in storage.
@Suite struct DeviceLogTests {
    static let json: HTTPFields = [.contentType: "application/json"]
    static let forged = "2026-01-01T00:00:00+0000 critical passline: [Server] database corrupted, shutting down"

    static func body(_ messages: [String]) -> ByteBuffer {
        ByteBuffer(bytes: JSONValue.object(["logs": .array(messages.map(JSONValue.string))]).serialized())
    }

    /// Like ``TestServer/run(_:configure:_:)`` but logging to `logger`.
    static func run(
        _ engine: Engine, logger: Logger, configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable @escaping (TestServer, any TestClientProtocol) async throws -> Void
    ) async throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try await TestEnvironment.databaseURL(engine, in: dir)
        var config = TestServer.configuration(dataDirectory: dir, databaseURL: url)
        configure(&config)
        let configured = config
        try await PasslineServer.withDatabase(url: url, logger: logger) { database in
            let server = try await PasslineServer.prepare(configuration: configured, database: database, logger: logger)
            try await server.application(logger: logger).test(.live) { client in
                try await body(TestServer(server: server, dataDirectory: dir), client)
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func aMessageCannotForgeALogLine(_ engine: Engine) async throws {
        let log = CapturedLog()
        try await Self.run(engine, logger: log.logger(level: .info)) { s, client in
            let r = try await client.execute(uri: "/v1/log", method: .post, headers: Self.json, body: Self.body(["ok\n\(Self.forged)", "rtl \u{202E}gnp.exe"]))
            #expect(r.status == .ok)
            // Stored as sent: the database keeps the device's text, the log shows it escaped.
            #expect(try await s.service.store.recentLog(limit: 2).contains("ok\n\(Self.forged)"))
        }
        let lines = log.lines.filter { $0.contains("device log") }
        #expect(lines.count == 2, "\(log.all)")
        #expect(!log.lines.contains { $0.hasPrefix("2026-01-01T00:00:00+0000 critical") }, "\(log.all)")
        #expect(lines.contains { $0.contains(#"ok\n2026-01-01T00:00:00+0000 critical"#) })
        #expect(lines.contains { $0.contains(#"rtl \u{202E}gnp.exe"#) })
    }

    /// The real process: `passline serve` bootstraps the escaping handler for every logger.
    @Test func theServerProcessLogsEscaped() async throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let logFile = dir.appendingPathComponent("serve.log").path
        let server = try await ServerProcess.start(
            environment: [
                "PASSLINE_DATABASE_URL": "sqlite:\(dir.appendingPathComponent("p.sqlite").path)", "PASSLINE_DATA_DIR": dir.path, "PASSLINE_HTTP_PORT": "0",
                "PASSLINE_TEMPLATES": TestEnvironment.repoRoot.appendingPathComponent("PassTemplates").path,
                "PASSLINE_PASS_CERT": TestEnvironment.pkiDirectory + "/pass.pem", "PASSLINE_PASS_KEY": TestEnvironment.pkiDirectory + "/pass.key",
                "PASSLINE_WWDR_CERT": TestEnvironment.pkiDirectory + "/wwdr.pem", "PASSLINE_APNS_URL": "off", "PASSLINE_LOG_LEVEL": "info",
            ], log: logFile)
        defer { server.stop() }
        let body = String(buffer: Self.body(["ok\n\(Self.forged)"]))
        let answer = try await FastPathTests.exchange(
            port: server.port,
            "POST /v1/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)",
            isWhole: FastPathTests.isOneResponse)
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        var text = ""
        for _ in 0..<200 {
            text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            if text.contains("device log") { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(text.contains(#"ok\n2026-01-01T00:00:00+0000 critical passline"#), "\(text)")
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("2026-01-01T00:00:00+0000 critical") }, "\(text)")
    }

    @Test(arguments: Engine.allCases)
    func oversizedRequestsAreRefusedAndStoreNothing(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            func post(_ body: ByteBuffer) async throws -> Reply {
                Reply(try await client.execute(uri: "/v1/log", method: .post, headers: Self.json, body: body))
            }
            let tooMany = try await post(Self.body(Array(repeating: "m", count: DeviceLogSettings.maxMessages + 1)))
            #expect(tooMany.status == .contentTooLarge && tooMany.field == "logs", "\(tooMany.text)")
            let tooLong = try await post(Self.body(["ok", String(repeating: "é", count: DeviceLogSettings.maxMessageBytes / 2 + 1)]))
            #expect(tooLong.status == .contentTooLarge && tooLong.field == "logs[1]", "\(tooLong.text)")
            let notText = try await post(ByteBuffer(string: #"{"logs":["ok",7]}"#))
            #expect(notText.status == .badRequest && notText.field == "logs[1]", "\(notText.text)")
            let huge = try await post(ByteBuffer(string: #"{"logs":[""# + String(repeating: "x", count: DeviceLogSettings.maxBodyBytes) + #""]}"#))
            #expect(huge.status == .contentTooLarge, "\(huge.text)")
            #expect(try await s.service.store.recentLog().isEmpty, "nothing of a refused request is kept")
            // The limits themselves are fine.
            let most = try await post(Self.body(Array(repeating: String(repeating: "x", count: DeviceLogSettings.maxMessageBytes), count: 20)))
            #expect(most.status == .ok)
            #expect(try await post(Self.body(Array(repeating: "m", count: DeviceLogSettings.maxMessages))).status == .ok)
        }
    }

    @Test func clientsOverTheRateGet429() async throws {
        try await TestServer.run(.sqlite, configure: { $0.deviceLog.limitPerMinute = 3 }) { s, client in
            func post(from address: String? = nil) async throws -> Reply {
                var headers = Self.json
                if let address { headers[HTTPField.Name("X-Forwarded-For")!] = address }
                return Reply(try await client.execute(uri: "/v1/log", method: .post, headers: headers, body: Self.body(["m"])))
            }
            for _ in 0..<3 { #expect(try await post().status == .ok) }
            let limited = try await post()
            #expect(limited.status == .tooManyRequests, "\(limited.text)")
            #expect(Int(limited.headers[.retryAfter] ?? "").map { $0 >= 1 && $0 <= 60 } == true)
            #expect(limited.headers[.contentType] == "application/problem+json")
            // Without PASSLINE_FORWARDED_FOR a client cannot pick another address by header.
            #expect(try await post(from: "203.0.113.9").status == .tooManyRequests)
            #expect(try await s.service.store.recentLog().count == 3)
        }
        try await TestServer.run(.sqlite, configure: { $0.deviceLog.limitPerMinute = 1; $0.distribution.trustForwardedFor = true }) { _, client in
            func post(from address: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/v1/log", method: .post, headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: address], body: Self.body(["m"])
                ).status
            }
            // Behind a proxy, each client address has its own bucket: the proxy's last entry.
            let first = try await post(from: "198.51.100.1, 203.0.113.1")
            let again = try await post(from: "198.51.100.1, 203.0.113.1")
            let other = try await post(from: "198.51.100.1, 203.0.113.2")
            #expect(first == .ok && again == .tooManyRequests && other == .ok)
        }
    }

    @Test(arguments: Engine.allCases)
    func theTableKeepsOnlyTheNewestRows(_ engine: Engine) async throws {
        try await TestServer.run(engine, configure: { $0.deviceLog.rows = 5 }) { s, client in
            func rows() async throws -> Int64 {
                try await s.server.database.read { try await $0.query("SELECT COUNT(*) FROM web_service_log").first?.int(0) ?? -1 }
            }
            var sent: [String] = []
            for batch in 0..<4 {
                let messages = (0..<(batch == 3 ? 9 : 3)).map { "b\(batch)m\($0)" }
                sent += messages
                let r = try await client.execute(uri: "/v1/log", method: .post, headers: Self.json, body: Self.body(messages))
                #expect(r.status == .ok)
                #expect(try await rows() <= 5)
            }
            #expect(try await rows() == 5)
            #expect(try await s.service.store.recentLog(limit: 100) == Array(sent.suffix(5).reversed()), "the newest are kept")
        }
        try await TestServer.run(engine, configure: { $0.deviceLog.rows = 0 }) { s, client in
            let r = try await client.execute(uri: "/v1/log", method: .post, headers: Self.json, body: Self.body(["m"]))
            #expect(r.status == .ok)
            #expect(try await s.service.store.recentLog().isEmpty, "0 keeps none")
        }
    }

    @Test func settingsAreRead() throws {
        let c = try ServerConfiguration.load(environment: ["PASSLINE_DEVICE_LOG_ROWS": "25", "PASSLINE_DEVICE_LOG_LIMIT_IP": "7"])
        #expect(c.deviceLog.rows == 25 && c.deviceLog.limitPerMinute == 7)
        #expect(throws: ServerConfiguration.Invalid.self) { try ServerConfiguration.load(environment: ["PASSLINE_DEVICE_LOG_LIMIT_IP": "0"]) }
        #expect(throws: ServerConfiguration.Invalid.self) { try ServerConfiguration.load(environment: ["PASSLINE_DEVICE_LOG_ROWS": "-1"]) }
    }
}
