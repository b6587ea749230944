import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Server

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server: PassKit web service, /api/v1, /healthz, /metrics.",
        discussion: "Configured by environment variables (or a PASSLINE_CONFIG file):\n"
            + ServerConfiguration.keys.map { "  \($0.key): \($0.meaning)" }.joined(separator: "\n"))

    func run() async throws {
        let config: ServerConfiguration
        do { config = try ServerConfiguration.load() } catch { throw fail(error.description) }
        var configuredLogger = Logger(label: "passline")
        configuredLogger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
        let logger = configuredLogger
        do {
            try await PasslineServer.withDatabase(url: config.databaseURL, logger: logger) { database in
                let server: PasslineServer
                do {
                    server = try await PasslineServer.prepare(configuration: config, database: database, logger: logger)
                } catch {
                    throw fail("cannot start: \(error)")
                }
                if let dev = server.developmentCertificates {
                    say("using development certificates in \(dev): passes verify but will not install on a phone (set PASSLINE_PASS_P12 or PASSLINE_PASS_CERT/KEY)")
                }
                if server.adminTokenCreated {
                    say("admin token (shown once, kept in \(config.dataDirectory)/admin-token): \(server.adminToken)")
                }
                let templates = server.service.templateNames.joined(separator: ", ")
                let app = try server.application(logger: logger) { channel in
                    say("Passline listening on http://\(config.host):\(channel.localAddress?.port ?? config.port) — webServiceURL \(config.resolvedPublicURL), database \(config.databaseURL.hasPrefix("postgres") ? "postgres" : config.databaseURL), templates: \(templates), pass type \(server.service.passTypeIdentifier)")
                }
                try await app.runService()
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail("cannot start: \(error)")
        }
    }
}
