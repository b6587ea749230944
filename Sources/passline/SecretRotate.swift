import ArgumentParser
import Foundation
import Server

/// `passline secret rotate`: a new server secret for everything made from now on, the old one
/// kept for what wallets already hold.
struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "The server secret.", subcommands: [SecretRotate.self])
}

struct SecretRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Generate a new server secret; the current one is kept to verify the passes and links made with it.",
        discussion: """
            Moves DATA_DIR/secret to the end of DATA_DIR/secret.previous and writes a new DATA_DIR/secret (both 0600). \
            Restart every server afterwards (servers sharing a database need the same files). Passes already in wallets keep \
            their authentication tokens (Wallet requires a pass's token never to change); new passes, download links and the \
            sealed Bitrix24 tokens use the new secret. With PASSLINE_SECRET set, rotate by hand: move its value to the end of \
            PASSLINE_SECRET_PREVIOUS and set a new one. See docs/deployment.md, "Rotating secrets".
            """)

    func run() async throws {
        let config: ServerConfiguration
        do { config = try ServerConfiguration.load() } catch { throw fail(error.description) }
        guard config.secretHex == nil, config.previousSecretsHex == nil else {
            throw fail("PASSLINE_SECRET or PASSLINE_SECRET_PREVIOUS is set: rotate them there (append PASSLINE_SECRET's value to PASSLINE_SECRET_PREVIOUS, then set a new PASSLINE_SECRET)")
        }
        let data = DataDirectory(path: config.dataDirectory)
        let generation: Int
        do { generation = try data.rotateSecret() } catch { throw fail("\(error)") }
        print("rotated: \(config.dataDirectory)/secret is generation \(generation); restart the servers")
    }
}
