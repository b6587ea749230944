import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// A response as the loyalty tests read it (from the shared client or from a connection of its own).
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var bytes: [UInt8]

    init(_ r: TestResponse) {
        status = r.status
        headers = r.headers
        bytes = Array(r.body.readableBytesView)
    }

    init(_ r: TestClient.Response) {
        status = r.status
        headers = r.headers
        bytes = r.body.map { Array($0.readableBytesView) } ?? []
    }

    var json: JSONValue? { try? JSONValue(parsing: bytes) }
    var text: String { String(decoding: bytes, as: UTF8.self) }
    /// The `field` of a problem+json body.
    var field: String? { json?["field"]?.stringValue }
    var detail: String? { json?["detail"]?.stringValue }
}

extension JSONValue {
    var int64: Int64? {
        if case .integer(let n) = self { return n }
        return nil
    }
}

extension HTTPField.Name {
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

/// What the ledger tables hold: compared before and after a refused request.
struct LedgerSnapshot: Sendable, Equatable {
    var cards: [String]
    var accounts: [String]
    var entries: [String]
    var passes: Int64
    var idempotencyKeys: Int64
}

/// One request of ``LoyaltyAPI/concurrently(_:)``.
struct Call: Sendable {
    var method: HTTPRequest.Method = .post
    var path: String
    var body: String
    var headers: HTTPFields = [:]
}

/// `/api/v1` over a live server, with the admin token unless told otherwise.
struct LoyaltyAPI: Sendable {
    let s: TestServer
    let client: any TestClientProtocol
    var authorization: String

    init(_ s: TestServer, _ client: any TestClientProtocol, token: String? = nil) {
        self.s = s
        self.client = client
        authorization = "Bearer \(token ?? s.server.adminToken)"
    }

    /// The same API with another bearer token.
    func with(token: String) -> LoyaltyAPI { LoyaltyAPI(s, client, token: token) }

    func headers(_ extra: HTTPFields = [:]) -> HTTPFields {
        var h: HTTPFields = [.authorization: authorization, .contentType: "application/json"]
        for field in extra { h[field.name] = field.value }
        return h
    }

    /// A request to `/api/v1` + `path` on the shared connection.
    func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, headers extra: HTTPFields = [:]) async throws -> Reply {
        Reply(try await client.execute(uri: "/api/v1" + path, method: method, headers: headers(extra), body: body.map { ByteBuffer(string: $0) }))
    }

    func get(_ path: String) async throws -> Reply { try await call(.get, path) }
    func post(_ path: String, _ body: String, headers extra: HTTPFields = [:]) async throws -> Reply { try await call(.post, path, body, headers: extra) }

    /// Issues a card and returns its JSON; records an issue unless the answer is 201.
    @discardableResult
    func issue(_ name: String, phone: String, extra: String = "", sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let body = #"{"name":"\#(name)","phone":"\#(phone)"\#(extra.isEmpty ? "" : "," + extra)}"#
        let r = try await post("/cards", body)
        #expect(r.status == .created, "issue \(body): \(r.text)", sourceLocation: sourceLocation)
        return try #require(r.json, sourceLocation: sourceLocation)
    }

    /// Issues a card and returns its number.
    func issueNumber(_ name: String, phone: String, extra: String = "", sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try #require(try await issue(name, phone: phone, extra: extra, sourceLocation: sourceLocation)["number"]?.stringValue, sourceLocation: sourceLocation)
    }

    /// POST /cards/{number}/transactions.
    func transact(_ number: String, _ body: String, idempotencyKey: String? = nil) async throws -> Reply {
        try await post("/cards/\(number)/transactions", body, headers: idempotencyKey.map { [IdempotencyMiddleware.header: $0] } ?? [:])
    }

    /// Posts an operation that must succeed with 201 and returns the response JSON.
    @discardableResult
    func apply(_ number: String, _ body: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let r = try await transact(number, body)
        #expect(r.status == .created, "\(body): \(r.text)", sourceLocation: sourceLocation)
        return try #require(r.json, sourceLocation: sourceLocation)
    }

    func card(_ number: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let r = try await get("/cards/\(number)")
        #expect(r.status == .ok, "GET /cards/\(number): \(r.text)", sourceLocation: sourceLocation)
        return try #require(r.json, sourceLocation: sourceLocation)
    }

    func balance(_ number: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int64 {
        try #require(try await card(number, sourceLocation: sourceLocation)["balance"]?.int64, sourceLocation: sourceLocation)
    }

    /// The numbers of the household's cards, by any spelling of its phone.
    func numbers(phone: String) async throws -> [String] {
        let r = try await get("/cards?phone=\(Self.query(phone))")
        #expect(r.status == .ok, "\(r.text)")
        return r.json?["items"]?.arrayValue?.compactMap { $0["number"]?.stringValue } ?? []
    }

    static func query(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    /// The account id of a card (for ``LedgerStore/ledgerSum(accountID:)``).
    func accountID(_ number: String) async throws -> Int64 {
        try #require(try await s.server.loyalty.ledger.card(number: number)?.accountID)
    }

    /// Σ ledger points of the card's household.
    func ledgerSum(_ number: String) async throws -> Int64 {
        try await s.server.loyalty.ledger.ledgerSum(accountID: try await accountID(number))
    }

    /// Rows of a one-column query, as text.
    func column(_ sql: String, _ binds: [SQLValue] = []) async throws -> [String] {
        try await s.server.database.read { db in try await db.query(sql, binds).map { $0.text(0) ?? "NULL" } }
    }

    func count(_ sql: String, _ binds: [SQLValue] = []) async throws -> Int64 {
        try await s.server.database.read { db in try await db.query(sql, binds).first?.int(0) ?? -1 }
    }

    func snapshot() async throws -> LedgerSnapshot {
        LedgerSnapshot(
            cards: try await column("SELECT number || '|' || name || '|' || status || '|' || COALESCE(external_id, '') FROM cards ORDER BY number"),
            accounts: try await column("SELECT phone || '|' || balance || '|' || turnover || '|' || tier FROM accounts ORDER BY phone"),
            entries: try await column("SELECT id || '|' || kind || '|' || points || '|' || balance_after FROM ledger_entries ORDER BY id"),
            passes: try await count("SELECT COUNT(*) FROM passes"),
            idempotencyKeys: try await count("SELECT COUNT(*) FROM idempotency_keys"))
    }

    /// Sends the requests at once, each on a TCP connection of its own. (The shared test client
    /// has a single connection, and the server answers one connection's requests one after another,
    /// so requests "in parallel" through it never overlap on the server.)
    func concurrently(_ calls: [Call]) async throws -> [Reply] {
        let port = try #require(client.port, "the live test client knows its port")
        let prepared = calls.map { (method: $0.method, uri: "/api/v1" + $0.path, body: $0.body, headers: headers($0.headers)) }
        let start = AsyncGate()
        return try await withThrowingTaskGroup(of: (Int, Reply).self) { group in
            for (i, request) in prepared.enumerated() {
                group.addTask {
                    try await TestClient.withClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(60))) { c in
                        await start.wait()
                        let response = try await c.execute(TestClient.Request(request.uri, method: request.method, authority: "localhost", headers: request.headers, body: ByteBuffer(string: request.body)))
                        return (i, Reply(response))
                    }
                }
            }
            await start.open(after: prepared.count)
            var replies = [Reply?](repeating: nil, count: prepared.count)
            for try await (i, reply) in group { replies[i] = reply }
            return replies.map { $0! }
        }
    }

    /// Expects a problem+json answer with this status and field.
    func expectProblem(
        _ r: Reply, _ status: HTTPResponse.Status, field: String?, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        Self.expectProblem(r, status, field: field, comment, sourceLocation: sourceLocation)
    }

    static func expectProblem(
        _ r: Reply, _ status: HTTPResponse.Status, field: String?, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let what = "\(comment.map { "\($0): " } ?? "")\(r.text)"
        #expect(r.status == status, "\(what)", sourceLocation: sourceLocation)
        #expect(r.headers[.contentType] == "application/problem+json", "\(what)", sourceLocation: sourceLocation)
        #expect(r.json?["status"]?.int64 == Int64(status.code), "\(what)", sourceLocation: sourceLocation)
        #expect(r.detail?.isEmpty == false, "\(what)", sourceLocation: sourceLocation)
        if let field {
            #expect(r.field == field, "\(what)", sourceLocation: sourceLocation)
        }
    }
}

/// Lets concurrent tasks start their requests together once every connection is ready.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var arrived = 0
    private var expected = Int.max
    private var openedWhenAllArrived: CheckedContinuation<Void, Never>?

    func wait() async {
        arrived += 1
        if arrived >= expected, let c = openedWhenAllArrived {
            openedWhenAllArrived = nil
            c.resume()
        }
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Waits until `count` tasks wait, then releases them all.
    func open(after count: Int) async {
        expected = count
        if arrived < count {
            await withCheckedContinuation { openedWhenAllArrived = $0 }
        }
        isOpen = true
        for w in waiters { w.resume() }
        waiters.removeAll()
    }
}
