import ArgumentParser
import Bitrix24Mock
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `passline dev bitrix24-mock`: the mock Bitrix24 portal of module Bitrix24Mock as a standalone
/// server, for trying the Bitrix24 application by hand without a portal.
struct DevBitrix24Mock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bitrix24-mock",
        abstract: "Run a mock Bitrix24 portal (REST, OAuth refresh, robots, events, placements) to try the Bitrix24 app against.",
        discussion: """
            Prints the PASSLINE_B24_* settings for the server and the curl command that installs the app (the ONAPPINSTALL \
            the portal would post). With --seed it holds two contacts sharing a phone and a deal. GET /mock/state shows the \
            portal's records and the robots' answers; POST /mock/deals/{id}/stage/S wins a deal (its offline event is queued). \
            See docs/bitrix24.md, "The mock portal".
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port (0 picks a free one).")
    var port = 8824

    @Option(help: "The Passline server the install command targets.")
    var server = "http://127.0.0.1:8080"

    @Flag(help: "Start with sample records: Anna and Ivan sharing +7 916 123-45-67, and Anna's deal for 1500 RUB.")
    var seed = false

    func run() async throws {
        let mock = Bitrix24MockServer()
        if seed {
            mock.with { portal in
                let anna = portal.addContact(name: "Anna", phones: ["8 916 123-45-67"])
                portal.addContact(name: "Ivan", phones: ["+7 (916) 123-45-67"])
                portal.addDeal(title: "Chess lessons", amount: "1500.00", contacts: [anna])
            }
        }
        var logger = Logger(label: "passline.bitrix24-mock")
        logger.logLevel = .warning
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = mock.application(host: host, port: port, logger: logger, onServerRunning: { continuation.yield($0) })
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ports.makeAsyncIterator()
            guard let bound = await iterator.next() else { throw fail("cannot start the mock portal on \(host):\(port)") }
            let base = "http://\(host):\(bound)"
            let install = mock.with { portal -> [UInt8] in
                portal.clientEndpoint = base + "/rest/"
                return portal.installForm()
            }
            let app = mock.with { (id: $0.clientID, secret: $0.clientSecret) }
            say("Bitrix24 mock listening on \(base)")
            say("export PASSLINE_B24_CLIENT_ID=\(app.id) PASSLINE_B24_CLIENT_SECRET=\(app.secret) PASSLINE_B24_OAUTH_URL=\(base)")
            say("install the app: curl -X POST \(server)/bitrix24/install -H 'Content-Type: application/x-www-form-urlencoded' --data '\(String(decoding: install, as: UTF8.self))'")
            say("then: curl \(base)/mock/state")
            try await group.next()
            group.cancelAll()
        }
    }
}
