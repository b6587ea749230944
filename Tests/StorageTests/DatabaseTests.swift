import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

@testable import Storage

// One conformance suite, run against both engines on the shared database fixture (a PostgreSQL
// case fails without the throwaway cluster of scripts/with-postgres.sh; it never skips).

/// Unique table names per test, so the PostgreSQL-only tests can share the cluster's database.
fileprivate struct TableNames: Sendable {
    let prefix: String
    init() { prefix = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased() }
    func callAsFunction(_ base: String) -> String { "\(prefix)_\(base)" }
}

/// PostgresClient warns when a query asks for a connection before `run()` has started, which the
/// tests do on purpose (the query just waits).
fileprivate let postgresTestLogger: Logger = {
    var logger = Logger(label: "passline.tests.database.postgres")
    logger.logLevel = .error
    return logger
}()

/// Runs `body` on a fresh, empty database of `engine`.
fileprivate func withDatabase(
    _ engine: Engine,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @Sendable (any Database, TableNames) async throws -> Void
) async throws {
    try await TestDatabase.with(engine, migrated: false, sourceLocation: sourceLocation) { db in try await body(db, TableNames()) }
}

/// Runs `body` with a PostgresDatabase on the throwaway cluster's own database.
fileprivate func withPostgres(
    maxConnections: Int = 4,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (PostgresDatabase) async throws -> Void
) async throws {
    guard case .postgres(let settings) = try DatabaseURL(parsing: try TestDatabase.postgresURL(sourceLocation: sourceLocation)) else {
        Issue.record("\(TestDatabase.variable) is not a postgres:// URL", sourceLocation: sourceLocation)
        return
    }
    let db = PostgresDatabase(settings: settings, maxConnections: maxConnections, logger: postgresTestLogger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await db.run() }
        do {
            try await body(db)
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
    try await db.shutdown()
}

fileprivate func blobType(_ dialect: SQLDialect) -> String { dialect == .sqlite ? "BLOB" : "BYTEA" }

fileprivate struct ExpectedFailure: Error, Equatable {}

/// Runs `body` and returns the DatabaseQueryError it throws (recording an issue otherwise).
fileprivate func queryError<T>(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async -> DatabaseQueryError? {
    do {
        _ = try await body()
        Issue.record("expected a DatabaseQueryError, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as DatabaseQueryError {
        return error
    } catch {
        Issue.record("expected a DatabaseQueryError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite("Database conformance (SQLite and PostgreSQL)")
struct DatabaseConformanceTests {
    @Test(arguments: Engine.allCases)
    func valuesRoundTrip(_ engine: Engine) async throws {
        try await withDatabase(engine) { db, t in
            let table = t("values")
            _ = try await db.transaction { c in
                try await c.query("CREATE TABLE \(table) (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, s TEXT, b \(blobType(c.dialect)))")
            }
            let longText = String(repeating: "long ✓ text ", count: 10_000)
            let bigBlob = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
            let rows: [[SQLValue]] = [
                [.integer(.min), .double(0), .text(""), .blob([])],
                [.integer(.max), .double(-1.5), .text("héllo wörld ✓ 🎉 日本語 𝔘"), .blob([0])],
                [.integer(0), .double(.pi), .text("quotes ' \" \\ and $1 ?1 :a @b"), .blob([0, 1, 0, 255, 0, 0])],
                [.integer(-1), .double(1e-300), .text(longText), .blob(bigBlob)],
                [.integer(42), .double(.greatestFiniteMagnitude), .text("\n\t\r"), .blob(Array(0...255))],
                [.integer(7), .double(-.infinity), .text("x"), .blob([0xFF, 0xFE, 0x00])],
                [.integer(8), .double(.infinity), .text("y"), .blob([1])],
                [.integer(9), .double(.leastNonzeroMagnitude), .null, .null],
                [.null, .null, .text("only text"), .null],
            ]
            try await db.transaction { c in
                for (id, row) in rows.enumerated() {
                    let inserted = try await c.query("INSERT INTO \(table) (id, i, d, s, b) VALUES ($1, $2, $3, $4, $5)", [.integer(Int64(id))] + row)
                    #expect(inserted.isEmpty)
                }
            }
            let back = try await db.read { c in try await c.query("SELECT id, i, d, s, b FROM \(table) ORDER BY id") }
            #expect(back.count == rows.count)
            for (id, row) in back.enumerated() {
                #expect(row.columns == ["id", "i", "d", "s", "b"])
                #expect(row.values == [.integer(Int64(id))] + rows[id], "row \(id)")
                #expect(row["s"] == rows[id][2])
            }
            // Binds come back unchanged through a bare SELECT too.
            for value in [SQLValue.integer(.min), .integer(.max), .double(-2.5), .text(""), .text("ü🎉"), .blob([0, 0, 7]), .null] {
                let echoed = try await db.read { c in try await c.query("SELECT $1 AS v", [value]) }
                #expect(echoed == [SQLRow(columns: ["v"], values: [value])])
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func placeholders(_ engine: Engine) async throws {
        try await withDatabase(engine) { db, t in
            try await db.read { c in
                // Out of order: $N always binds binds[N-1].
                let swapped = try await c.query("SELECT $2 AS b, $1 AS a", [.text("first"), .text("second")])
                #expect(swapped.first?.values == [.text("second"), .text("first")])
                // A reused $1.
                let reused = try await c.query("SELECT $1 AS x, $1 AS y, $2 AS z", [.integer(7), .integer(8)])
                #expect(reused.first?.values == [.integer(7), .integer(7), .integer(8)])
                // More than nine, in reverse.
                let binds = (1...12).map { SQLValue.integer(Int64($0)) }
                let list = (1...12).reversed().map { "$\($0) AS c\($0)" }.joined(separator: ", ")
                let many = try await c.query("SELECT \(list)", binds)
                #expect(many.first?.values == binds.reversed())
                // Not placeholders: inside literals, quoted identifiers and comments.
                let literal = try await c.query("SELECT '$1' AS \"$2\", $1 AS p /* $2 */ -- $3", [.text("bound")])
                #expect(literal.first?.columns == ["$2", "p"])
                #expect(literal.first?.values == [.text("$1"), .text("bound")])
                // Fewer binds than placeholders is an error on both engines. (More is an error on
                // SQLite only: PostgreSQL ignores extra binds.)
                await #expect(throws: DatabaseQueryError.self) { try await c.query("SELECT $1 AS a, $2 AS b", [.integer(1)]) }
                if c.dialect == .sqlite {
                    await #expect(throws: DatabaseQueryError.self) { try await c.query("SELECT $1 AS v", [.integer(1), .integer(2)]) }
                }
                // So is more than one statement per call.
                await #expect(throws: (any Error).self) { try await c.query("SELECT 1; SELECT 2") }
            }
            let table = t("people")
            try await db.transaction { c in
                try await c.query("CREATE TABLE \(table) (id BIGINT PRIMARY KEY, name TEXT, nick TEXT)")
                try await c.query("INSERT INTO \(table) (id, name, nick) VALUES ($3, $1, $2)", [.text("Ann"), .text("annie"), .integer(1)])
                try await c.query("INSERT INTO \(table) (id, name, nick) VALUES ($1, $2, $2)", [.integer(2), .text("bo")])
                try await c.query("INSERT INTO \(table) (id, name, nick) VALUES ($1, $2, $3);", [.integer(3), .text("cy"), .null])
            }
            let matches = try await db.read { c in
                try await c.query("SELECT id FROM \(table) WHERE name = $1 OR nick = $1 ORDER BY id", [.text("bo")])
            }
            #expect(matches.map { $0.int(0) } == [2])
            let ann = try await db.read { c in try await c.query("SELECT name, nick FROM \(table) WHERE id = $1", [.integer(1)]) }
            #expect(ann.first?.values == [.text("Ann"), .text("annie")])
        }
    }

    @Test(arguments: Engine.allCases)
    func transactionCommitAndRollback(_ engine: Engine) async throws {
        try await withDatabase(engine) { db, t in
            let table = t("items")
            _ = try await db.transaction { c in try await c.query("CREATE TABLE \(table) (id BIGINT PRIMARY KEY, label TEXT NOT NULL)") }

            let returned = try await db.transaction { c in
                try await c.query("INSERT INTO \(table) VALUES ($1, $2)", [.integer(1), .text("kept")])
                return "done"
            }
            #expect(returned == "done")

            // The body's error comes back unchanged, and its writes are gone.
            await #expect(throws: ExpectedFailure.self) {
                try await db.transaction { c in
                    try await c.query("INSERT INTO \(table) VALUES ($1, $2)", [.integer(2), .text("dropped")])
                    throw ExpectedFailure()
                }
            }
            // A failing statement rolls back the transaction's earlier writes.
            let failure = await queryError {
                try await db.transaction { c in
                    try await c.query("INSERT INTO \(table) VALUES ($1, $2)", [.integer(3), .text("dropped too")])
                    try await c.query("INSERT INTO \(table) VALUES ($1, $2)", [.integer(1), .text("duplicate")])
                }
            }
            #expect(failure?.isUniqueViolation == true)

            let ids = try await db.read { c in try await c.query("SELECT id, label FROM \(table) ORDER BY id") }
            #expect(ids.map(\.values) == [[.integer(1), .text("kept")]])

            // The database is still usable afterwards.
            try await db.transaction { c in _ = try await c.query("INSERT INTO \(table) VALUES ($1, $2)", [.integer(4), .text("later")]) }
            let count = try await db.read { c in try await c.query("SELECT COUNT(*) AS n FROM \(table)") }
            #expect(count.first?.int(0) == 2)
        }
    }

    @Test(arguments: Engine.allCases)
    func readsSeeCommittedDataOnly(_ engine: Engine) async throws {
        try await withDatabase(engine) { db, t in
            let table = t("notes")
            _ = try await db.transaction { c in try await c.query("CREATE TABLE \(table) (id BIGINT PRIMARY KEY)") }
            try await db.transaction { c in
                try await c.query("INSERT INTO \(table) VALUES (1)")
                // Another connection (a detached task's read: it runs in no transaction) does not see the uncommitted row.
                let during = try await Task.detached { try await db.read { r in try await r.query("SELECT COUNT(*) FROM \(table)") } }.value
                #expect(during.first?.int(0) == 0)
                // The transaction itself does.
                let inside = try await c.query("SELECT COUNT(*) FROM \(table)")
                #expect(inside.first?.int(0) == 1)
            }
            // Every reader sees the commit at once.
            try await withThrowingTaskGroup(of: Int64?.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await db.read { r in try await r.query("SELECT COUNT(*) FROM \(table)") }.first?.int(0) }
                }
                for try await count in group { #expect(count == 1) }
            }
            for i in 2...20 {
                try await db.transaction { c in _ = try await c.query("INSERT INTO \(table) VALUES ($1)", [.integer(Int64(i))]) }
                let seen = try await db.read { r in try await r.query("SELECT MAX(id) FROM \(table)") }
                #expect(seen.first?.int(0) == Int64(i))
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func nestedTransactionsAreSavepoints(_ engine: Engine) async throws {
        try await withDatabase(engine) { db, t in
            let table = t("nested")
            _ = try await db.transaction { c in try await c.query("CREATE TABLE \(table) (id BIGINT PRIMARY KEY)") }
            @Sendable func ids() async throws -> [Int64] {
                try await db.read { r in try await r.query("SELECT id FROM \(table) ORDER BY id") }.compactMap { $0.int(0) }
            }
            let events = EventLog()
            try await db.transaction { c in
                try await c.query("INSERT INTO \(table) VALUES (1)")
                db.afterCommit { events.add("committed") }
                // A nested transaction that throws is undone alone, a failed statement included.
                await #expect(throws: ExpectedFailure.self) {
                    try await db.transaction { n in
                        try await n.query("INSERT INTO \(table) VALUES (2)")
                        db.afterCommit { events.add("undone step") }
                        throw ExpectedFailure()
                    }
                }
                await #expect(throws: DatabaseQueryError.self) {
                    _ = try await db.transaction { n in try await n.query("INSERT INTO \(table) VALUES (1)") } // duplicate key
                }
                _ = try await db.transaction { n in try await n.query("INSERT INTO \(table) VALUES (3)") }
                // Reads in the body join the transaction and see its writes.
                #expect(try await ids() == [1, 3])
                #expect(events.items.isEmpty, "nothing runs before the commit")
            }
            #expect(try await ids() == [1, 3])
            #expect(events.items == ["committed"], "the outer commit runs its actions; an undone step's never")

            // The outer transaction rolling back takes its committed savepoints with it.
            await #expect(throws: ExpectedFailure.self) {
                try await db.transaction { _ in
                    _ = try await db.transaction { n in try await n.query("INSERT INTO \(table) VALUES (4)") }
                    db.afterCommit { events.add("rolled back") }
                    throw ExpectedFailure()
                }
            }
            #expect(try await ids() == [1, 3])
            // Outside a transaction an action runs at once.
            db.afterCommit { events.add("now") }
            #expect(events.items == ["committed", "now"])

            // Pushes recorded in a nested step signal once the outer transaction commits.
            var signals = db.pushDue.notifications.makeAsyncIterator()
            try await db.transaction { _ in try await db.transaction { n in n.recordsPushesDue() } }
            #expect(await signals.next() != nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func concurrentTransactionsDoNotLoseUpdates(_ engine: Engine) async throws {
        try await withDatabase(engine) { db, t in
            let table = t("counter")
            try await db.transaction { c in
                try await c.query("CREATE TABLE \(table) (id BIGINT PRIMARY KEY, n BIGINT NOT NULL, m BIGINT NOT NULL)")
                try await c.query("INSERT INTO \(table) (id, n, m) VALUES (1, 0, 0)")
            }
            let lock = db.dialect == .postgres ? " FOR UPDATE" : ""
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<50 {
                    // Read-modify-write: only correct if transactions don't interleave (SQLite) or
                    // the row is locked (PostgreSQL's FOR UPDATE).
                    group.addTask {
                        try await db.transaction { c in
                            let rows = try await c.query("SELECT n FROM \(table) WHERE id = 1\(lock)")
                            let n = try #require(rows.first?.int(0))
                            await Task.yield()
                            try await c.query("UPDATE \(table) SET n = $1 WHERE id = 1", [.integer(n + 1)])
                        }
                    }
                    group.addTask {
                        _ = try await db.transaction { c in try await c.query("UPDATE \(table) SET m = m + 1 WHERE id = 1") }
                    }
                    group.addTask {
                        _ = try await db.read { c in try await c.query("SELECT n FROM \(table) WHERE id = 1") }
                    }
                }
                try await group.waitForAll()
            }
            let final = try await db.read { c in try await c.query("SELECT n, m FROM \(table) WHERE id = 1") }
            #expect(final.first?.values == [.integer(50), .integer(50)])
        }
    }

    @Test(arguments: Engine.allCases)
    func constraintViolationsAreClassified(_ engine: Engine) async throws {
        try await withDatabase(engine) { db, t in
            let parent = t("accounts")
            let child = t("devices")
            try await db.transaction { c in
                try await c.query("CREATE TABLE \(parent) (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE, age BIGINT CHECK (age >= 0))")
                try await c.query("CREATE TABLE \(child) (id BIGINT PRIMARY KEY, account BIGINT NOT NULL REFERENCES \(parent)(id))")
                try await c.query("INSERT INTO \(parent) (id, email) VALUES (1, 'a@example.com')")
            }
            let insert = "INSERT INTO \(parent) (id, email, age) VALUES ($1, $2, $3)"

            let primaryKey = await queryError { try await db.transaction { c in try await c.query(insert, [.integer(1), .text("b@example.com"), .null]) } }
            #expect(primaryKey?.isUniqueViolation == true)
            #expect(primaryKey?.isSerializationFailure == false)

            let unique = await queryError { try await db.transaction { c in try await c.query(insert, [.integer(2), .text("a@example.com"), .null]) } }
            #expect(unique?.isUniqueViolation == true)
            #expect(unique?.dialect == db.dialect)
            if db.dialect == .postgres {
                #expect(unique?.code == "23505")
                #expect(unique?.description.contains("SQLSTATE 23505") == true)
                #expect(unique?.description.contains("duplicate key") == true)
                #expect(unique?.constraint != nil)
            } else {
                #expect(unique?.description.contains("UNIQUE constraint failed") == true)
            }

            let notNull = await queryError { try await db.transaction { c in try await c.query(insert, [.integer(3), .null, .null]) } }
            #expect(notNull?.kind == .notNullViolation)
            let check = await queryError { try await db.transaction { c in try await c.query(insert, [.integer(4), .text("c@example.com"), .integer(-1)]) } }
            #expect(check?.kind == .checkViolation)
            let foreignKey = await queryError {
                _ = try await db.transaction { c in try await c.query("INSERT INTO \(child) (id, account) VALUES (1, 99)") }
            }
            #expect(foreignKey?.kind == .foreignKeyViolation)
            let syntax = await queryError { try await db.read { c in try await c.query("SELEKT 1") } }
            #expect(syntax?.kind == .other)
            #expect(syntax?.isUniqueViolation == false)
            // Outside a transaction (read) too.
            let fromRead = await queryError { try await db.read { c in try await c.query("SELECT * FROM \(t("missing"))") } }
            #expect(fromRead?.kind == .other)
        }
    }

    @Test(arguments: Engine.allCases)
    func cancelledTransactionRollsBackAndFreesTheConnection(_ engine: Engine) async throws {
        try await withDatabase(engine) { db, t in
            let table = t("cancel")
            _ = try await db.transaction { c in try await c.query("CREATE TABLE \(table) (id BIGINT PRIMARY KEY)") }
            let started = AsyncStream<Void>.makeStream()
            let task = Task {
                try await db.transaction { c in
                    try await c.query("INSERT INTO \(table) VALUES (1)")
                    started.continuation.yield()
                    try await Task.sleep(for: .seconds(60))
                }
            }
            for await _ in started.stream { break }
            task.cancel()
            let result = await task.result
            #expect(throws: CancellationError.self) { try result.get() }
            // Rolled back, and the next transaction runs.
            _ = try await db.transaction { c in try await c.query("INSERT INTO \(table) VALUES (2)") }
            let ids = try await db.read { c in try await c.query("SELECT id FROM \(table) ORDER BY id") }
            #expect(ids.map { $0.int(0) } == [2])
        }
    }
}

// MARK: - SQLite specifics

@Suite("SQLite")
struct SQLiteDatabaseTests {
    @Test func memoryDatabase() async throws {
        let url = try DatabaseURL(parsing: "sqlite::memory:")
        #expect(url == .sqliteMemory)
        let db = try await DatabaseURL.open(url, logger: TestDatabase.logger)
        #expect(db.dialect == .sqlite)
        do {
            try await db.run() // returns at once
            try await db.transaction { c in
                try await c.query("CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)")
                try await c.query("INSERT INTO kv VALUES ($1, $2)", [.text("n"), .integer(0)])
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        try await db.transaction { c in
                            let n = try #require(try await c.query("SELECT v FROM kv WHERE k = 'n'").first?.int(0))
                            await Task.yield()
                            try await c.query("UPDATE kv SET v = $1 WHERE k = 'n'", [.integer(n + 1)])
                        }
                    }
                    group.addTask { _ = try await db.read { c in try await c.query("SELECT v FROM kv") } }
                }
                try await group.waitForAll()
            }
            let n = try await db.read { c in try await c.query("SELECT v FROM kv WHERE k = $1", [.text("n")]) }
            #expect(n.first?.int(0) == 30)
            // A transaction inside a read of the one connection is an error, not a deadlock.
            await #expect(throws: DatabaseError.self) { try await db.read { _ in try await db.transaction { _ in } } }
            // One connection: a read inside a transaction runs inside it…
            try await db.transaction { c in
                try await c.query("UPDATE kv SET v = 100")
                let inside = try await db.read { r in try await r.query("SELECT v FROM kv") }
                #expect(inside.first?.int(0) == 100)
                // …and a nested transaction joins it (a savepoint), not a deadlock.
                _ = try await db.transaction { n in try await n.query("UPDATE kv SET v = 101") }
                #expect(try await c.query("SELECT v FROM kv").first?.int(0) == 101)
                throw ExpectedFailure()
            }
        } catch is ExpectedFailure {
            let v = try await db.read { c in try await c.query("SELECT v FROM kv") }
            #expect(v.first?.int(0) == 30)
        } catch {
            try await db.shutdown()
            throw error
        }
        try await db.shutdown()
        await #expect(throws: DatabaseError.self) { try await db.read { c in try await c.query("SELECT 1") } }
        try await db.shutdown() // idempotent
    }

    @Test func fileDatabaseSetupAndGuards() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("passline-db-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a/b/registry.sqlite").path
        let db = try await DatabaseURL.open(try DatabaseURL(parsing: "sqlite:\(path)"), logger: TestDatabase.logger)
        #expect(FileManager.default.fileExists(atPath: path))
        let sqlite = try #require(db as? SQLiteDatabase)
        #expect(sqlite.storage == .file(path: path))
        do {
            let pragmas = try await db.transaction { c in
                [
                    try await c.query("PRAGMA journal_mode").first?.text(0),
                    try await c.query("PRAGMA synchronous").first?.text(0),
                    try await c.query("PRAGMA foreign_keys").first?.text(0),
                    try await c.query("PRAGMA busy_timeout").first?.text(0),
                ]
            }
            #expect(pragmas == ["wal", "1", "1", "5000"])
            _ = try await db.transaction { c in try await c.query("CREATE TABLE x (id INTEGER PRIMARY KEY)") }
            // Readers are read-only.
            await #expect(throws: DatabaseQueryError.self) { try await db.read { c in try await c.query("INSERT INTO x VALUES (1)") } }
            // A nested transaction joins the outer one, not a deadlock.
            _ = try await db.transaction { _ in try await db.transaction { c in try await c.query("INSERT INTO x VALUES (7)") } }
            #expect(try await db.read { c in try await c.query("SELECT COUNT(*) FROM x") }.first?.int(0) == 1)
            _ = try await db.transaction { c in try await c.query("DELETE FROM x") }
            // A Task {} started in a body inherits its context, but once the body is over its
            // transactions just take their turn.
            let (bodyDone, signal) = AsyncStream<Void>.makeStream()
            let later = try await db.transaction { _ in
                Task {
                    for await _ in bodyDone { break }
                    return try await db.transaction { c in try await c.query("SELECT COUNT(*) FROM x") }.first?.int(0)
                }
            }
            signal.yield()
            #expect(try await later.value == 0)
            // Reads may run inside a transaction (in it).
            try await db.transaction { _ in _ = try await db.read { c in try await c.query("SELECT COUNT(*) FROM x") } }
        } catch {
            try await db.shutdown()
            throw error
        }
        try await db.shutdown()
        await #expect(throws: DatabaseError.self) { try await db.transaction { c in try await c.query("SELECT 1") } }
        await #expect(throws: DatabaseError.self) { try await db.read { c in try await c.query("SELECT 1") } }

        // Data persists across opens.
        let again = try await DatabaseURL.open(.sqlite(path: path), logger: TestDatabase.logger)
        let tables = try await again.read { c in try await c.query("SELECT name FROM sqlite_master WHERE type = 'table'") }
        try await again.shutdown()
        #expect(tables.map { $0.text(0) } == ["x"])
    }

    @Test func relativePathsResolveAgainstTheCurrentDirectory() {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(DatabaseURL.absolutePath("./data/passline.sqlite") == cwd + "/data/passline.sqlite")
        #expect(DatabaseURL.absolutePath("data/x.sqlite") == cwd + "/data/x.sqlite")
        #expect(DatabaseURL.absolutePath("/abs/x.sqlite") == "/abs/x.sqlite")
    }

    @Test func placeholderRewriting() throws {
        #expect(try SQLiteSQL.prepare("SELECT 1") == ("SELECT 1", 0))
        #expect(try SQLiteSQL.prepare("SELECT $1, $2,$10").sql == "SELECT ?1, ?2,?10")
        #expect(try SQLiteSQL.prepare("SELECT $2 + $1").sql == "SELECT ?2 + ?1")
        #expect(try SQLiteSQL.prepare("SELECT '$1', \"$2\", `$3`, [$4], $5").sql == "SELECT '$1', \"$2\", `$3`, [$4], ?5")
        #expect(try SQLiteSQL.prepare("SELECT 'it''s $1' || $1").sql == "SELECT 'it''s $1' || ?1")
        #expect(try SQLiteSQL.prepare("SELECT a$1, $1a FROM t -- $1\n WHERE x = $1 /* $2 */").sql == "SELECT a$1, $1a FROM t -- $1\n WHERE x = ?1 /* $2 */")
        #expect(try SQLiteSQL.prepare("SELECT ü$1, $1ü").sql == "SELECT ü$1, $1ü")
        #expect(try SQLiteSQL.prepare("SELECT $1; ").sql == "SELECT ?1; ")
        #expect(try SQLiteSQL.prepare("SELECT 1; -- done\n/* really */;").sql == "SELECT 1; -- done\n/* really */;")
        #expect(try SQLiteSQL.prepare("SELECT $2 + $10 + $1").highestPlaceholder == 10)
        #expect(try SQLiteSQL.prepare("SELECT '$3', $1").highestPlaceholder == 1)
        #expect(throws: DatabaseError.self) { try SQLiteSQL.prepare("SELECT 1; SELECT 2") }
        #expect(throws: DatabaseError.self) { try SQLiteSQL.prepare("DELETE FROM t; DROP TABLE t") }
        #expect(try SQLiteSQL.prepare("SELECT ';' AS semi").sql == "SELECT ';' AS semi")
    }
}

// MARK: - PostgreSQL specifics

@Suite("PostgreSQL")
struct PostgresDatabaseTests {
    @Test func decodesColumnTypes() async throws {
        try await withPostgres { db in
            let row = try #require(try await db.read { c in
                try await c.query("""
                    SELECT true AS yes, false AS no, 7::int2 AS small, 8::int4 AS medium, 9::int8 AS large, 26::oid AS an_oid,
                           1.5::float4 AS single, 2.25::float8 AS double, 12345.678::numeric AS num, (-0.0001)::numeric AS tiny,
                           1e20::numeric AS huge, 'NaN'::numeric AS nan, 0::numeric AS zero,
                           'a'::varchar AS vc, 'b'::char(3) AS bp, 'c'::name AS nm, '{"k": [1, 2]}'::json AS js, '{"k": 1}'::jsonb AS jsb,
                           'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid AS id,
                           '2024-05-06 07:08:09.123456+00'::timestamptz AS ts, '1999-12-31 23:59:59+00'::timestamptz AS old_ts,
                           '2024-05-06 07:08:09'::timestamp AS local_ts, '2024-02-29'::date AS day, '1960-01-01'::date AS old_day,
                           '13:14:15.5'::time AS tm, 'infinity'::timestamptz AS forever,
                           '\\x00ff10'::bytea AS bytes, NULL::int4 AS nothing
                    """)
            }.first)
            let expected: [String: SQLValue] = [
                "yes": .integer(1), "no": .integer(0), "small": .integer(7), "medium": .integer(8), "large": .integer(9), "an_oid": .integer(26),
                "single": .double(1.5), "double": .double(2.25), "num": .double(12345.678), "tiny": .double(-0.0001),
                "huge": .double(1e20), "zero": .double(0),
                "vc": .text("a"), "bp": .text("b  "), "nm": .text("c"), "js": .text("{\"k\": [1, 2]}"), "jsb": .text("{\"k\": 1}"),
                "id": .text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                "ts": .text("2024-05-06T07:08:09.123456Z"), "old_ts": .text("1999-12-31T23:59:59Z"),
                "local_ts": .text("2024-05-06T07:08:09"), "day": .text("2024-02-29"), "old_day": .text("1960-01-01"),
                "tm": .text("13:14:15.5"), "forever": .text("infinity"),
                "bytes": .blob([0, 0xFF, 0x10]), "nothing": .null,
            ]
            for (column, value) in expected {
                #expect(row[column] == value, "\(column)")
            }
            if case .double(let nan) = row["nan"] { #expect(nan.isNaN) } else { Issue.record("nan: \(row["nan"])") }
        }
    }

    @Test func swallowedStatementErrorFailsTheCommit() async throws {
        try await withPostgres { db in
            let table = TableNames()("swallow")
            _ = try await db.transaction { c in try await c.query("CREATE TABLE \(table) (id BIGINT PRIMARY KEY)") }
            let error = await queryError {
                try await db.transaction { c in
                    try await c.query("INSERT INTO \(table) VALUES (1)")
                    _ = try? await c.query("INSERT INTO \(table) VALUES (1)") // fails; the transaction is now aborted
                }
            }
            #expect(error?.code == "25P02")
            let count = try await db.read { c in try await c.query("SELECT COUNT(*) FROM \(table)") }
            #expect(count.first?.int(0) == 0)
            _ = try await db.transaction { c in try await c.query("DROP TABLE \(table)") }
        }
    }

    @Test func unreachableServer() async throws {
        // Nothing listens on port 1 of loopback: connections are refused at once.
        let settings = PostgresSettings(host: "127.0.0.1", port: 1, username: "u", password: "Hunter2Secret", database: "d")
        let db = PostgresDatabase(settings: settings, maxConnections: 1, logger: postgresTestLogger)
        // checkConnection fails fast, naming the server but not the password.
        do {
            try await db.checkConnection()
            Issue.record("connected to a closed port")
        } catch let error as DatabaseError {
            #expect(error.description.contains("127.0.0.1:1"))
            #expect(!error.description.contains("Hunter2Secret"))
        }
        // The pool keeps retrying, so a query waits; cancelling it gives CancellationError.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await db.run() }
            let task = Task { try await db.read { c in try await c.query("SELECT 1") } }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            group.cancelAll()
        }
        try await db.shutdown()
    }

    @Test func checkConnectionAgainstTheTestServer() async throws {
        try await withPostgres { db in
            try await db.checkConnection()
            var wrong = db.settings
            wrong.database = "no_such_database_\(UUID().uuidString.prefix(8).lowercased())"
            let error = await queryError { try await PostgresDatabase(settings: wrong, logger: TestDatabase.logger).checkConnection() }
            #expect(error?.code == "3D000") // invalid_catalog_name
        }
    }
}

// MARK: - URLs

@Suite("DatabaseURL")
struct DatabaseURLTests {
    @Test func sqliteURLs() throws {
        #expect(try DatabaseURL(parsing: "sqlite:./data/passline.sqlite") == .sqlite(path: "./data/passline.sqlite"))
        #expect(try DatabaseURL(parsing: "sqlite:/abs/path.sqlite") == .sqlite(path: "/abs/path.sqlite"))
        #expect(try DatabaseURL(parsing: "sqlite:///abs/path.sqlite") == .sqlite(path: "/abs/path.sqlite"))
        #expect(try DatabaseURL(parsing: "sqlite:relative.sqlite") == .sqlite(path: "relative.sqlite"))
        #expect(try DatabaseURL(parsing: "sqlite::memory:") == .sqliteMemory)
        #expect(try DatabaseURL(parsing: "  sqlite::memory:\n") == .sqliteMemory)
        #expect(try DatabaseURL(parsing: "sqlite:./x.sqlite").dialect == .sqlite)
        #expect("\(try DatabaseURL(parsing: "sqlite:./x.sqlite"))" == "sqlite:./x.sqlite")
        #expect("\(DatabaseURL.sqliteMemory)" == "sqlite::memory:")
    }

    @Test func postgresURLs() throws {
        #expect(try DatabaseURL(parsing: "postgres://user:pass@host:5432/dbname")
            == .postgres(PostgresSettings(host: "host", port: 5432, username: "user", password: "pass", database: "dbname", tls: false)))
        #expect(try DatabaseURL(parsing: "postgresql://app@db.example.com/registry")
            == .postgres(PostgresSettings(host: "db.example.com", port: 5432, username: "app", password: nil, database: "registry", tls: false)))
        #expect(try DatabaseURL(parsing: "postgres://us%40er:p%40ss%3Aw%2Fd%20%E2%9C%93@h:6543/d?sslmode=require")
            == .postgres(PostgresSettings(host: "h", port: 6543, username: "us@er", password: "p@ss:w/d ✓", database: "d", tls: true)))
        #expect(try DatabaseURL(parsing: "postgres://u:p@h/db?sslmode=disable")
            == .postgres(PostgresSettings(host: "h", username: "u", password: "p", database: "db", tls: false)))
        #expect(try DatabaseURL(parsing: "POSTGRES://u:@[::1]:5433/db")
            == .postgres(PostgresSettings(host: "::1", port: 5433, username: "u", password: "", database: "db")))
        // A raw "@" or "/" in the password still parses (the last "@" ends the credentials).
        #expect(try DatabaseURL(parsing: "postgres://u:p@s/s@h/db")
            == .postgres(PostgresSettings(host: "h", username: "u", password: "p@s/s", database: "db")))
        #expect(try DatabaseURL(parsing: "postgres://u:p@h/db").dialect == .postgres)
    }

    static let password = "Hunter2Secret"

    @Test(arguments: [
        "",
        "mysql://u:Hunter2Secret@h/db",
        "http://u:Hunter2Secret@h/db",
        "Hunter2Secret",
        "sqlite:",
        "sqlite://relative/Hunter2Secret",
        "postgres://h/db",
        "postgres://:Hunter2Secret@h/db",
        "postgres://u:Hunter2Secret@h:99999/db",
        "postgres://u:Hunter2Secret@h:abc/db",
        "postgres://u:Hunter2Secret@h:0/db",
        "postgres://u:Hunter2Secret@h",
        "postgres://u:Hunter2Secret@h/",
        "postgres://u:Hunter2Secret@/db",
        "postgres://u:Hunter2Secret@[::1/db",
        "postgres://u:Hunter2Secret@h/db?sslmode=verify-full",
        "postgres://u:Hunter2Secret@h/db?sslmode=Hunter2Secret",
        "postgres://u:Hunter2Secret@h/db?foo=bar",
        "postgres://u:%zzHunter2Secret@h/db",
        "postgres:u:Hunter2Secret@h/db",
    ])
    func invalidURLsAreRejectedWithoutThePassword(_ input: String) throws {
        do {
            let url = try DatabaseURL(parsing: input)
            Issue.record("parsed as \(url)")
        } catch {
            #expect(!error.description.isEmpty)
            if input.contains("sslmode=Hunter2Secret") {
                #expect(error.description.contains("sslmode")) // names the bad parameter (its value is not a password)
            } else {
                #expect(!error.description.contains(Self.password), "\(error.description)")
            }
        }
    }

    @Test func errorsNameTheProblem() {
        func message(_ input: String) -> String {
            do { _ = try DatabaseURL(parsing: input); return "" } catch { return error.description }
        }
        #expect(message("mysql://u:p@h/db").contains("scheme"))
        #expect(message("postgres://u:p@h:99999/db").contains("port"))
        #expect(message("postgres://u:p@h").contains("database"))
        #expect(message("postgres://h/db").contains("user"))
        #expect(message("postgres://u:p@h/db?sslmode=verify-full").contains("sslmode"))
        #expect(message("postgres://u:p@h/db?foo=bar").contains("foo"))
        #expect(message("sqlite:").contains("path"))
    }

    @Test func descriptionsNeverContainThePassword() throws {
        let url = try DatabaseURL(parsing: "postgres://user:\(Self.password)@host:5432/dbname?sslmode=require")
        guard case .postgres(let settings) = url else { Issue.record("not postgres"); return }
        #expect(settings.password == Self.password)
        var dumped = ""
        dump(url, to: &dumped)
        var dumpedSettings = ""
        dump(settings, to: &dumpedSettings)
        for text in ["\(url)", String(reflecting: url), "\(settings)", String(reflecting: settings), dumped, dumpedSettings, "\([url])"] {
            #expect(!text.contains(Self.password), "\(text)")
        }
        #expect("\(url)" == "postgres://user:***@host:5432/dbname?sslmode=require")
        let noPassword = try DatabaseURL(parsing: "postgres://user@host/db")
        #expect("\(noPassword)" == "postgres://user@host:5432/db?sslmode=disable")
    }
}

// MARK: - The gate

fileprivate actor Recorder {
    var values: [Int] = []
    var active = 0
    var maxActive = 0
    func append(_ value: Int) { values.append(value) }
    func enter() { active += 1; maxActive = max(maxActive, active) }
    func leave() { active -= 1 }
}

@Suite("AsyncSerialGate")
struct AsyncSerialGateTests {
    func waitUntil(_ gate: AsyncSerialGate, waiting count: Int) async throws {
        for _ in 0..<5000 where await gate.waitingCount < count { try await Task.sleep(for: .milliseconds(1)) }
        #expect(await gate.waitingCount == count)
    }

    @Test func firstComeFirstServed() async throws {
        let gate = AsyncSerialGate()
        let recorder = Recorder()
        try await gate.acquire()
        var tasks: [Task<Void, any Error>] = []
        for i in 0..<20 {
            tasks.append(Task { try await gate.withExclusiveAccess { await recorder.append(i) } })
            try await waitUntil(gate, waiting: i + 1)
        }
        await gate.release()
        for task in tasks { try await task.value }
        #expect(await recorder.values == Array(0..<20))
        #expect(await gate.isLocked == false)
    }

    @Test func oneAtATime() async throws {
        let gate = AsyncSerialGate()
        let recorder = Recorder()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    try await gate.withExclusiveAccess {
                        await recorder.enter()
                        await Task.yield()
                        await recorder.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await recorder.maxActive == 1)
    }

    @Test func cancelledWaitersLeaveTheQueue() async throws {
        let gate = AsyncSerialGate()
        let recorder = Recorder()
        try await gate.acquire()
        let first = Task { try await gate.withExclusiveAccess { await recorder.append(1) } }
        try await waitUntil(gate, waiting: 1)
        let second = Task { try await gate.withExclusiveAccess { await recorder.append(2) } }
        try await waitUntil(gate, waiting: 2)
        let third = Task { try await gate.withExclusiveAccess { await recorder.append(3) } }
        try await waitUntil(gate, waiting: 3)

        second.cancel()
        await #expect(throws: CancellationError.self) { try await second.value }
        try await waitUntil(gate, waiting: 2)

        // Cancelled before asking: throws at once, never queues.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await gate.withExclusiveAccess { await recorder.append(4) }
        }
        await #expect(throws: CancellationError.self) { try await early.value }

        await gate.release()
        try await first.value
        try await third.value
        #expect(await recorder.values == [1, 3])
        #expect(await gate.isLocked == false)
    }

    @Test func closeFailsWaitersAndLaterCallers() async throws {
        let gate = AsyncSerialGate()
        try await gate.acquire()
        let waiter = Task { try await gate.withExclusiveAccess {} }
        try await waitUntil(gate, waiting: 1)
        await gate.close(error: DatabaseError("closed"))
        await #expect(throws: DatabaseError.self) { try await waiter.value }
        await #expect(throws: DatabaseError.self) { try await gate.acquire() }
        await gate.release()
    }
}

/// Records what ran, in order, from any task.
fileprivate final class EventLog: Sendable {
    private let state = Mutex<[String]>([])
    func add(_ item: String) { state.withLock { $0.append(item) } }
    var items: [String] { state.withLock { $0 } }
}
