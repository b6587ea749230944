import Foundation
import Logging
import Testing
import TestSupport

@testable import Storage

/// The SQLite database, its WAL and shared-memory files, and the directories made for them are
/// private to the server's user, like the secrets beside them.
@Suite struct DatabaseFilePermissionTests {
    static let logger = Logger(label: "passline.tests.permissions")

    /// The file's permission bits, or -1 when it is missing.
    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int) ?? -1
    }

    static func withDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("passline-perm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    /// Opens the database, writes (so the WAL and shared memory exist), checks, closes.
    static func openAndWrite(_ path: String, _ check: () throws -> Void) async throws {
        let db = try await DatabaseURL.open(.sqlite(path: path), logger: logger)
        do {
            _ = try await db.transaction { c in try await c.query("CREATE TABLE IF NOT EXISTS x (id INTEGER PRIMARY KEY)") }
            _ = try await db.transaction { c in try await c.query("INSERT INTO x DEFAULT VALUES") }
            try check()
        } catch {
            try await db.shutdown()
            throw error
        }
        try await db.shutdown()
    }

    @Test func aNewDatabaseAndItsDirectoriesArePrivate() async throws {
        try await Self.withDirectory { directory in
            let path = directory.appendingPathComponent("data/nested/passline.sqlite").path
            try await Self.openAndWrite(path) {
                for file in [path, path + "-wal", path + "-shm"] {
                    #expect(Self.mode(file) == 0o600, "\(file)")
                }
                #expect(Self.mode(directory.appendingPathComponent("data/nested").path) == 0o700)
                #expect(Self.mode(directory.appendingPathComponent("data").path) == 0o700)
            }
        }
    }

    @Test func anExistingDatabaseIsTightenedButNotItsDirectory() async throws {
        try await Self.withDirectory { directory in
            let path = directory.appendingPathComponent("passline.sqlite").path
            try await Self.openAndWrite(path) {}
            // As an older version left them: world-readable, in a world-readable folder of the user's.
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            _ = FileManager.default.createFile(atPath: path + "-wal", contents: nil, attributes: [.posixPermissions: 0o664])
            try await Self.openAndWrite(path) {
                for file in [path, path + "-wal", path + "-shm"] {
                    #expect(Self.mode(file) == 0o600, "\(file)")
                }
                #expect(Self.mode(directory.path) == 0o755, "not our directory to change")
            }
        }
    }

    @Test func privateDirectoriesAreMadeWhereMissingOnly() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("passline-perm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o751])
        try PrivateFiles.createDirectory(base.appendingPathComponent("a/b").path)
        #expect(Self.mode(base.path) == 0o751)
        #expect(Self.mode(base.appendingPathComponent("a").path) == 0o700)
        #expect(Self.mode(base.appendingPathComponent("a/b").path) == 0o700)
        try PrivateFiles.createDirectory(base.appendingPathComponent("a/b").path) // exists: fine
        _ = FileManager.default.createFile(atPath: base.appendingPathComponent("file").path, contents: nil)
        #expect(throws: DatabaseError.self) { try PrivateFiles.createDirectory(base.appendingPathComponent("file").path) }
    }
}
