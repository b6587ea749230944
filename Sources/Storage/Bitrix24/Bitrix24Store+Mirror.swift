import Core
import Foundation
import Loyalty

/// A household whose card fields the CRM should show anew.
public struct HouseholdChange: Sendable, Hashable {
    public var accountID: Int64
    public var phone: PhoneNumber
}

/// What a household's card fields were written as.
public struct MirroredHousehold: Sendable, Hashable {
    public var accountID: Int64
    public var balance: Int64
    public var tier: String
    public var cards: Int

    public init(accountID: Int64, balance: Int64, tier: String, cards: Int) {
        self.accountID = accountID
        self.balance = balance
        self.tier = tier
        self.cards = cards
    }
}

/// The CRM mirror: which households changed since the write-back last looked, and one-off effects.
extension Bitrix24Store {
    /// Queues a write-back (inbox kind `kind`, one waiting per household) for every household
    /// whose passes were re-tagged after the portal's cursor and whose balance, tier or number of
    /// cards differs from what was last written; moves the cursor past them, in one transaction
    /// (a crash re-reads the same tags). `passTypeIdentifier` is the cards' pass type (the tag
    /// index is by pass type). Returns how many tags were read: `limit` means there may be more.
    public func queueChangedHouseholds(passTypeIdentifier: String, kind: String, limit: Int, now: Date = Date()) async throws -> Int {
        try await database.transaction { db in
            guard let cursor = try await db.query("SELECT sync_tag FROM b24_portal WHERE id = 1").first?.int(0, "b24_portal.sync_tag") else { return 0 }
            // Tags become visible in the order they were taken, so no lower tag commits after this read.
            let tags = try await db.query(
                "SELECT p.update_tag FROM passes p WHERE p.pass_type_id = $1 AND p.update_tag > $2 ORDER BY p.update_tag LIMIT $3",
                [.text(passTypeIdentifier), .integer(cursor), .integer(Int64(limit))])
            guard let last = try tags.last?.int(0, "passes.update_tag") else { return 0 }
            let changed = try await db.query(
                """
                SELECT DISTINCT a.id, a.phone FROM passes p
                JOIN cards c ON c.pass_type_id = p.pass_type_id AND c.serial_number = p.serial_number
                JOIN accounts a ON a.id = c.account_id
                LEFT JOIN b24_synced s ON s.account_id = a.id
                WHERE p.pass_type_id = $1 AND p.update_tag > $2 AND p.update_tag <= $3
                AND (s.account_id IS NULL OR s.balance <> a.balance OR s.tier <> a.tier
                     OR s.cards <> (SELECT COUNT(*) FROM cards k WHERE k.account_id = a.id))
                """,
                [.text(passTypeIdentifier), .integer(cursor), .integer(last)]
            ).map { row in HouseholdChange(accountID: try row.int(0, "accounts.id"), phone: try row.phone(1, "accounts.phone")) }
            try await Self.enqueue(db, .inbox, changed.map { Self.householdItem($0, kind: kind) }, now: now)
            try await db.query("UPDATE b24_portal SET sync_tag = $1 WHERE id = 1", [.integer(last)])
            return tags.count
        }
    }

    /// The inbox item that writes a household's card fields back (one waits per household).
    public static func householdItem(_ change: HouseholdChange, kind: String) -> NewPortalQueueItem {
        NewPortalQueueItem(kind: kind, key: "household:\(change.accountID)", payload: #"{"account":\#(change.accountID),"phone":"\#(change.phone.e164)"}"#)
    }

    /// Records what a household's fields were written as.
    public func noteMirrored(_ household: MirroredHousehold, now: Date = Date()) async throws {
        _ = try await database.transaction { db in
            try await db.query(
                """
                INSERT INTO b24_synced (account_id, balance, tier, cards, synced_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance, tier = excluded.tier, cards = excluded.cards, synced_at = excluded.synced_at
                """,
                [.integer(household.accountID), .integer(household.balance), .text(household.tier), .integer(Int64(household.cards)), .integer(Self.seconds(now))])
        }
    }

    /// Marks a one-off effect as carried out; false when it already was.
    public func markDone(_ key: String, now: Date = Date()) async throws -> Bool {
        try await database.transaction { db in
            try await db.query("INSERT INTO b24_done (key, done_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key", [.text(key), .integer(Self.seconds(now))]).count == 1
        }
    }

    /// Whether a one-off effect was carried out.
    public func isDone(_ key: String) async throws -> Bool {
        try await database.read { db in try await !db.query("SELECT 1 FROM b24_done WHERE key = $1", [.text(key)]).isEmpty }
    }
}
