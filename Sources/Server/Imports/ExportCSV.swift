import Foundation
import Loyalty
import Storage
import Synchronization

/// The cards and the ledger as CSV, streamed a page at a time (memory holds one page whatever
/// the size of the database).
///
/// Cards are written in the columns an import reads, so an export imported into an empty
/// database gives the same cards and balances. Balance and turnover belong to the household:
/// they are written once, on its first card, and left empty on its other cards (an import adds
/// every row's figures to the household).
public enum ExportCSV {
    static let cardColumns = ["card_number", "name", "phone", "external_id", "tier", "balance", "turnover", "status", "source", "created_at"]
    static let ledgerColumns = ["id", "created_at", "card_number", "phone", "kind", "points", "amount", "balance_after", "business_key", "reverses", "comment"]
    /// Rows read (and sent) at a time.
    static let page = 1000

    /// One CSV line: cells separated by `,`, quoted when they hold a separator, a quote, a line
    /// break or edge spaces (`"` doubled), ended by `\r\n` as RFC 4180 has it.
    static func line(_ cells: [String]) -> String {
        cells.map { cell in
            let needsQuotes = cell.contains { $0 == "," || $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
                || cell.first?.isWhitespace == true || cell.last?.isWhitespace == true
            return needsQuotes ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
        }.joined(separator: ",") + "\r\n"
    }

    static func time(_ date: Date, _ zone: TimeZone) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: zone))
    }

    /// Every card, by household; the household's figures on its first card.
    public static func cards(_ store: ImportStore) -> AsyncThrowingStream<ArraySlice<UInt8>, any Error> {
        pages { (cursor: (accountID: Int64, number: String)?, first: Bool) in
            let cards = try await store.exportCards(after: cursor, limit: page)
            var text = first ? line(cardColumns) : ""
            var previous = cursor?.accountID
            for c in cards {
                let firstOfHousehold = c.accountID != previous
                previous = c.accountID
                text += line([
                    c.number, c.name, c.phone.e164, c.externalID ?? "", c.tier, firstOfHousehold ? String(c.balance) : "",
                    firstOfHousehold ? (Money(exactly: c.turnover)?.description ?? String(c.turnover)) : "", c.status.rawValue, c.source,
                    time(c.createdAt, .gmt),
                ])
            }
            return (Array(text.utf8), cards.count < page ? nil : cards.last.map { ($0.accountID, $0.number) })
        }
    }

    /// The ledger, oldest first, in `[from, to)` when given; times in `zone`.
    public static func ledger(_ store: ImportStore, from: Date?, to: Date?, zone: TimeZone) -> AsyncThrowingStream<ArraySlice<UInt8>, any Error> {
        pages { (cursor: Int64?, first: Bool) in
            let entries = try await store.exportEntries(after: cursor ?? 0, from: from, to: to, limit: page)
            var text = first ? line(ledgerColumns) : ""
            for e in entries {
                let x = e.entry
                text += line([
                    String(x.id), time(x.createdAt, zone), x.cardNumber ?? "", e.phone.e164, x.kind.rawValue, String(x.points),
                    x.amount.map { Money(exactly: $0)?.description ?? String($0) } ?? "", String(x.balanceAfter), x.businessKey ?? "",
                    x.reverses.map(String.init) ?? "", x.comment ?? "",
                ])
            }
            return (Array(text.utf8), entries.count < page ? nil : entries.last?.entry.id)
        }
    }

    /// Pages of bytes read one after another, each when the client is ready for it: `read` gets
    /// the previous page's cursor (nil first) and returns its bytes and the next cursor (nil: the end).
    static func pages<Cursor: Sendable>(
        _ read: @escaping @Sendable (Cursor?, Bool) async throws -> ([UInt8], Cursor?)
    ) -> AsyncThrowingStream<ArraySlice<UInt8>, any Error> {
        let state = PageCursor<Cursor>()
        return AsyncThrowingStream {
            guard let (cursor, first) = state.next() else { return nil }
            let (bytes, following) = try await read(cursor, first)
            state.advance(to: following)
            return bytes[...]
        }
    }
}

/// Where a paged stream is: its next cursor, or finished.
final class PageCursor<Cursor: Sendable>: Sendable {
    private struct State: Sendable {
        var cursor: Cursor?
        var started = false
        var finished = false
    }

    private let state = Mutex(State())

    /// The cursor to read next and whether it is the first page; nil when finished.
    func next() -> (Cursor?, Bool)? {
        state.withLock { $0.finished ? nil : ($0.cursor, !$0.started) }
    }

    func advance(to next: Cursor?) {
        state.withLock {
            $0.started = true
            $0.cursor = next
            if next == nil { $0.finished = true }
        }
    }
}
