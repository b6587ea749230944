import Logging
import Testing
import TestSupport

@testable import Storage

/// Statements run again and again are prepared once per PostgreSQL connection and run by name.
@Suite("PostgreSQL statement reuse")
struct PostgresStatementReuseTests {
    // MARK: naming, pure

    @Test func aStatementIsNamedTheSecondTimeItIsSeenAndKeepsItsName() {
        let names = PostgresStatementNames()
        #expect(names.name(sql: "SELECT $1", types: [.int8]) == nil)
        let name = names.name(sql: "SELECT $1", types: [.int8])
        #expect(name != nil)
        #expect(names.name(sql: "SELECT $1", types: [.int8]) == name)
        // The same text with other bind types is another statement.
        #expect(names.name(sql: "SELECT $1", types: [.text]) == nil)
        let text = names.name(sql: "SELECT $1", types: [.text])
        #expect(text != nil && text != name)
        #expect(names.count == 2)
    }

    @Test func theNamesAreBoundedAndOffNamesNothing() {
        let names = PostgresStatementNames(limit: 3)
        for i in 0..<10 {
            _ = names.name(sql: "SELECT \(i)", types: [])
            _ = names.name(sql: "SELECT \(i)", types: [])
        }
        #expect(names.count == 3)
        #expect(names.name(sql: "SELECT 9", types: []) == nil)
        #expect(names.name(sql: "SELECT 0", types: []) != nil) // named before the limit: still named

        let off = PostgresStatementNames(limit: 0)
        for _ in 0..<3 { #expect(off.name(sql: "SELECT 1", types: []) == nil) }
        #expect(off.count == 0)
    }

    @Test func theURLTurnsThemOff() throws {
        #expect(try DatabaseURL(parsing: "postgres://u@h/db?prepared_statements=off")
            == .postgres(PostgresSettings(host: "h", username: "u", database: "db", preparedStatements: false)))
        #expect(try DatabaseURL(parsing: "postgres://u@h/db?sslmode=disable&prepared_statements=on")
            == .postgres(PostgresSettings(host: "h", username: "u", database: "db")))
        #expect("\(try DatabaseURL(parsing: "postgres://u@h/db?prepared_statements=OFF"))".hasSuffix("&prepared_statements=off"))
        #expect(throws: DatabaseError.self) { try DatabaseURL(parsing: "postgres://u@h/db?prepared_statements=maybe") }
    }

    // MARK: on a real server

    static let logger: Logger = {
        var logger = Logger(label: "passline.tests.statement-reuse")
        logger.logLevel = .error
        return logger
    }()

    /// One connection, so every statement runs on the backend whose prepared statements we read.
    static func withOneConnection(preparedStatements: Bool = true, _ body: (PostgresDatabase) async throws -> Void) async throws {
        guard case .postgres(var settings) = try DatabaseURL(parsing: try TestDatabase.postgresURL()) else {
            Issue.record("\(TestDatabase.variable) is not a postgres:// URL")
            return
        }
        settings.preparedStatements = preparedStatements
        let db = PostgresDatabase(settings: settings, maxConnections: 1, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await db.run() }
            do { try await body(db) } catch { group.cancelAll(); throw error }
            group.cancelAll()
        }
    }

    /// The statements prepared on the pool's one connection, by name.
    static func prepared(_ db: PostgresDatabase) async throws -> [String: String] {
        let rows = try await db.read { try await $0.query("SELECT name, statement FROM pg_prepared_statements") }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.text(0) ?? "", $0.text(1) ?? "") })
    }

    @Test func aRepeatedStatementIsPreparedOnceAndEachRunGetsItsOwnBinds() async throws {
        try await Self.withOneConnection { db in
            let add = "SELECT $1::int8 + $2::int8 AS sum, $3::text AS label"
            let concat = "SELECT $1::text || $2::text AS sum, $3::text AS label"
            for i in Int64(0)..<8 {
                let sum = try await db.read { try await $0.query(add, [.integer(i), .integer(100), .text("add \(i)")]) }
                #expect(sum.first?.int(0) == i + 100)
                #expect(sum.first?["label"] == .text("add \(i)"))
                let text = try await db.read { try await $0.query(concat, [.text("a\(i)"), .text("b"), .text("concat \(i)")]) }
                #expect(text.first?.text(0) == "a\(i)b")
                #expect(text.first?["label"] == .text("concat \(i)"))
            }
            let statements = try await Self.prepared(db)
            let ours = statements.filter { $0.key.hasPrefix("passline_") }
            #expect(Set(ours.values) == [add, concat], "\(statements)")
            #expect(db.names.count >= 2)
        }
    }

    @Test func offPreparesNothing() async throws {
        try await Self.withOneConnection(preparedStatements: false) { db in
            for i in Int64(0)..<3 {
                let rows = try await db.read { try await $0.query("SELECT $1::int8 * 2", [.integer(i)]) }
                #expect(rows.first?.int(0) == i * 2)
            }
            let statements = try await Self.prepared(db)
            #expect(statements.keys.filter { $0.hasPrefix("passline_") }.isEmpty)
        }
    }

    /// postgres-nio remembers a failed preparation for good on its connection: a statement first
    /// prepared inside an aborted transaction would fail there forever after.
    @Test func aStatementAfterAFailureInATransactionIsNotPreparedThere() async throws {
        try await Self.withOneConnection { db in
            let sql = "SELECT $1::int8 + 1"
            let first = try await db.read { try await $0.query(sql, [.integer(1)]) } // seen once: unnamed
            #expect(first.first?.int(0) == 2)
            do {
                try await db.transaction { tx in
                    _ = try? await tx.query("SELECT 1/0") // swallowed: the transaction is aborted
                    _ = try await tx.query(sql, [.integer(2)]) // the second sighting, in an aborted transaction
                }
                Issue.record("the aborted transaction committed")
            } catch let error as DatabaseQueryError {
                #expect(error.code == "25P02", "\(error)")
            }
            // The same connection runs it by name now, and it works.
            for i in Int64(3)..<6 {
                let rows = try await db.read { try await $0.query(sql, [.integer(i)]) }
                #expect(rows.first?.int(0) == i + 1)
            }
            let statements = try await Self.prepared(db)
            #expect(statements.values.contains(sql))
        }
    }
}
