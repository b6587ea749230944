import ArgumentParser
import Foundation
import Logging
import Storage
import Server

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "API keys for /api/v1 (stored hashed; the token is shown once).",
        subcommands: [APIKeyCreate.self, APIKeyList.self, APIKeyRevoke.self])
}

/// Opens the configured database (PASSLINE_DATABASE_URL …), migrated, for the key commands.
func withKeyStore<T: Sendable>(_ body: @Sendable (APIKeyStore) async throws -> T) async throws -> T {
    let config: ServerConfiguration
    do { config = try ServerConfiguration.load() } catch { throw fail(error.description) }
    var logger = Logger(label: "passline")
    logger.logLevel = .warning
    do {
        return try await PasslineServer.withDatabase(url: config.databaseURL, logger: logger) { db in
            try await Migrations.run(on: db)
            return try await body(APIKeyStore(database: db))
        }
    } catch let error as ExitCode {
        throw error
    } catch {
        throw fail("\(error)")
    }
}

struct APIKeyCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a key and print its token once.")

    @Option(help: "Scope: admin or crm (repeat for several).")
    var scope: [String] = []

    @Option(help: "A name to recognise the key by.")
    var name: String = "api key"

    func run() async throws {
        var scopes = Set<APIScope>()
        for s in scope {
            guard let v = APIScope(rawValue: s) else { throw fail("--scope \(s): not one of \(APIScope.allCases.map(\.rawValue).joined(separator: ", "))") }
            scopes.insert(v)
        }
        guard !scopes.isEmpty else { throw fail("give at least one --scope (\(APIScope.allCases.map(\.rawValue).joined(separator: ", ")))") }
        let name = self.name
        let chosen = scopes
        let (record, token) = try await withKeyStore { try await $0.create(name: name, scopes: chosen) }
        say("created key \(record.id) (\(name)) with scopes \(record.scopes.map(\.rawValue).sorted().joined(separator: ", "))")
        say("token (shown once): \(token)")
    }
}

struct APIKeyList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys (never their tokens).")

    func run() async throws {
        for k in try await withKeyStore({ try await $0.list() }) {
            say("\(k.id)  \(k.scopes.map(\.rawValue).sorted().joined(separator: ","))  \(k.revoked ? "revoked" : "active")  \(k.name)")
        }
    }
}

struct APIKeyRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key by id.")

    @Argument var id: String

    func run() async throws {
        let id = self.id
        guard try await withKeyStore({ try await $0.revoke(id: id) }) else { throw fail("no active key \(id)") }
        say("revoked \(id)")
    }
}
