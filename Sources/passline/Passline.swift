import ArgumentParser
import Logging
import Server

@main
struct Passline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passline",
        abstract: "Loyalty cards in Apple Wallet: build, sign, verify and serve .pkpass files.",
        subcommands: [Serve.self, PassCommand.self, TemplateCommand.self, StudioCommand.self, CertsCommand.self, APIKeyCommand.self, BroadcastCommand.self, ImportCommand.self, ExportCommand.self, Backup.self, SecretCommand.self, DevCommand.self])

    /// Every logger of the process writes through ``EscapingLogHandler``: logged text that a
    /// client chose cannot forge log lines, whichever call site logs it.
    static func main() async {
        LoggingSystem.bootstrap { label in EscapingLogHandler(wrapping: StreamLogHandler.standardError(label: label)) }
        await main(nil)
    }
}

struct PassCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pass", abstract: "Build and verify passes.", subcommands: [PassBuild.self, PassVerify.self])
}

struct TemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template", abstract: "Work with pass templates.", subcommands: [TemplateLint.self, TemplateImportCommand.self, TemplatePreview.self])
}

struct CertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs", abstract: "Signing certificates.", subcommands: [CertsDev.self, CertsCheck.self])
}
