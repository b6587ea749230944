import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PassBuilder
import Studio

/// `passline studio`: the designers' local web app (see docs/templates.md).
struct StudioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studio",
        abstract: "A local web app: each template drawn as Wallet lays it out, with its lint, image slots and sample values; live reload.",
        discussion: """
            / lists the templates; /templates/NAME?variant=&lang= draws one (editing a file of it redraws an open page); \
            /templates/NAME/pass.pkpass downloads it signed; /inspect draws any .pkpass with the verifier's report. \
            It listens on loopback unless --host says otherwise.
            """)

    @Option(help: "The templates folder (each sub-folder with a template.json).")
    var templates = "PassTemplates"

    @Option(help: "Address to listen on (loopback by default: the studio is for this machine).")
    var host = "127.0.0.1"

    @Option(help: "Port (0 picks a free one).")
    var port = 8090

    @OptionGroup var credentials: CredentialOptions

    func run() async throws {
        guard FileManager.default.fileExists(atPath: templates) else { throw fail("--templates \(templates): no such folder") }
        let signer = try credentials.load(quiet: true)
        let studio = StudioServer(templatesDirectory: templates, signer: signer)
        var logger = Logger(label: "passline.studio")
        logger.logLevel = .warning
        let app = Application(
            router: studio.router(), configuration: .init(address: .hostname(host, port: port), serverName: "Passline studio"),
            onServerRunning: { channel in say("Passline studio listening on http://\(host):\(channel.localAddress?.port ?? port) — templates in \(templates)") },
            logger: logger)
        try await app.runService()
    }
}
