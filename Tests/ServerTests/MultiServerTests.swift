import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// Several servers on one PostgreSQL database: migrations race safely, and what one writes the other serves.
@Suite struct MultiServerTests {
    /// Two live servers on one fresh PostgreSQL database, started at once (so their migrations race).
    static func twoServers(
        _ body: @Sendable @escaping (_ one: PasslineServer, _ c1: any TestClientProtocol, _ two: PasslineServer, _ c2: any TestClientProtocol, _ dir: URL) async throws -> Void
    ) async throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try await TestEnvironment.databaseURL(.postgres, in: dir)
        let config = TestServer.configuration(dataDirectory: dir, databaseURL: url)
        let logger = TestEnvironment.logger
        try await PasslineServer.withDatabase(url: url, logger: logger) { db1 in
            try await PasslineServer.withDatabase(url: url, logger: logger) { db2 in
                // Both start at once: the advisory lock lets exactly one apply each migration.
                async let a = PasslineServer.prepare(configuration: config, database: db1, logger: logger)
                async let b = PasslineServer.prepare(configuration: config, database: db2, logger: logger)
                let (one, two) = try await (a, b)
                try await one.application(logger: logger).test(.live) { c1 in
                    try await two.application(logger: logger).test(.live) { c2 in
                        try await body(one, c1, two, c2, dir)
                    }
                }
            }
        }
    }

    @Test func twoServersShareOnePostgres() async throws {
        try await Self.twoServers { one, c1, two, c2, dir in
            let versions = try await one.database.read { try await $0.query("SELECT COUNT(*) FROM schema_migrations") }
            #expect(versions.first?.int(0) == Int64(Migrations.latestVersion))
            let s1 = TestServer(server: one, dataDirectory: dir)
            let serial = try await s1.createPass(c1)
            let reg = try await c2.execute(
                uri: "/v1/devices/d/registrations/\(s1.passType)/\(serial)", method: .post, headers: s1.appleAuth(serial),
                body: ByteBuffer(string: #"{"pushToken":"\#(pushTokenA)"}"#))
            #expect(reg.status == .created)
            let serials = try await c1.execute(uri: "/v1/devices/d/registrations/\(s1.passType)", method: .get)
            #expect(serials.json?["serialNumbers"] == .array([.string(serial)]))
            // Concurrent updates through both servers: tags stay unique and ordered per commit.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<20 {
                    let client: any TestClientProtocol = i % 2 == 0 ? c1 : c2
                    group.addTask {
                        let r = try await client.execute(uri: "/api/v1/passes/\(serial)", method: .patch, headers: s1.adminAuth, body: ByteBuffer(string: #"{"values":{"points":\#(i)}}"#))
                        #expect(r.status == .ok)
                    }
                }
                try await group.waitForAll()
            }
            let record = try #require(try await one.service.store.pass(passTypeIdentifier: s1.passType, serialNumber: serial))
            #expect(record.updateTag == 21, "1 create + 20 updates, one tag each")
        }
    }

    /// Each server caches pass versions; a change committed through one must be served by the
    /// other (NOTIFY from the trigger on passes), never the version it had cached.
    @Test func aChangeThroughOneServerIsServedByTheOther() async throws {
        try await Self.twoServers { one, c1, two, c2, dir in
            let s1 = TestServer(server: one, dataDirectory: dir)
            let serial = try await s1.createPass(c1)
            // Server one listens (its cache is live) once LISTEN has taken effect.
            let epoch = one.database.versions
            for _ in 0..<500 where epoch.current == nil { try await Task.sleep(for: .milliseconds(10)) }
            try #require(epoch.current != nil, "server one never started listening for version changes")
            let uri = "/v1/passes/\(s1.passType)/\(serial)"
            let before = try await c1.execute(uri: uri, method: .get, headers: s1.appleAuth(serial))
            let again = try await c1.execute(uri: uri, method: .get, headers: s1.appleAuth(serial))
            #expect(before.status == .ok && again.headers[.eTag] == before.headers[.eTag])
            let seen = try #require(epoch.current)

            let patch = try await c2.execute(
                uri: "/api/v1/passes/\(serial)", method: .patch, headers: s1.adminAuth, body: ByteBuffer(string: #"{"values":{"points":42}}"#))
            #expect(patch.status == .ok)
            // Server one hears of the commit (NOTIFY is delivered after it) …
            for _ in 0..<500 where epoch.current == seen { try await Task.sleep(for: .milliseconds(10)) }
            try #require(epoch.current != seen, "server one never heard of server two's change")
            // … and serves the new version, not the one it had cached.
            let after = try await c1.execute(uri: uri, method: .get, headers: s1.appleAuth(serial))
            #expect(after.status == .ok)
            #expect(after.headers[.eTag] != before.headers[.eTag])
            let record = try #require(try await one.service.store.pass(passTypeIdentifier: s1.passType, serialNumber: serial))
            #expect(after.headers[.eTag] == "\"\(record.updateTag)\"")
        }
    }
}
