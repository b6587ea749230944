import APNsMock
import Foundation
import Storage
import Testing
import TestSupport

@testable import Server

/// `kill -9` in the middle of pushing, then a restart: every push still arrives.
@Suite(.serialized) struct PushCrashTests {
    static let pushes = 1_500
    static let topic = "pass.dev.passline.loyalty" // the test PKI's pass type

    static func token(_ i: Int) -> String {
        let hex = String(i, radix: 16)
        return String(repeating: "0", count: 64 - hex.count) + hex
    }

    /// A database with `pushes` pushes due, as a burst of pass changes leaves it.
    static func seed(_ url: String) async throws {
        _ = try await PasslineServer.withDatabase(url: url, logger: TestEnvironment.logger) { db in
            try await Migrations.run(on: db)
            try await db.transaction { conn in
                for start in stride(from: 0, to: pushes, by: 250) {
                    var binds: [SQLValue] = []
                    var rows: [String] = []
                    for i in start..<min(start + 250, pushes) {
                        rows.append("($\(binds.count + 1), $\(binds.count + 2), 'apple', 0)")
                        binds += [.text(token(i)), .text(topic)]
                    }
                    try await conn.query("INSERT INTO push_due (push_token, pass_type_id, client, due_at) VALUES \(rows.joined(separator: ", "))", binds)
                }
            }
        }
    }

    static func outboxCount(_ url: String) async throws -> Int {
        try await PasslineServer.withDatabase(url: url, logger: TestEnvironment.logger) { try await PushOutboxStore(database: $0).count() }
    }

    @Test(arguments: Engine.allCases)
    func aServerKilledMidwayLosesNoPush(_ engine: Engine) async throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try await TestEnvironment.databaseURL(engine, in: dir)
        try await Self.seed(url)

        let identity = try MockTLSIdentity.generate()
        let caFile = dir.appendingPathComponent("apns-ca.pem").path
        try identity.trustRootPEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        let root = try String(contentsOfFile: TestEnvironment.pkiDirectory + "/root.pem", encoding: .utf8)
        let mock = try await MockAPNs.start(MockAPNsConfiguration(identity: identity, clientCertificateAuthorityPEM: root))
        defer { Task { try? await mock.shutdown() } }

        var environment = [
            "PASSLINE_DATABASE_URL": url, "PASSLINE_DATA_DIR": dir.path, "PASSLINE_HTTP_PORT": "0",
            "PASSLINE_TEMPLATES": TestEnvironment.repoRoot.appendingPathComponent("PassTemplates").path,
            "PASSLINE_PASS_CERT": TestEnvironment.pkiDirectory + "/pass.pem", "PASSLINE_PASS_KEY": TestEnvironment.pkiDirectory + "/pass.key",
            "PASSLINE_WWDR_CERT": TestEnvironment.pkiDirectory + "/wwdr.pem", "PASSLINE_ADMIN_TOKEN": "crash-test-admin-token-0123",
            "PASSLINE_APNS_URL": mock.url, "PASSLINE_APNS_CA_FILE": caFile,
            // Slow enough to be killed midway; a short lease so the restart needn't wait a minute.
            "PASSLINE_PUSH_RATE": "300", "PASSLINE_PUSH_LEASE": "10",
        ]
        let first = try ServerProcess.launch(environment: environment, log: dir.appendingPathComponent("first.log").path)
        do {
            try await mock.waitUntil(timeout: .seconds(60), "the first pushes") { $0.accepted >= 200 }
        } catch {
            first.terminate()
            throw error
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let beforeRestart = mock.stats().accepted
        #expect(beforeRestart < Self.pushes, "killed midway (\(beforeRestart) accepted)")
        #expect(try await Self.outboxCount(url) > 0, "the outbox still holds the rest")

        environment["PASSLINE_PUSH_RATE"] = "0"
        let second = try ServerProcess.launch(environment: environment, log: dir.appendingPathComponent("second.log").path)
        defer { second.terminate(); second.waitUntilExit() }
        let deadline = ContinuousClock.now.advanced(by: .seconds(120))
        while try await Self.outboxCount(url) > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try await Self.outboxCount(url) == 0, "the restarted server drained the outbox")

        let stats = mock.stats()
        let missing = (0..<Self.pushes).map(Self.token).filter { (stats.acceptedByToken[$0] ?? 0) == 0 }
        #expect(missing.isEmpty, "\(missing.count) devices were never pushed")
        // At-least-once: only what was in flight at the kill may arrive twice.
        #expect(stats.accepted - Self.pushes < 1_000, "\(stats.accepted - Self.pushes) duplicates")
        // A connection cut by the kill mid-handshake is the only complaint the mock may have.
        let errors = stats.protocolErrors.filter { !$0.hasPrefix("TLS:") }
        #expect(errors.isEmpty, "\(errors)")
    }
}
