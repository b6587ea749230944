import ArgumentParser
import DeviceFleet
import Foundation
import Logging
import Storage
import Server

/// `passline dev seed`: synthetic cards, households and devices for tests and benchmarks.
struct DevSeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Fill a database with N cards, their households and passes, and device registrations (for tests and benchmarks).",
        discussion: """
            Set-based SQL in batches of 50,000 cards. Uses the server's configuration (PASSLINE_DATABASE_URL, credentials \
            for the pass type, templates, the program's tiers) unless --database is given. Households get balance 0 and \
            phones +79NNNNNNNNN; devices get distinct push tokens. Refuses a database seeded before. Writes \(FleetManifest.fileName) \
            into the data directory: what `passline dev apns-mock --fleet` needs to act as the seeded devices.
            """)

    @Option(help: "Cards to create.")
    var cards: Int

    @Option(help: "Devices per card on average (1.2: one card in five is on two devices).")
    var devicesPerCard: Double = 1.2

    @Option(help: "Cards per household on average.")
    var cardsPerHousehold: Double = 1.25

    @Option(help: "Database URL (default: PASSLINE_DATABASE_URL).")
    var database: String?

    func validate() throws {
        guard (1...50_000_000).contains(cards) else { throw ValidationError("--cards must be 1…50000000") }
        guard (0...10).contains(devicesPerCard) else { throw ValidationError("--devices-per-card must be 0…10") }
        guard (1...100).contains(cardsPerHousehold) else { throw ValidationError("--cards-per-household must be 1…100") }
    }

    func run() async throws {
        var config: ServerConfiguration
        do { config = try ServerConfiguration.load() } catch { throw fail(error.description) }
        if let database { config.databaseURL = database }
        var configured = Logger(label: "passline")
        configured.logLevel = .warning
        let logger = configured
        let (cards, devices, perHousehold, configuration) = (self.cards, devicesPerCard, cardsPerHousehold, config)
        do {
            try await PasslineServer.withDatabase(url: configuration.databaseURL, logger: logger) { db in
                // Prepared like the server, so the pass type, template and tiers are the ones it serves.
                let server = try await PasslineServer.prepare(configuration: configuration, database: db, logger: logger)
                var seed = DatabaseSeed(
                    cards: cards, passTypeIdentifier: server.service.passTypeIdentifier, template: server.loyalty.template,
                    tiers: server.loyalty.program.tiers.map(\.code))
                seed.devicesPerCard = devices
                seed.cardsPerHousehold = perHousehold
                let start = Date()
                let summary = try await seed.run(on: db) { done in
                    FileHandle.standardError.write(Data("\r\u{1B}[Kseeding: \(done)/\(cards) cards".utf8))
                }
                FileHandle.standardError.write(Data("\n".utf8))
                // What `passline dev apns-mock --fleet` needs to act as these devices.
                let manifest = URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent(FleetManifest.fileName).path
                let (passType, tokens) = (server.service.passTypeIdentifier, server.service.tokens)
                try FleetManifest.write(to: manifest, passTypeIdentifier: passType, cards: summary.cards, devices: summary.devices) { k in
                    tokens.token(passTypeIdentifier: passType, serialNumber: FleetManifest.serialNumber(card: k))
                }
                say("seeded \(summary.households) households, \(summary.cards) cards and passes, \(summary.devices) devices and registrations in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail("\(error)")
        }
    }
}
