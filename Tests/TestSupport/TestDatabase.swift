import Foundation
import Logging
import Storage
import Testing

/// The one database fixture: a fresh, empty database of an engine. PostgreSQL comes from the
/// throwaway cluster that scripts/with-postgres.sh starts and names in PASSLINE_TEST_POSTGRES_URL
/// (scripts/test.sh does); without it a PostgreSQL case fails, it never skips.
package enum TestDatabase {
    package static let variable = "PASSLINE_TEST_POSTGRES_URL"

    package static let logger: Logger = {
        var l = Logger(label: "passline.tests")
        l.logLevel = .warning
        return l
    }()

    /// For the databases the fixture opens: PostgresClient warns when a query asks for a
    /// connection before `run()` has started, which the fixture does on purpose (the query waits).
    static let databaseLogger: Logger = {
        var l = Logger(label: "passline.tests.database")
        l.logLevel = .error
        return l
    }()

    /// The throwaway cluster's URL, or a recorded failure that says how to start it.
    package static func postgresURL(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard let raw = ProcessInfo.processInfo.environment[variable], !raw.isEmpty else {
            Issue.record(
                "\(variable) is not set, so the PostgreSQL cases cannot run: run the tests through scripts/test.sh or scripts/with-postgres.sh, which start a throwaway PostgreSQL",
                sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return raw
    }

    /// The URL of a fresh, empty database of `engine`: a file in `directory` for SQLite, a new
    /// database on the throwaway cluster for PostgreSQL.
    package static func freshURL(_ engine: Engine, in directory: URL, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        switch engine {
        case .sqlite:
            return "sqlite:\(directory.appendingPathComponent("passline.sqlite").path)"
        case .postgres:
            let base = try postgresURL(sourceLocation: sourceLocation)
            let name = "t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20))"
            try await running(try await DatabaseURL.open(try DatabaseURL(parsing: base), logger: databaseLogger)) { db in
                _ = try await db.read { try await $0.query("CREATE DATABASE \(name)") }
            }
            guard let slash = base.lastIndex(of: "/") else { throw DatabaseError("\(variable) has no database path") }
            return String(base[...slash]) + name
        }
    }

    /// Runs `body` on a fresh database of `engine`, migrated unless `migrated` is false, then
    /// shuts it down and removes its files.
    package static func with(
        _ engine: Engine, migrated: Bool = true, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: @Sendable (any Database) async throws -> Void
    ) async throws {
        let directory = try Scratch.directory("passline-db")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try DatabaseURL(parsing: try await freshURL(engine, in: directory, sourceLocation: sourceLocation))
        try await running(try await DatabaseURL.open(url, logger: databaseLogger)) { db in
            if migrated { try await Migrations.run(on: db) }
            try await body(db)
        }
    }

    /// Runs `body` while `db` runs, then shuts it down (also when `body` throws).
    package static func running(_ db: any Database, _ body: @Sendable (any Database) async throws -> Void) async throws {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await db.run() }
                defer { group.cancelAll() }
                try await body(db)
            }
        } catch {
            try? await db.shutdown()
            throw error
        }
        try await db.shutdown()
    }
}

/// Fresh folders under the system's temporary directory.
package enum Scratch {
    package static func directory(_ label: String = "passline-tests") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
