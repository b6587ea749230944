import ArgumentParser
import Foundation
import GoogleWalletMock
import Logging
import Distribution
import ServiceLifecycle

/// `passline dev google-mock`: the mock Google Wallet of module GoogleWalletMock as a standalone
/// server, with a service account made for it, to try Google Wallet without Google.
struct DevGoogleMock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "google-mock",
        abstract: "Run a mock Google Wallet (OAuth token endpoint, loyalty classes and objects, messages, signed callbacks).",
        discussion: """
            Writes a service account's JSON key and the callback signing keys into --dir, and prints the PASSLINE_GOOGLE_* \
            settings for the server. GET /mock/state shows the classes, objects and messages; \
            POST /mock/callbacks/{objectId}/{save|del} sends a signed callback to the server. See docs/google-wallet.md.
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port (0 picks a free one).")
    var port = 8825

    @Option(help: "Where to write the service account's key and the callback keys.")
    var dir = "./data/google-mock"

    @Option(help: "The issuer id the mock accepts.")
    var issuer = "3388000000012345678"

    func run() async throws {
        var logger = Logger(label: "passline.google-mock")
        logger.logLevel = .warning
        let account = try MockServiceAccount.generate()
        let http = CurlHTTPClient()
        let mock = GoogleWalletMockServer(wallet: MockWallet(issuerID: issuer), callbackSender: { try await http.send($0) })
        mock.with { $0.register(account) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let keyPath = URL(fileURLWithPath: dir).appendingPathComponent("service-account.json").path
        let keysPath = URL(fileURLWithPath: dir).appendingPathComponent("callback-keys.json").path
        guard FileManager.default.createFile(atPath: keyPath, contents: Data(account.keyFile), attributes: [.posixPermissions: 0o600]),
              FileManager.default.createFile(atPath: keysPath, contents: Data(mock.signer.withLock { $0.keysJSON() }))
        else { throw fail("cannot write into \(dir)") }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = mock.application(host: host, port: port, logger: logger, onServerRunning: { continuation.yield($0) })
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ports.makeAsyncIterator()
            guard let bound = await iterator.next() else { throw fail("cannot start the Google Wallet mock on \(host):\(port)") }
            let endpoints = GoogleWalletMockEndpoints(base: "http://\(host):\(bound)")
            _ = mock.with { $0.tokenAudiences.insert(endpoints.tokenURL) }
            say("Google Wallet mock listening on \(endpoints.base)")
            say("export PASSLINE_GOOGLE_ISSUER_ID=\(issuer) PASSLINE_GOOGLE_SERVICE_ACCOUNT=\(keyPath) PASSLINE_GOOGLE_CALLBACK_KEYS=\(keysPath) \\")
            say("  PASSLINE_GOOGLE_API_URL=\(endpoints.apiURL) PASSLINE_GOOGLE_TOKEN_URL=\(endpoints.tokenURL)")
            say("then: curl \(endpoints.base)/mock/state")
            try await group.next()
            group.cancelAll()
        }
    }
}
