import Core
import Foundation
import Loyalty

/// Imports of an existing client base: the accepted files with their progress (see
/// ``runBatch(id:owner:file:size:leaseSeconds:program:settings:now:beforeCommit:)`` for the
/// writing), and the reads an import's check and the exports need.
///
/// An import is leased to one runner (a server's worker, or `passline import`), the lease renewed
/// by every batch and taken over when it lapses, so a runner that died is resumed from the
/// committed cursor by whoever comes next.
public struct ImportStore: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    static let columns = """
        id, state, file_hash, rows, cursor, cards_created, cards_existing, households_created, opening_points, error, \
        created_at, started_at, finished_at, request_hash
        """

    static func record(_ r: SQLRow) throws -> ImportRecord {
        try ImportRecord(
            id: r.int(0, "imports.id"), state: r.value(1, "imports.state"), fileHash: r.text(2, "imports.file_hash"),
            rows: r.int(3, "imports.rows"), processed: r.int(4, "imports.cursor"), cardsCreated: r.int(5, "imports.cards_created"),
            cardsExisting: r.int(6, "imports.cards_existing"), householdsCreated: r.int(7, "imports.households_created"),
            openingPoints: r.int(8, "imports.opening_points"), error: r.optionalText(9, "imports.error"), createdAt: r.date(10, "imports.created_at"),
            startedAt: r.optionalDate(11, "imports.started_at"), finishedAt: r.optionalDate(12, "imports.finished_at"),
            requestHash: r.optionalText(13, "imports.request_hash"))
    }

    static func seconds(_ d: Date) -> Int64 { Int64(d.timeIntervalSince1970.rounded(.down)) }

    // MARK: creating

    /// Stores an accepted file as a queued import. With an idempotency key (kept on the row, so a
    /// retry after a crash finds the import that committed) a repeat of the same request returns
    /// the first import, and the key with another request is ``ImportCreation/keyMismatch``.
    ///
    /// With `owner` (a runner of its own, `passline import`) the import starts leased to it, so a
    /// server's worker leaves it alone while that runner renews the lease.
    public func create(_ new: NewImport, owner: String? = nil, leaseSeconds: Int64 = 0, now: Date = Date()) async throws -> ImportCreation {
        if let key = new.idempotencyKey, let found = try await existing(idempotencyKey: key, requestHash: new.requestHash) { return found }
        do {
            return try await database.transaction { db in
                let s = Self.seconds(now)
                let rows = try await db.query(
                    """
                    INSERT INTO imports (state, file, file_hash, rows, idempotency_key, request_hash, lease_owner, lease_until, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING \(Self.columns)
                    """,
                    [.text(owner == nil ? ImportState.queued.rawValue : ImportState.running.rawValue), .blob(new.file), .text(new.fileHash),
                     .integer(new.rows), new.idempotencyKey.map(SQLValue.text) ?? .null, new.requestHash.map(SQLValue.text) ?? .null,
                     owner.map(SQLValue.text) ?? .null, .integer(owner == nil ? 0 : Lease(seconds: leaseSeconds).until(now: now.timeIntervalSince1970)),
                     .integer(s)])
                guard let row = rows.first else { throw DatabaseError("the new import has no id") }
                return .created(try Self.record(row))
            }
        } catch let error as DatabaseQueryError where error.kind == .uniqueViolation && new.idempotencyKey != nil {
            // A concurrent request with the same key committed first.
            if let key = new.idempotencyKey, let found = try await existing(idempotencyKey: key, requestHash: new.requestHash) { return found }
            throw error
        }
    }

    /// The import created under this idempotency key, if any: ``ImportCreation/replayed(_:)`` for
    /// the same request, ``ImportCreation/keyMismatch`` for another.
    public func existing(idempotencyKey: String, requestHash: String?) async throws -> ImportCreation? {
        try await database.read { db in
            guard let row = try await db.query("SELECT \(Self.columns) FROM imports WHERE idempotency_key = $1", [.text(idempotencyKey)]).first else { return nil }
            let record = try Self.record(row)
            return record.requestHash == requestHash ? .replayed(record) : .keyMismatch
        }
    }

    // MARK: reading

    public func record(id: Int64) async throws -> ImportRecord? {
        try await database.read { db in
            try await db.query("SELECT \(Self.columns) FROM imports WHERE id = $1", [.integer(id)]).first.map(Self.record)
        }
    }

    /// The file an import was accepted with, as it arrived.
    public func file(id: Int64) async throws -> [UInt8]? {
        try await database.read { db in try await db.query("SELECT file FROM imports WHERE id = $1", [.integer(id)]).first?.blob(0) }
    }

    /// The cards that already carry any of these numbers or external ids, with their households'
    /// phones: what an import's check compares its rows with. Read in chunks, so a file of any
    /// size stays within the engines' limits on bound values.
    public func existingCards(numbers: [String], externalIDs: [String]) async throws -> [ExistingCard] {
        try await database.read { db in
            var found: [ExistingCard] = []
            for (column, values) in [("c.number", numbers), ("c.external_id", externalIDs)] {
                for start in stride(from: 0, to: values.count, by: Self.chunk) {
                    let slice = values[start..<min(start + Self.chunk, values.count)]
                    var b = SQLBinds()
                    let list = slice.map { b.add(.text($0)) }.joined(separator: ", ")
                    // The phone by a lookup per card found: a join would have PostgreSQL hash every household for each chunk.
                    let rows = try await db.query(
                        "SELECT c.number, c.external_id, (SELECT a.phone FROM accounts a WHERE a.id = c.account_id) FROM cards c WHERE \(column) IN (\(list))",
                        b.values)
                    for r in rows {
                        found.append(ExistingCard(
                            number: try r.text(0, "cards.number"), externalID: try r.optionalText(1, "cards.external_id"), phone: try r.phone(2, "accounts.phone")))
                    }
                }
            }
            return found
        }
    }

    /// Values bound into one `IN (…)` list at most.
    static let chunk = 1000

    // MARK: running

    /// Takes (or renews) the lease on the oldest import with work left, marking it running;
    /// returns its id. An import leased by another runner whose lease has not lapsed is left to it.
    public func claimNext(owner: String, leaseSeconds: Int64, now: Date = Date()) async throws -> Int64? {
        // A read first: an idle server polling costs no write transaction.
        let any = try await database.read { db in try await db.query("SELECT 1 FROM imports WHERE state IN ('queued', 'running') LIMIT 1") }
        guard !any.isEmpty else { return nil }
        return try await database.transaction { db in
            let s = Self.seconds(now)
            let lock = db.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            guard let id = try await db.query(
                """
                SELECT id FROM imports WHERE state IN ('queued', 'running') AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until <= $2)
                ORDER BY id LIMIT 1\(lock)
                """, [.text(owner), .integer(s)]
            ).first?.int(0) else { return nil }
            try await db.query(
                "UPDATE imports SET state = 'running', lease_owner = $1, lease_until = $2, started_at = COALESCE(started_at, $3) WHERE id = $4",
                [.text(owner), .integer(Lease(seconds: leaseSeconds).until(now: now.timeIntervalSince1970)), .integer(s), .integer(id)])
            return id
        }
    }

    /// Gives the lease up (a runner stopping), so another may take over at once.
    public func release(id: Int64, owner: String) async throws {
        _ = try await database.transaction { db in
            try await db.query("UPDATE imports SET lease_owner = NULL, lease_until = 0 WHERE id = $1 AND lease_owner = $2", [.integer(id), .text(owner)])
        }
    }

    /// Marks an unfinished import failed: the batches committed stay (a new import of the same
    /// file counts them as existing and imports the rest).
    public func fail(id: Int64, reason: String, now: Date = Date()) async throws {
        _ = try await database.transaction { db in
            try await db.query(
                "UPDATE imports SET state = 'failed', error = $1, finished_at = $2, lease_owner = NULL WHERE id = $3 AND state IN ('queued', 'running')",
                [.text(String(reason.prefix(2000))), .integer(Self.seconds(now)), .integer(id)])
        }
    }
}

/// A card that already holds a number or external id an import names.
public struct ExistingCard: Sendable, Hashable {
    public var number: String
    public var externalID: String?
    /// Its household's phone.
    public var phone: PhoneNumber
}
