import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PassBuilder
import Storage
import Testing

import Server

package enum TestEnvironment {
    /// The repository root.
    package static var repoRoot: URL { URL(fileURLWithPath: TestPaths.repoRoot) }

    package static var logger: Logger { TestDatabase.logger }

    package static func temporaryDirectory() throws -> URL { try Scratch.directory("passline-server") }

    /// A development PKI shared by all tests of the run (RSA key generation is slow).
    package static let pkiDirectory: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("passline-server-pki-\(getpid())").path
        try! DevelopmentPKI.ensure(in: dir)
        return dir
    }()

    /// A fresh, empty database of the engine, as a URL.
    package static func databaseURL(_ engine: Engine, in dir: URL) async throws -> String {
        try await TestDatabase.freshURL(engine, in: dir)
    }
}

/// A prepared server on a fresh database, with helpers to call it.
package struct TestServer: Sendable {
    package let server: PasslineServer
    package let dataDirectory: URL

    package init(server: PasslineServer, dataDirectory: URL) {
        self.server = server
        self.dataDirectory = dataDirectory
    }

    package var service: PassService { server.service }
    package var adminAuth: HTTPFields { [.authorization: "Bearer \(server.adminToken)", .contentType: "application/json"] }
    package var passType: String { service.passTypeIdentifier }

    package func token(_ serial: String) -> String { service.tokens.token(passTypeIdentifier: passType, serialNumber: serial) }
    package func appleAuth(_ serial: String) -> HTTPFields { [.authorization: "ApplePass \(token(serial))", .contentType: "application/json"] }

    package static func configuration(dataDirectory: URL, databaseURL: String) -> ServerConfiguration {
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
        // Reports count the figures of the moment at each request: tests read right after writing.
        c.reportCurrentMaxAge = 0
        return c
    }

    /// Runs `body` against a live HTTP server on a fresh database of `engine`.
    package static func run(
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
    package static func run(
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
    package func createPass(_ client: some TestClientProtocol, body: String = #"{"template":"loyalty"}"#) async throws -> String {
        let response = try await client.execute(uri: "/api/v1/passes", method: .post, headers: adminAuth, body: ByteBuffer(string: body))
        #expect(response.status == .created)
        let json = try JSONValue(parsing: response.body.readableBytesView)
        return try #require(json["serialNumber"]?.stringValue)
    }
}

extension TestResponse {
    package var json: JSONValue? { try? JSONValue(parsing: body.readableBytesView) }
    package var bytes: [UInt8] { Array(body.readableBytesView) }
}

package let pushTokenA = String(repeating: "ab", count: 32)
package let pushTokenB = String(repeating: "cd", count: 32)
