import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Loyalty
import OpenAPIRuntime
import PassBuilder
import Storage
import Synchronization
import Testing
import TestSupport

@testable import Server

/// Quantities past what the ledger's arithmetic can hold are refused with 422 and nothing
/// written; an unexpected error is a logged problem+json 500, never an empty one.
@Suite struct LimitsTests {
    static let phone = "+79123456789"

    @Test(arguments: Engine.allCases)
    func creditsPastTheLimitsAreRefusedAndNothingIsWritten(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            let before = try await api.snapshot()
            // A purchase whose points one entry cannot carry (the amount is valid money): at a
            // point worth 0.01 the largest amount earns 5 × 10^13 points at the base tier's 5 %.
            var program = try #require(try await api.get("/program").json?.objectValue)
            program["pointValue"] = .string("0.01")
            #expect(try await api.call(.put, "/program", String(decoding: JSONValue.object(program).serialized(), as: UTF8.self)).status == .ok)
            let purchase = try await api.transact(card, #"{"type":"purchase","amount":"\#(Money.maximum)"}"#)
            api.expectProblem(purchase, .unprocessableContent, field: "points", "\(purchase.text)")
            api.expectProblem(try await api.transact(card, #"{"type":"accrual","points":1000000000001}"#), .unprocessableContent, field: "points")
            #expect(try await api.snapshot() == before)

            // A household at the largest balance (or past it: a balance written before the limits).
            for balance in [PointLimits.balance - 10, Int64.max - 5] {
                _ = try await s.server.database.transaction { db in
                    try await db.query("UPDATE accounts SET balance = $1", [.integer(balance)])
                }
                let snapshot = try await api.snapshot()
                let accrual = try await api.transact(card, #"{"type":"accrual","points":100}"#, idempotencyKey: "limit-\(balance)")
                api.expectProblem(accrual, .unprocessableContent, field: "points", "balance \(balance)")
                #expect(accrual.detail?.contains("largest balance") == true, "\(accrual.text)")
                // The refusal is the key's answer: replayed, not run again.
                let replay = try await api.transact(card, #"{"type":"accrual","points":100}"#, idempotencyKey: "limit-\(balance)")
                #expect(replay.status == .unprocessableContent && replay.headers[.idempotentReplayed] == "true")
                var after = try await api.snapshot()
                after.idempotencyKeys -= 1
                #expect(after == snapshot, "nothing but the key's refusal was written")
                // A debit still works there.
                #expect(try await api.transact(card, #"{"type":"debit","points":1}"#).status == .created)
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func anUnexpectedErrorIsAProblemNotAnEmpty500(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let card = try await api.issueNumber("Anna", phone: Self.phone)
            // Storage broken under the server: the request can only fail on our side.
            _ = try await s.server.database.transaction { db in try await db.query("DROP TABLE ledger_entries") }
            let r = try await api.transact(card, #"{"type":"accrual","points":5}"#, idempotencyKey: "broken-1")
            #expect(r.status == .internalServerError)
            #expect(r.headers[.contentType] == "application/problem+json")
            #expect(r.json?["status"] == .integer(500))
            #expect(r.detail?.contains("incident") == true, "\(r.text)")
        }
    }

    @Test func unexpectedErrorsAreLoggedWithTheIncidentTheClientSees() async throws {
        let lines = LogCapture()
        let logger = Logger(label: "test") { _ in lines }
        let router = Router()
        router.add(middleware: UnexpectedErrorMiddleware())
        router.get("boom") { _, _ -> String in throw DatabaseError("disk on fire") }
        router.get("refused") { _, _ -> String in throw APIError(.conflict, "no") }
        router.get("wrapped") { _, _ -> String in
            var request = HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/api/v1/cards")
            request.headerFields[.authorization] = "Bearer secret-admin-token"
            throw ServerError(
                operationID: "createCard", request: request, requestBody: nil, requestMetadata: .init(), causeDescription: "Unknown",
                underlyingError: DatabaseError("table gone"))
        }
        try await Application(router: router, logger: logger).test(.router) { client in
            let boom = try await client.execute(uri: "/boom", method: .get)
            #expect(boom.status == .internalServerError)
            #expect(boom.headers[.contentType] == "application/problem+json")
            let detail = try #require(boom.json?["detail"]?.stringValue)
            let logged = lines.entries.filter { $0.message == "unexpected error" }
            #expect(logged.count == 1)
            let incident = try #require(logged.first?.metadata["incident"])
            #expect(detail.contains("incident \(incident)"))
            #expect(logged.first?.metadata["error"]?.contains("disk on fire") == true)
            #expect(logged.first?.metadata["route"] == "/boom")
            // An HTTP answer passes through untouched and unlogged.
            let refused = try await client.execute(uri: "/refused", method: .get)
            #expect(refused.status == .conflict)
            #expect(lines.entries.filter { $0.message == "unexpected error" }.count == 1)
            // A generated operation's error is logged by its cause, never with the request's token.
            let wrapped = try await client.execute(uri: "/wrapped", method: .get)
            #expect(wrapped.status == .internalServerError)
            let last = try #require(lines.entries.last { $0.message == "unexpected error" })
            #expect(last.metadata["error"]?.contains("table gone") == true)
            #expect(!lines.entries.contains { "\($0.message) \($0.metadata)".contains("secret-admin-token") })
        }
    }
}

/// A log handler that keeps what it is given.
final class LogCapture: LogHandler, Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }
    private let state = Mutex<(entries: [Entry], metadata: Logger.Metadata, level: Logger.Level)>(([], [:], .trace))
    var entries: [Entry] { state.withLock { $0.entries } }

    func log(event: LogEvent) {
        let merged = state.withLock { $0.metadata }.merging(event.metadata ?? [:]) { _, new in new }
        state.withLock { $0.entries.append(Entry(level: event.level, message: event.message.description, metadata: merged.mapValues(\.description))) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { state.withLock { $0.metadata[key] } }
        set { state.withLock { $0.metadata[key] = newValue } }
    }
    var metadata: Logger.Metadata {
        get { state.withLock { $0.metadata } }
        set { state.withLock { $0.metadata = newValue } }
    }
    var logLevel: Logger.Level {
        get { state.withLock { $0.level } }
        set { state.withLock { $0.level = newValue } }
    }
}

/// A program file edited by hand meets the same text limits as `PUT /api/v1/program`.
@Suite struct ProgramFileLimitsTests {
    @Test func anOversizedSmsTemplateInTheFileStopsTheStart() async throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var program = LoyaltyProgram.default
        // Within the 480 characters a text may have, but 470 emoji are 940 UTF-16 units: past the 10 parts a message may have.
        program.sms = SmsSettings(templates: ["ru": ["link": "{link} " + String(repeating: "😀", count: 470)]])
        try JSONEncoder().encode(program).write(to: dir.appendingPathComponent("program.json"))
        let url = try await TestEnvironment.databaseURL(.sqlite, in: dir)
        let config = TestServer.configuration(dataDirectory: dir, databaseURL: url)
        await #expect {
            try await PasslineServer.withDatabase(url: url, logger: TestEnvironment.logger) { database in
                _ = try await PasslineServer.prepare(configuration: config, database: database, logger: TestEnvironment.logger)
            }
        } throws: { error in
            "\(error)".contains("program.json") && "\(error)".contains("sms.templates.ru.link") && "\(error)".contains("SMS parts")
        }
    }
}
