import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PassBuilder
import Storage
import Testing

@testable import Server

/// The two storage engines every server test runs on.
enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

enum TestEnvironment {
    /// The repository root, from this file's path.
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let logger: Logger = {
        var l = Logger(label: "test")
        l.logLevel = .warning
        return l
    }()

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("passline-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A development PKI shared by all tests of the run (RSA key generation is slow).
    static let pkiDirectory: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("passline-server-pki-\(getpid())").path
        try! DevelopmentPKI.ensure(in: dir)
        return dir
    }()

    /// A fresh, empty database of the engine, as a URL. PostgreSQL needs the throwaway cluster
    /// that scripts/with-postgres.sh starts (scripts/test.sh does); without it the test fails.
    static func databaseURL(_ engine: Engine, in dir: URL) async throws -> String {
        switch engine {
        case .sqlite:
            return "sqlite:\(dir.appendingPathComponent("passline.sqlite").path)"
        case .postgres:
            guard let base = ProcessInfo.processInfo.environment["PASSLINE_TEST_POSTGRES_URL"] else {
                Issue.record("PASSLINE_TEST_POSTGRES_URL is not set: run the tests through scripts/test.sh, which starts a throwaway PostgreSQL")
                throw CancellationError()
            }
            let name = "t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20))"
            _ = try await PasslineServer.withDatabase(url: base, logger: logger) { db in
                try await db.read { try await $0.query("CREATE DATABASE \(name)") }
            }
            guard let slash = base.lastIndex(of: "/") else { throw DatabaseError("bad PASSLINE_TEST_POSTGRES_URL") }
            return String(base[...slash]) + name
        }
    }
}

/// A prepared server on a fresh database, with helpers to call it.
struct TestServer: Sendable {
    let server: PasslineServer
    let dataDirectory: URL

    var service: PassService { server.service }
    var adminAuth: HTTPFields { [.authorization: "Bearer \(server.adminToken)", .contentType: "application/json"] }
    var passType: String { service.passTypeIdentifier }

    func token(_ serial: String) -> String { service.tokens.token(passTypeIdentifier: passType, serialNumber: serial) }
    func appleAuth(_ serial: String) -> HTTPFields { [.authorization: "ApplePass \(token(serial))", .contentType: "application/json"] }

    static func configuration(dataDirectory: URL, databaseURL: String) -> ServerConfiguration {
        var c = ServerConfiguration()
        c.dataDirectory = dataDirectory.path
        c.databaseURL = databaseURL
        c.templatesDirectory = TestEnvironment.repoRoot.appendingPathComponent("PassTemplates").path
        c.publicURL = "https://passes.example.com"
        c.passCertificate = TestEnvironment.pkiDirectory + "/pass.pem"
        c.passKey = TestEnvironment.pkiDirectory + "/pass.key"
        c.wwdrCertificate = TestEnvironment.pkiDirectory + "/wwdr.pem"
        c.adminToken = "test-admin-token-0123456789"
        c.maxBodyBytes = 64 * 1024
        return c
    }

    /// Runs `body` against a live HTTP server on a fresh database of `engine`.
    static func run(
        _ engine: Engine, configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable @escaping (TestServer, any TestClientProtocol) async throws -> Void
    ) async throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try await TestEnvironment.databaseURL(engine, in: dir)
        try await run(engine, databaseURL: url, dataDirectory: dir, configure: configure, body)
    }

    /// Runs `body` against a live HTTP server on the given database and data directory (which
    /// outlive it: a second server can start on them).
    static func run(
        _ engine: Engine, databaseURL url: String, dataDirectory dir: URL, configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable @escaping (TestServer, any TestClientProtocol) async throws -> Void
    ) async throws {
        var configured = configuration(dataDirectory: dir, databaseURL: url)
        configure(&configured)
        let config = configured
        let logger = TestEnvironment.logger
        try await PasslineServer.withDatabase(url: url, logger: logger) { database in
            let server = try await PasslineServer.prepare(configuration: config, database: database, logger: logger)
            let test = TestServer(server: server, dataDirectory: dir)
            try await server.application(logger: logger).test(.live) { client in
                try await body(test, client)
            }
        }
    }

    /// Creates a pass through the API and returns its serial.
    func createPass(_ client: some TestClientProtocol, body: String = #"{"template":"loyalty"}"#) async throws -> String {
        let response = try await client.execute(uri: "/api/v1/passes", method: .post, headers: adminAuth, body: ByteBuffer(string: body))
        #expect(response.status == .created)
        let json = try JSONValue(parsing: response.body.readableBytesView)
        return try #require(json["serialNumber"]?.stringValue)
    }
}

extension TestResponse {
    var json: JSONValue? { try? JSONValue(parsing: body.readableBytesView) }
    var bytes: [UInt8] { Array(body.readableBytesView) }
}

let pushTokenA = String(repeating: "ab", count: 32)
let pushTokenB = String(repeating: "cd", count: 32)
