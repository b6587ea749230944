import Foundation
import Loyalty

/// A card as the export writes it: with its household's figures and where it came from.
public struct ExportedCard: Sendable, Hashable {
    public var number: String
    public var accountID: Int64
    public var name: String
    public var phone: PhoneNumber
    public var externalID: String?
    public var tier: String
    public var balance: Int64
    /// Minor units.
    public var turnover: Int64
    public var status: CardStatus
    public var source: String
    public var createdAt: Date
}

/// A ledger entry as the export writes it, with its household's phone.
public struct ExportedEntry: Sendable, Hashable {
    public var entry: LedgerEntryRecord
    public var phone: PhoneNumber
}

extension ImportStore {
    /// A page of cards ordered by household, then number, after `cursor` (the household and number
    /// of the previous page's last card): a household's cards come together.
    public func exportCards(after cursor: (accountID: Int64, number: String)?, limit: Int) async throws -> [ExportedCard] {
        try await database.read { db in
            let (account, number) = cursor ?? (0, "")
            return try await db.query(
                """
                SELECT c.number, c.account_id, c.name, a.phone, c.external_id, a.tier, a.balance, a.turnover, c.status, c.source, c.created_at
                FROM cards c JOIN accounts a ON a.id = c.account_id
                WHERE c.account_id > $1 OR (c.account_id = $1 AND c.number > $2)
                ORDER BY c.account_id, c.number LIMIT $3
                """, [.integer(account), .text(number), .integer(Int64(limit))]
            ).map { r in
                try ExportedCard(
                    number: r.text(0, "cards.number"), accountID: r.int(1, "cards.account_id"), name: r.text(2, "cards.name"),
                    phone: r.phone(3, "accounts.phone"), externalID: r.optionalText(4, "cards.external_id"), tier: r.text(5, "accounts.tier"),
                    balance: r.int(6, "accounts.balance"), turnover: r.int(7, "accounts.turnover"), status: r.value(8, "cards.status"),
                    source: r.text(9, "cards.source"), createdAt: r.date(10, "cards.created_at"))
            }
        }
    }

    /// A page of ledger entries, oldest first, after entry `cursor`, written in `[from, to)` when given.
    public func exportEntries(after cursor: Int64, from: Date?, to: Date?, limit: Int) async throws -> [ExportedEntry] {
        try await database.read { db in
            let columns = LedgerStore.entryColumns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
            var b = SQLBinds()
            var condition = "e.id > \(b.add(.integer(cursor)))"
            // Bounds only when given: the whole ledger is read along its primary key, not through the time index.
            if let from { condition += " AND e.created_at >= \(b.add(.integer(Self.seconds(from))))" }
            if let to { condition += " AND e.created_at < \(b.add(.integer(Int64(to.timeIntervalSince1970.rounded(.up)))))" }
            let limitBind = b.add(.integer(Int64(limit)))
            return try await db.query(
                "SELECT \(columns), a.phone FROM ledger_entries e JOIN accounts a ON a.id = e.account_id WHERE \(condition) ORDER BY e.id LIMIT \(limitBind)",
                b.values
            ).map { r in ExportedEntry(entry: try LedgerStore.entry(r), phone: try r.phone(11, "accounts.phone")) }
        }
    }
}
