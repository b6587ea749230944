import ArgumentParser
import Foundation
import Logging
import Server
import Storage
import Synchronization

/// `passline import FILE.csv`: imports an existing client base straight into the database, with
/// a progress bar; the same checks and batches as `POST /api/v1/imports`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an existing client base from a CSV file (cards, households, opening balances).",
        discussion: """
            Columns by the header line: name, phone, and optionally external_id, card_number, balance, tier, turnover, status \
            (Russian headers too; `,` or `;`). The whole file is checked first: any bad line refuses it, every bad line is \
            listed, and nothing is written. Then it is imported in batches with a progress bar on standard error. Importing \
            the same file again changes nothing. Uses the server's configuration (database, data directory, templates, \
            credentials for the pass type); a running server may keep serving meanwhile. See docs/imports.md.
            """)

    @Argument(help: "The CSV file.")
    var file: String

    @Option(help: "Database URL (default: PASSLINE_DATABASE_URL).")
    var database: String?

    @Option(help: "Data directory: the program, the secret, development certificates (default: PASSLINE_DATA_DIR).")
    var data: String?

    @Option(help: "Templates directory (default: PASSLINE_TEMPLATES).")
    var templates: String?

    func run() async throws {
        var config: ServerConfiguration
        do { config = try ServerConfiguration.load() } catch { throw fail(error.description) }
        if let database { config.databaseURL = database }
        if let data { config.dataDirectory = data }
        if let templates { config.templatesDirectory = templates }
        let bytes = try readFile(file)
        var configured = Logger(label: "passline")
        configured.logLevel = .warning
        let (logger, configuration, name) = (configured, config, file)
        do {
            try await PasslineServer.withDatabase(url: configuration.databaseURL, logger: logger) { db in
                let server = try await PasslineServer.prepare(configuration: configuration, database: db, logger: logger)
                let owner = "passline import \(UUID().uuidString)"
                // The time reported covers the whole file's check too.
                let started = Date()
                let creation: ImportCreation
                do {
                    creation = try await server.imports.accept(bytes, owner: owner)
                } catch let refusal as ImportRefusal {
                    printError("\(name): \(Set(refusal.lines.map(\.line)).count) bad line(s), nothing was imported:")
                    for line in refusal.lines { FileHandle.standardError.write(Data("  \(line)\n".utf8)) }
                    throw ExitCode.failure
                }
                guard case .created(let accepted) = creation else { throw fail("\(name): not accepted") }
                let checked = Date().timeIntervalSince(started)
                let bar = ImportProgressLine(total: accepted.rows)
                let result = await server.imports.run(id: accepted.id, owner: owner) { bar.draw($0) }
                bar.finish()
                guard let result else { throw fail("import \(accepted.id) vanished") }
                say("""
                    import \(result.id): \(result.state.rawValue) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s (the whole file checked in \(String(format: "%.1f", checked)) s)
                      rows:        \(result.processed) of \(result.rows)
                      cards:       \(result.cardsCreated) created, \(result.cardsExisting) existing (left as they were)
                      households:  \(result.householdsCreated) created
                      opening:     \(result.openingPoints) points
                    """)
                if result.state != .done { throw fail("import \(result.id) \(result.state.rawValue): \(result.error ?? "stopped before the end")") }
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail("\(error)")
        }
    }
}

/// `[####----]  42.0%  4200/10000 rows  1234/s` on one line of standard error, redrawn in place
/// on a terminal (every 5 s as plain lines otherwise).
final class ImportProgressLine: Sendable {
    let total: Int64
    let started = Date()
    let terminal = isatty(STDERR_FILENO) == 1
    let lastPrinted = Mutex(Date.distantPast)

    init(total: Int64) { self.total = total }

    func draw(_ r: ImportRecord) {
        let now = Date()
        let percent = total > 0 ? Double(r.processed) / Double(total) * 100 : 100
        let rate = Double(r.processed) / max(0.001, now.timeIntervalSince(started))
        let filled = Int(percent / 100 * 30)
        let bar = String(repeating: "#", count: max(0, min(30, filled))) + String(repeating: "-", count: max(0, 30 - filled))
        let line = String(format: "[%@] %5.1f%%  %lld/%lld rows  %.0f/s", bar, percent, r.processed, total, rate)
        if terminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        } else if lastPrinted.withLock({ last in
            guard now.timeIntervalSince(last) >= 5 || r.processed == total else { return false }
            last = now
            return true
        }) {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
