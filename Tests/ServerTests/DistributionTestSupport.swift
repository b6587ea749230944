import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PassBuilder
import Storage
import ServiceLifecycle
import Testing
import TestSupport

@testable import Distribution
@testable import Server

/// A server for the distribution tests: like ``TestServer`` but with configuration tweaks, the
/// dev SMS sink's file at hand, and helpers to wait for the outbox.
struct DistributionServer: Sendable {
    let s: TestServer
    let client: any TestClientProtocol
    var api: LoyaltyAPI { LoyaltyAPI(s, client) }
    var distribution: DistributionService { s.server.distribution }
    var smsFile: String { s.dataDirectory.appendingPathComponent("dev-sms.jsonl").path }

    /// Runs `body` against a live server on a fresh database of `engine`.
    static func run(
        _ engine: Engine, configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable @escaping (DistributionServer) async throws -> Void
    ) async throws {
        try await TestServer.run(engine, configure: configure) { s, client in
            try await body(DistributionServer(s: s, client: client))
        }
    }

    /// A request on the shared connection, any path, no authorization unless given.
    func request(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:], body: String? = nil) async throws -> Reply {
        Reply(try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }))
    }

    /// Posts a form as a browser would.
    func postForm(_ path: String, _ fields: [(String, String)], headers: HTTPFields = [:]) async throws -> Reply {
        var h: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        for f in headers { h[f.name] = f.value }
        let body = fields.map { "\(FormBody.escape($0.0))=\(FormBody.escape($0.1))" }.joined(separator: "&")
        return try await request(.post, path, headers: h, body: body)
    }

    /// The dev sink's messages so far: (to, text).
    func sentMessages() throws -> [(to: String, text: String)] {
        guard let text = try? String(contentsOfFile: smsFile, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (o["to"] as? String ?? "", o["text"] as? String ?? "")
        }
    }

    /// Waits (a bounded number of worker rounds) until the dev sink holds `count` messages.
    func waitForMessages(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [(to: String, text: String)] {
        for _ in 0..<200 {
            let messages = try sentMessages()
            if messages.count >= count { return messages }
            distribution.wake()
            try await Task.sleep(for: .milliseconds(50))
        }
        let messages = try sentMessages()
        #expect(messages.count >= count, "expected \(count) SMS, the dev sink has \(messages.count)", sourceLocation: sourceLocation)
        return messages
    }

    /// The 6-digit code in the newest code message to `phone` (messages may be written in any order).
    func latestCode(to phone: String) throws -> String? {
        try sentMessages().last { $0.to == phone && ($0.text.hasPrefix("Код подтверждения") || $0.text.hasPrefix("Your confirmation code")) }.flatMap { m in
            m.text.split(whereSeparator: { !$0.isNumber }).first { $0.count == 6 }.map(String.init)
        }
    }

    /// Rows of a one-column query.
    func count(_ sql: String, _ binds: [SQLValue] = []) async throws -> Int64 {
        try await s.server.database.read { db in try await db.query(sql, binds).first?.int(0) ?? -1 }
    }

    /// Sets the program's join and SMS settings through the API.
    func configureProgram(join: String? = #"{"policyURL":"https://school.example/privacy","children":2}"#, sms: String? = nil) async throws {
        let current = try await api.get("/program")
        guard case .object(var program)? = current.json else { Issue.record("GET /program: \(current.text)"); return }
        if let join { program["join"] = try JSONValue(parsing: Array(join.utf8)) }
        if let sms { program["sms"] = try JSONValue(parsing: Array(sms.utf8)) }
        let r = try await api.call(.put, "/program", String(decoding: JSONValue.object(program).serialized(), as: UTF8.self))
        #expect(r.status == .ok, "PUT /program: \(r.text)")
    }
}

extension Reply {
    /// The entries of a zip body (a .pkpass or .pkpasses), read with libzip.
    func zipEntries() throws -> [String: [UInt8]] {
        Dictionary(try PassArchive(bytes: bytes).entries.map { ($0.name, $0.data) }, uniquingKeysWith: { a, _ in a })
    }
}

let iPhoneUserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
let desktopUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
