import ArgumentParser
import Foundation
import Logging
import Server
import Storage

/// `passline backup --out FILE`: a consistent copy of the SQLite database, taken while the server
/// keeps serving (SQLite's `VACUUM INTO` reads one snapshot). PostgreSQL has pg_dump.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the SQLite database consistently while the server runs (PostgreSQL: use pg_dump).",
        discussion: """
            The copy is made private (0600) and is a complete database: restore it by stopping the server and putting it in \
            place of the database file. Keep the data directory's secret with it: passes in wallets authenticate with tokens \
            derived from it. See docs/deployment.md, "Backups".
            """)

    @Option(help: "Where to write the copy (must not exist).")
    var out: String

    @Option(help: "Database URL (default: PASSLINE_DATABASE_URL).")
    var database: String?

    func run() async throws {
        var config: ServerConfiguration
        do { config = try ServerConfiguration.load() } catch { throw fail(error.description) }
        if let database { config.databaseURL = database }
        let url: DatabaseURL
        do { url = try DatabaseURL(parsing: config.databaseURL) } catch { throw fail(error.description) }
        guard case .sqlite = url else {
            throw fail("passline backup copies a SQLite database; for \(url) use pg_dump (docs/deployment.md, \"Backups\")")
        }
        let target = URL(fileURLWithPath: out).standardizedFileURL.path
        guard !FileManager.default.fileExists(atPath: target) else { throw fail("\(out) exists: choose a new file") }
        var logger = Logger(label: "passline")
        logger.logLevel = .warning
        // Private from its first byte: VACUUM INTO creates the file with the process's umask.
        let previous = umask(0o077)
        defer { umask(previous) }
        do {
            try await PasslineServer.withDatabase(url: config.databaseURL, logger: logger) { db in
                guard let sqlite = db as? SQLiteDatabase else { throw DatabaseError("not a SQLite database") }
                try await sqlite.backup(to: target)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: target)
            throw fail("backup failed: \(error)")
        }
        say("backed up \(config.databaseURL) to \(target)")
    }
}
