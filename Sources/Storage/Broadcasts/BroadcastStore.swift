import Foundation
import Loyalty
import PassBuilder

/// Broadcasts: creating them (audience resolved and counted in one transaction), reading their
/// progress, cancelling them, and the per-card lookups the server needs while passes are signed
/// and fetched. The batches themselves are in `BroadcastStore+Batch.swift`.
public struct BroadcastStore: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    static let columns = """
        b.id, b.messages, b.promo, b.points, b.audience, b.state, b.targeted_cards, b.targeted_households, b.unmatched, \
        b.households_done, b.households_granted, b.cards_updated, b.pushes_recorded, b.fetched, b.error, b.created_at, b.started_at, \
        b.finished_at, COALESCE(pc.sent, 0), COALESCE(pc.failed, 0), b.request_hash
        """
    static let from = "broadcasts b LEFT JOIN broadcast_push_counts pc ON pc.broadcast_id = b.id"

    static func record(_ r: SQLRow) throws -> BroadcastRecord {
        var messages: [String: String] = [:]
        if case .object(let o) = try JSONValue(parsing: Array(r.text(1, "broadcasts.messages").utf8)) {
            for (k, v) in o { if let s = v.stringValue { messages[k] = s } }
        }
        return try BroadcastRecord(
            id: r.int(0, "broadcasts.id"), messages: messages, promo: r.text(2, "broadcasts.promo"), points: r.int(3, "broadcasts.points"),
            audience: JSONValue(parsing: Array(r.text(4, "broadcasts.audience").utf8)), state: r.value(5, "broadcasts.state"),
            targetedCards: r.int(6, "broadcasts.targeted_cards"), targetedHouseholds: r.int(7, "broadcasts.targeted_households"),
            unmatched: r.int(8, "broadcasts.unmatched"), householdsDone: r.int(9, "broadcasts.households_done"),
            householdsGranted: r.int(10, "broadcasts.households_granted"), cardsUpdated: r.int(11, "broadcasts.cards_updated"),
            pushesRecorded: r.int(12, "broadcasts.pushes_recorded"), pushesSent: r.int(18, "broadcast_push_counts.sent"),
            pushesFailed: r.int(19, "broadcast_push_counts.failed"), fetched: r.int(13, "broadcasts.fetched"),
            error: r.optionalText(14, "broadcasts.error"), createdAt: r.date(15, "broadcasts.created_at"),
            startedAt: r.optionalDate(16, "broadcasts.started_at"), finishedAt: r.optionalDate(17, "broadcasts.finished_at"))
    }

    static func json(_ value: JSONValue) -> SQLValue { .text(String(decoding: value.serialized(), as: UTF8.self)) }

    /// The business key of a broadcast's ledger entries: one grant per household, however often a batch reruns.
    public static func businessKey(_ id: Int64) -> String { "broadcast:\(id)" }

    // MARK: reading

    public func broadcast(id: Int64) async throws -> BroadcastRecord? {
        try await database.read { db in try await Self.broadcast(db, id: id) }
    }

    static func broadcast(_ db: any DatabaseConnection, id: Int64) async throws -> BroadcastRecord? {
        try await db.query("SELECT \(columns) FROM \(from) WHERE b.id = $1", [.integer(id)]).first.map(record)
    }

    // MARK: creating

    /// Creates a queued broadcast. Explicit lists are resolved to households and every audience is
    /// counted in the same transaction; an audience without a household with an active card
    /// writes nothing (``BroadcastCreation/emptyAudience(unmatched:)``).
    ///
    /// With an idempotency key the key is stored on the broadcast row itself, so a retry after a
    /// crash finds the broadcast that committed, and never creates a second one.
    public func create(_ new: NewBroadcast, now: Date = Date()) async throws -> BroadcastCreation {
        if let key = new.idempotencyKey, let found = try await existing(key: key, hash: new.requestHash) { return found }
        do {
            return try await database.transaction { db in
                try await Self.insert(db, new, now: Int64(now.timeIntervalSince1970))
            }
        } catch let error as DatabaseQueryError where error.kind == .uniqueViolation && new.idempotencyKey != nil {
            // A concurrent request with the same key committed first.
            if let key = new.idempotencyKey, let found = try await existing(key: key, hash: new.requestHash) { return found }
            throw error
        } catch let empty as EmptyAudience {
            return .emptyAudience(unmatched: empty.unmatched)
        }
    }

    func existing(key: String, hash: String?) async throws -> BroadcastCreation? {
        try await database.read { db in
            guard let row = try await db.query("SELECT \(Self.columns) FROM \(Self.from) WHERE b.idempotency_key = $1", [.text(key)]).first else { return nil }
            guard row.text(20) == hash else { return .keyMismatch }
            return .replayed(try Self.record(row))
        }
    }

    struct EmptyAudience: Error {
        var unmatched: Int
    }

    static func insert(_ db: any DatabaseConnection, _ new: NewBroadcast, now: Int64) async throws -> BroadcastCreation {
        let last = try await db.query("SELECT COALESCE(MAX(id), 0) FROM accounts").first?.int(0) ?? 0
        let messages = JSONValue.object(new.messages.mapValues(JSONValue.string))
        guard let id = try await db.query(
            """
            INSERT INTO broadcasts (messages, promo, points, audience, state, last_account_id, idempotency_key, request_hash, created_at)
            VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8) RETURNING id
            """,
            [json(messages), .text(new.promo), .integer(new.points), json(new.audience.summary), .integer(last),
             new.idempotencyKey.map(SQLValue.text) ?? .null, new.requestHash.map(SQLValue.text) ?? .null, .integer(now)]
        ).first?.int(0) else { throw DatabaseError("the new broadcast has no id") }

        var unmatched = 0
        let kind: BroadcastSelection.Kind
        switch new.audience {
        case .all:
            kind = .all
        case .tiers(let tiers):
            kind = .tiers(tiers)
        case .cards(let numbers):
            unmatched = try await addTargets(db, id: id, values: numbers, table: .cards)
            kind = .targets
        case .phones(let phones):
            unmatched = try await addTargets(db, id: id, values: phones.map(\.e164), table: .phones)
            kind = .targets
        }
        let selection = BroadcastSelection(broadcastID: id, kind: kind)
        var b = SQLBinds()
        let condition = selection.households(&b, lo: 0, hi: last)
        let counts = try await db.query(
            "SELECT COUNT(*), COUNT(DISTINCT a.id) FROM accounts a JOIN cards c ON c.account_id = a.id WHERE c.status = 'active' AND \(condition)", b.values)
        let cards = counts.first?.int(0) ?? 0
        let households = counts.first?.int(1) ?? 0
        // Thrown, so the transaction rolls back: nothing half-written.
        guard households > 0 else { throw EmptyAudience(unmatched: unmatched) }
        try await db.query(
            "UPDATE broadcasts SET targeted_cards = $1, targeted_households = $2, unmatched = $3 WHERE id = $4",
            [.integer(cards), .integer(households), .integer(Int64(unmatched)), .integer(id)])
        guard let record = try await broadcast(db, id: id) else { throw DatabaseError("broadcast \(id) vanished") }
        return .created(record)
    }

    /// Resolves listed values to households into `broadcast_targets` (one statement, the list as
    /// a JSON array); returns how many distinct values found no household with an active card.
    static func addTargets(_ db: any DatabaseConnection, id: Int64, values: [String], table: ListTable) async throws -> Int {
        let distinct = Array(Set(values))
        let list = json(.array(distinct.map(JSONValue.string)))
        let (elements, value) = db.dialect == .postgres
            ? ("jsonb_array_elements_text($2::jsonb) AS j(v)", "j.v")
            : ("json_each($2) AS j", "j.value")
        let (join, account) = switch table {
        case .cards: ("JOIN cards m ON m.number = \(value)", "m.account_id")
        case .phones: ("JOIN accounts m ON m.phone = \(value)", "m.id")
        }
        let active = "EXISTS (SELECT 1 FROM cards ac WHERE ac.account_id = \(account) AND ac.status = 'active')"
        try await db.query(
            """
            INSERT INTO broadcast_targets (broadcast_id, account_id)
            SELECT DISTINCT $1, \(account) FROM \(elements) \(join) WHERE \(active)
            ON CONFLICT (broadcast_id, account_id) DO NOTHING
            """, [.integer(id), list])
        // Numbers and phones are unique, so each listed value matches at most one row.
        let matched = try await db.query(
            "SELECT COUNT(*) FROM \(elements) \(join) WHERE $1 = $1 AND \(active)", [.integer(id), list]).first?.int(0) ?? 0
        return distinct.count - Int(matched)
    }

    enum ListTable { case cards, phones }
}
