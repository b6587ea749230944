import Foundation
import Storage
import Testing
import TestSupport

/// `passline backup --out FILE`: a consistent, private copy of the SQLite database, made while a
/// server is serving it.
@Suite struct BackupTests {
    @Test func aCopyWhileServingIsCompleteAndPrivate() async throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = "sqlite:\(dir.appendingPathComponent("p.sqlite").path)"
        let environment = [
            "PASSLINE_DATABASE_URL": database, "PASSLINE_DATA_DIR": dir.path, "PASSLINE_HTTP_PORT": "0",
            "PASSLINE_TEMPLATES": TestEnvironment.repoRoot.appendingPathComponent("PassTemplates").path,
            "PASSLINE_PASS_CERT": TestEnvironment.pkiDirectory + "/pass.pem", "PASSLINE_PASS_KEY": TestEnvironment.pkiDirectory + "/pass.key",
            "PASSLINE_WWDR_CERT": TestEnvironment.pkiDirectory + "/wwdr.pem", "PASSLINE_APNS_URL": "off",
        ]
        let seeded = try Processes.passline(["dev", "seed", "--cards", "40"], in: dir.path, environment: environment)
        #expect(seeded.status == 0, "\(seeded.stderr)")
        let server = try await ServerProcess.start(environment: environment, log: dir.appendingPathComponent("serve.log").path)
        defer { server.stop() }

        let copy = dir.appendingPathComponent("backup/copy.sqlite").path
        try FileManager.default.createDirectory(atPath: dir.appendingPathComponent("backup").path, withIntermediateDirectories: true)
        let backup = try Processes.passline(["backup", "--out", copy], in: dir.path, environment: environment)
        #expect(backup.status == 0, "\(backup.stderr)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0, "the copy is private: \(String(mode, radix: 8))")

        let restored = try await DatabaseURL.open(.sqlite(path: copy), logger: TestEnvironment.logger)
        let (cards, check) = try await restored.read { db in
            (try await db.query("SELECT COUNT(*) FROM cards").first?.int(0), try await db.query("PRAGMA integrity_check").first?.text(0))
        }
        try await restored.shutdown()
        #expect(cards == 40)
        #expect(check == "ok")

        // Never over an existing file; PostgreSQL is pg_dump's job. One line each.
        let again = try Processes.passline(["backup", "--out", copy], in: dir.path, environment: environment)
        #expect(again.status == 1 && again.stderrLines.count == 1 && again.stderr.contains("exists"), "\(again.stderr)")
        let postgres = try Processes.passline(
            ["backup", "--out", dir.appendingPathComponent("pg.dump").path, "--database", "postgres://u@127.0.0.1:1/db"], in: dir.path, environment: environment)
        #expect(postgres.status == 1 && postgres.stderrLines.count == 1 && postgres.stderr.contains("pg_dump"), "\(postgres.stderr)")
    }
}
