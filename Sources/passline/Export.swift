import ArgumentParser
import Foundation
import Logging
import Server
import Storage

/// `passline export cards|ledger`: the same CSV as `GET /api/v1/exports/…`, read straight from the database.
struct ExportCommand: AsyncParsableCommand {
    enum What: String, ExpressibleByArgument, CaseIterable {
        case cards, ledger
    }

    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every card, or the ledger, as CSV (cards in the columns `passline import` reads).",
        discussion: """
            Cards: card_number,name,phone,external_id,tier,balance,turnover,status,source,created_at — a household's balance \
            and turnover on its first card. Ledger: one line per entry, oldest first; --from/--to (a date or a date-time with \
            its offset; to is exclusive) and --tz (IANA, default UTC) narrow it. See docs/imports.md.
            """)

    @Argument(help: "cards or ledger.")
    var what: What

    @Option(help: "Write to this file (default: standard output).")
    var out: String?

    @Option(help: "Ledger: entries from this date or date-time (inclusive).")
    var from: String?

    @Option(help: "Ledger: entries before this date or date-time (exclusive).")
    var to: String?

    @Option(help: "Ledger: the time zone of the dates and of the times written (default UTC).")
    var tz: String?

    @Option(help: "Database URL (default: PASSLINE_DATABASE_URL).")
    var database: String?

    func run() async throws {
        var config: ServerConfiguration
        do { config = try ServerConfiguration.load() } catch { throw fail(error.description) }
        if let database { config.databaseURL = database }
        let period: ExportPeriod
        do { period = try ExportPeriod(from: from, to: to, tz: tz) } catch let error as APIError { throw fail(error.detail) }
        var logger = Logger(label: "passline")
        logger.logLevel = .warning
        let (what, out, url) = (self.what, self.out, config.databaseURL)
        // A file is written beside its place and renamed when complete: never half an export under its name.
        let temporary = out.map { URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent(".\(URL(fileURLWithPath: $0).lastPathComponent).partial").path }
        do {
            let rows = try await PasslineServer.withDatabase(url: url, logger: logger) { db -> Int in
                try await Migrations.run(on: db)
                let store = ImportStore(database: db)
                let stream = what == .cards ? ExportCSV.cards(store) : ExportCSV.ledger(store, from: period.from, to: period.to, zone: period.zone)
                let handle: FileHandle
                if let temporary {
                    guard FileManager.default.createFile(atPath: temporary, contents: nil) else { throw fail("\(temporary): cannot be created") }
                    handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
                } else {
                    handle = FileHandle.standardOutput
                }
                var lines = 0
                for try await chunk in stream {
                    lines += chunk.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
                    try handle.write(contentsOf: Data(chunk))
                }
                if temporary != nil { try handle.close() }
                return max(0, lines - 1)
            }
            if let temporary, let out {
                _ = try? FileManager.default.removeItem(atPath: out)
                try FileManager.default.moveItem(atPath: temporary, toPath: out)
                FileHandle.standardError.write(Data("passline: \(rows) \(what == .cards ? "cards" : "entries") written to \(out)\n".utf8))
            }
        } catch let error as ExitCode {
            if let temporary { try? FileManager.default.removeItem(atPath: temporary) }
            throw error
        } catch {
            if let temporary { try? FileManager.default.removeItem(atPath: temporary) }
            throw fail("\(error)")
        }
    }
}
