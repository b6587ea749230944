import Core
import Foundation

/// Storage for Google Wallet: each card's loyalty object and its outbox (coalesced per card on the
/// object's row), broadcast messages to add to objects, and saves and deletions.
///
/// Every change of a card's pass marks its object due, in the change's own transaction (see
/// ``noteChanged(_:_:now:)``, called by the one pass stamper), so nothing is lost across a crash:
/// the worker sends whatever state the card has when it gets there, however many changes came
/// before, and the object is current once a send of the latest version succeeds.
public struct GoogleWalletStore: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    static func seconds(_ d: Date) -> Int64 { Int64(d.timeIntervalSince1970.rounded(.down)) }

    static let objectColumns =
        "card_number, object_id, class_id, inserted, version, synced_version, due_at, attempts, last_error, synced_at, saved, created_at"

    static func object(_ r: SQLRow) throws -> GoogleObjectRecord {
        GoogleObjectRecord(
            cardNumber: try r.text(0, "google_objects.card_number"), objectID: try r.text(1, "google_objects.object_id"),
            classID: try r.text(2, "google_objects.class_id"), inserted: try r.int(3, "google_objects.inserted") != 0,
            version: try r.int(4, "google_objects.version"), syncedVersion: try r.int(5, "google_objects.synced_version"),
            dueAt: try r.optionalDate(6, "google_objects.due_at"), attempts: Int(try r.int(7, "google_objects.attempts")),
            lastError: try r.optionalText(8, "google_objects.last_error"), syncedAt: try r.optionalDate(9, "google_objects.synced_at"),
            saved: try r.int(10, "google_objects.saved") != 0, createdAt: try r.date(11, "google_objects.created_at"))
    }

    // MARK: objects

    /// The card's object row, made (due now, to be inserted) if the card has none yet. Nil when
    /// there is no such card. The ids of an existing row are kept.
    public func ensureObject(cardNumber: String, objectID: String, classID: String, now: Date = Date()) async throws -> GoogleObjectRecord? {
        try await database.transaction { db in
            if let existing = try await db.query("SELECT \(Self.objectColumns) FROM google_objects WHERE card_number = $1", [.text(cardNumber)]).first {
                return try Self.object(existing)
            }
            guard try await !db.query("SELECT 1 FROM cards WHERE number = $1", [.text(cardNumber)]).isEmpty else { return nil }
            let s = Self.seconds(now)
            return try await db.query(
                """
                INSERT INTO google_objects (card_number, object_id, class_id, due_at, created_at) VALUES ($1, $2, $3, $4, $4)
                ON CONFLICT (card_number) DO UPDATE SET card_number = excluded.card_number
                RETURNING \(Self.objectColumns)
                """, [.text(cardNumber), .text(objectID), .text(classID), .integer(s)]
            ).first.map(Self.object)
        }
    }

    public func object(cardNumber: String) async throws -> GoogleObjectRecord? {
        try await database.read { db in
            try await db.query("SELECT \(Self.objectColumns) FROM google_objects WHERE card_number = $1", [.text(cardNumber)]).first.map(Self.object)
        }
    }

    /// Marks the objects of the cards whose passes change due (the next version): called by the
    /// one pass stamper, in the change's transaction. An object already due (or backing off
    /// after an error) keeps its time: its next send carries this change too.
    static func noteChanged(_ db: any DatabaseConnection, _ passes: PassSelection, now: Int64) async throws {
        var b = SQLBinds()
        let at = b.add(.integer(now))
        let condition = passes.condition(&b, type: "c.pass_type_id", serial: "c.serial_number")
        try await db.query(
            """
            UPDATE google_objects SET version = version + 1, due_at = COALESCE(due_at, \(at))
            WHERE card_number IN (SELECT c.number FROM cards c WHERE \(condition))
            """, b.values)
    }

    /// Takes up to `limit` due objects and leases them for `leaseSeconds` (a worker that dies
    /// lets them fall due again). Oldest first.
    public func claimDueObjects(limit: Int, leaseSeconds: Int64, now: Date = Date()) async throws -> [GoogleObjectRecord] {
        let s = Self.seconds(now)
        return try await database.transaction { db in
            let lock = db.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            let rows = try await db.query(
                "SELECT \(Self.objectColumns) FROM google_objects WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT $2\(lock)",
                [.integer(s), .integer(Int64(limit))])
            let claimed = try rows.map(Self.object)
            for object in claimed {
                try await db.query(
                    "UPDATE google_objects SET due_at = $1 WHERE card_number = $2", [.integer(s + leaseSeconds), .text(object.cardNumber)])
            }
            return claimed
        }
    }

    /// Google shows `version` now. Due again at once if the card changed meanwhile.
    public func markSynced(cardNumber: String, version: Int64, now: Date = Date()) async throws {
        let s = Self.seconds(now)
        _ = try await database.transaction { db in
            try await db.query(
                """
                UPDATE google_objects SET inserted = 1, synced_version = $1, synced_at = $2, attempts = 0, last_error = NULL,
                    due_at = CASE WHEN version > $1 THEN $2 ELSE NULL END
                WHERE card_number = $3
                """, [.integer(version), .integer(s), .text(cardNumber)])
        }
    }

    /// A send failed for now (429, 5xx, no answer): due again after `retryAfter` seconds.
    public func markRetry(cardNumber: String, error: String, retryAfter: Int64, now: Date = Date()) async throws {
        _ = try await database.transaction { db in
            try await db.query(
                "UPDATE google_objects SET attempts = attempts + 1, last_error = $1, due_at = $2 WHERE card_number = $3",
                [.text(String(error.prefix(500))), .integer(Self.seconds(now) + retryAfter), .text(cardNumber)])
        }
    }

    /// Google refused the object (a 4xx other than 404, 409 and 429): given up until the card
    /// changes again. `inserted` records what is known (a refused patch of an inserted object).
    public func markFailed(cardNumber: String, error: String, now: Date = Date()) async throws {
        _ = try await database.transaction { db in
            try await db.query(
                "UPDATE google_objects SET attempts = attempts + 1, last_error = $1, due_at = NULL WHERE card_number = $2",
                [.text(String(error.prefix(500))), .text(cardNumber)])
        }
    }

    /// Google lost the object (404 on a patch): insert it again on the next send, at once.
    public func markMissing(cardNumber: String, now: Date = Date()) async throws {
        _ = try await database.transaction { db in
            try await db.query(
                "UPDATE google_objects SET inserted = 0, due_at = $1 WHERE card_number = $2", [.integer(Self.seconds(now)), .text(cardNumber)])
        }
    }

    /// Objects by sync state, for metrics and the operations page: (due now or backing off, given up).
    public func backlog(now: Date = Date()) async throws -> (due: Int64, failed: Int64) {
        try await database.read { db in
            let row = try await db.query(
                """
                SELECT (SELECT COUNT(*) FROM google_objects WHERE due_at IS NOT NULL),
                       (SELECT COUNT(*) FROM google_objects WHERE due_at IS NULL AND last_error IS NOT NULL)
                """
            ).first
            return (row?.int(0) ?? 0, row?.int(1) ?? 0)
        }
    }

    // MARK: messages

    /// Queues a broadcast's message for the objects of the cards in a batch (in the batch's
    /// transaction). A card that has no object gets none: its first insert shows the promo text.
    static func queueMessages(
        _ db: any DatabaseConnection, broadcastID: Int64, header: String, body: String, passes: PassSelection, now: Int64
    ) async throws {
        var b = SQLBinds()
        let id = b.add(.integer(broadcastID)), title = b.add(.text(header)), text = b.add(.text(body)), at = b.add(.integer(now))
        let condition = passes.condition(&b, type: "c.pass_type_id", serial: "c.serial_number")
        try await db.query(
            """
            INSERT INTO google_messages (card_number, broadcast_id, header, body, due_at, created_at)
            SELECT g.card_number, \(id), \(title), \(text), \(at), \(at)
            FROM google_objects g WHERE g.card_number IN (SELECT c.number FROM cards c WHERE \(condition))
            ON CONFLICT (card_number, broadcast_id) DO NOTHING
            """, b.values)
    }

    /// Takes up to `limit` due messages of inserted objects, leased for `leaseSeconds`, each with
    /// how many notifications its object had in the last 24 hours.
    public func claimDueMessages(limit: Int, leaseSeconds: Int64, now: Date = Date()) async throws -> [GoogleMessageRecord] {
        let s = Self.seconds(now)
        return try await database.transaction { db in
            let lock = db.dialect == .postgres ? " FOR UPDATE OF m SKIP LOCKED" : ""
            let rows = try await db.query(
                """
                SELECT m.id, m.card_number, g.object_id, m.broadcast_id, m.header, m.body, m.attempts,
                    (SELECT COUNT(*) FROM google_messages n WHERE n.card_number = m.card_number AND n.notified = 1 AND n.sent_at > $2)
                FROM google_messages m JOIN google_objects g ON g.card_number = m.card_number
                WHERE m.due_at IS NOT NULL AND m.due_at <= $1 AND g.inserted = 1
                ORDER BY m.due_at, m.id LIMIT $3\(lock)
                """, [.integer(s), .integer(s - 86_400), .integer(Int64(limit))])
            var claimed: [GoogleMessageRecord] = []
            for r in rows {
                let message = GoogleMessageRecord(
                    id: try r.int(0, "google_messages.id"), cardNumber: try r.text(1, "google_messages.card_number"),
                    objectID: try r.text(2, "google_objects.object_id"), broadcastID: try r.int(3, "google_messages.broadcast_id"),
                    header: try r.text(4, "google_messages.header"), body: try r.text(5, "google_messages.body"),
                    attempts: Int(try r.int(6, "google_messages.attempts")), notifiedToday: Int(try r.int(7, "notified")))
                try await db.query("UPDATE google_messages SET due_at = $1 WHERE id = $2", [.integer(s + leaseSeconds), .integer(message.id)])
                claimed.append(message)
            }
            return claimed
        }
    }

    public func markMessageSent(id: Int64, notified: Bool, now: Date = Date()) async throws {
        _ = try await database.transaction { db in
            try await db.query(
                "UPDATE google_messages SET due_at = NULL, sent_at = $1, notified = $2, last_error = NULL WHERE id = $3",
                [.integer(Self.seconds(now)), .integer(notified ? 1 : 0), .integer(id)])
        }
    }

    public func markMessageRetry(id: Int64, error: String, retryAfter: Int64, now: Date = Date()) async throws {
        _ = try await database.transaction { db in
            try await db.query(
                "UPDATE google_messages SET attempts = attempts + 1, last_error = $1, due_at = $2 WHERE id = $3",
                [.text(String(error.prefix(500))), .integer(Self.seconds(now) + retryAfter), .integer(id)])
        }
    }

    public func markMessageFailed(id: Int64, error: String) async throws {
        _ = try await database.transaction { db in
            try await db.query(
                "UPDATE google_messages SET attempts = attempts + 1, last_error = $1, due_at = NULL WHERE id = $2",
                [.text(String(error.prefix(500))), .integer(id)])
        }
    }

    // MARK: saves and deletions

    /// Records a verified save or delete callback for the card whose object it names; a nonce
    /// seen before changes nothing.
    public func recordEvent(objectID: String, _ kind: GoogleEventKind, nonce: String, now: Date = Date()) async throws -> GoogleEventOutcome {
        try await database.transaction { db in
            guard let card = try await db.query("SELECT card_number FROM google_objects WHERE object_id = $1", [.text(objectID)]).first?
                .text(0, "google_objects.card_number")
            else { return .unknownObject }
            let inserted = try await db.query(
                """
                INSERT INTO google_events (card_number, event, nonce, received_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (nonce) DO NOTHING RETURNING id
                """, [.text(card), .text(kind.rawValue), .text(nonce), .integer(Self.seconds(now))])
            guard !inserted.isEmpty else { return .duplicate }
            try await db.query(
                "UPDATE google_objects SET saved = $1 WHERE card_number = $2", [.integer(kind == .save ? 1 : 0), .text(card)])
            return .recorded
        }
    }

    /// A card's saves and deletions, oldest first.
    public func events(cardNumber: String) async throws -> [(kind: GoogleEventKind, at: Date)] {
        try await database.read { db in
            try await db.query(
                "SELECT event, received_at FROM google_events WHERE card_number = $1 ORDER BY id", [.text(cardNumber)]
            ).map { (try $0.value(0, "google_events.event"), try $0.date(1, "google_events.received_at")) }
        }
    }
}
