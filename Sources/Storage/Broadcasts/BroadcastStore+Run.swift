import Core
import Foundation
import PassBuilder

/// What one call of ``BroadcastStore/runBatch(id:owner:size:holdSeconds:leaseSeconds:now:beforeCommit:)`` did.
public enum BroadcastBatchOutcome: Sendable, Hashable {
    /// A batch committed; more may follow.
    case progressed(BroadcastWave)
    /// No targeted household was left: the broadcast is done.
    case finished
    /// The broadcast is not ours to run any more (cancelled, finished, or leased by another server).
    case stopped
}

/// One committed batch of a broadcast: its households, and the passes whose devices it recorded
/// pushes for. Held (``holdsPushes``), those pushes wait until the passes are signed and
/// ``PushOutboxStore/release(broadcastID:wave:now:)`` lets them go.
public struct BroadcastWave: Sendable, Hashable {
    public var broadcastID: Int64
    /// The wave's id within its broadcast: the last account id of its range.
    public var wave: Int64
    public var households: Int64
    public var cards: Int64
    public var pushes: Int64
    /// Whether its push-due rows were written held.
    public var holdsPushes: Bool
    /// The passes it changed, as the pass stamper selected them.
    let passes: PassSelection
}

extension BroadcastStore {
    // MARK: claiming

    /// Takes (or renews) the lease on the oldest broadcast with work left, marking it running;
    /// returns its id. With `ignoreLeases` (SQLite: one server per database file) another
    /// owner's lease does not count, so a restarted server resumes at once after a crash.
    public func claimNext(owner: String, leaseSeconds: Int64, ignoreLeases: Bool, now: Date = Date()) async throws -> Int64? {
        // A read first: an idle server polling costs no write transaction.
        let any = try await database.read { db in
            try await db.query("SELECT 1 FROM broadcasts WHERE state IN ('queued', 'running') LIMIT 1")
        }
        guard !any.isEmpty else { return nil }
        return try await database.transaction { db in
            let seconds = Int64(now.timeIntervalSince1970)
            let free = ignoreLeases ? "" : " AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until <= $2)"
            let lock = db.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            guard let id = try await db.query(
                "SELECT id FROM broadcasts WHERE state IN ('queued', 'running')\(free) ORDER BY id LIMIT 1\(lock)",
                ignoreLeases ? [] : [.text(owner), .integer(seconds)]
            ).first?.int(0) else { return nil }
            // tag_base: every tag this broadcast stamps is above the counter's value now.
            try await db.query(
                """
                UPDATE broadcasts SET state = 'running', lease_owner = $1, lease_until = $2, started_at = COALESCE(started_at, $3),
                    tag_base = COALESCE(tag_base, (SELECT value FROM counters WHERE name = 'update_tag'))
                WHERE id = $4
                """, [.text(owner), .integer(Lease(seconds: leaseSeconds).until(now: now.timeIntervalSince1970)), .integer(seconds), .integer(id)])
            return id
        }
    }

    /// Gives the lease up (a server shutting down), so another may take over at once.
    public func release(id: Int64, owner: String) async throws {
        _ = try await database.transaction { db in
            try await db.query("UPDATE broadcasts SET lease_owner = NULL, lease_until = 0 WHERE id = $1 AND lease_owner = $2", [.integer(id), .text(owner)])
        }
    }

    /// Cancels a queued or running broadcast. Batches already committed stay (their households
    /// keep the points and their devices get their pushes); no further batch runs.
    public func cancel(id: Int64, now: Date = Date()) async throws -> BroadcastCancellation {
        try await database.transaction { db in
            let lock = db.dialect == .postgres ? " FOR UPDATE" : ""
            guard let state: BroadcastState = try await db.query("SELECT state FROM broadcasts WHERE id = $1\(lock)", [.integer(id)]).first?.value(0, "broadcasts.state") else {
                return .notFound
            }
            if state.canMove(to: .cancelled) {
                try await db.query("UPDATE broadcasts SET state = 'cancelled', finished_at = $1 WHERE id = $2", [.integer(Int64(now.timeIntervalSince1970)), .integer(id)])
            }
            guard let record = try await Self.broadcast(db, id: id) else { return .notFound }
            return state.canMove(to: .cancelled) ? .cancelled(record) : .final(record)
        }
    }

    /// Marks a running broadcast failed with a reason (after repeated errors).
    public func fail(id: Int64, reason: String, now: Date = Date()) async throws {
        _ = try await database.transaction { db in
            try await db.query(
                "UPDATE broadcasts SET state = 'failed', error = $1, finished_at = $2 WHERE id = $3 AND state IN ('queued', 'running')",
                [.text(String(reason.prefix(1000))), .integer(Int64(now.timeIntervalSince1970)), .integer(id)])
        }
    }

    // MARK: one batch

    /// Runs the next batch of a running broadcast leased to `owner`, in one transaction:
    ///
    /// 1. lock the broadcast row (PostgreSQL) and check it is still running and ours;
    /// 2. find the batch: the next `size` targeted households by id after the cursor;
    /// 3. lock their account rows (PostgreSQL, in id order);
    /// 4. grant the points: balances first, then one ledger entry per household with business
    ///    key `broadcast:{id}` for households that have none (the unique key backs this up);
    /// 5. point their active cards at this broadcast (the promo text passes show), and queue the text
    ///    as a message for their Google Wallet objects;
    /// 6. lock the pass rows (PostgreSQL, ordered), then record one push-due row per device push token and pass type (coalesced with any
    ///    pending row, keeping the earlier due time): due now, or with `holdSeconds` held as wave
    ///    `upper` until the caller has signed the wave's passes and releases them (or the hold lapses);
    /// 7. advance the cursor and the counters;
    /// 8. stamp the pass rows with one new update tag, last.
    ///
    /// Lock order as everywhere: account rows → pass rows → push-due rows → the update-tag counter.
    /// Writers of several passes hold their households' account rows first, taken in id order; a
    /// pass PATCH takes no account row, so the pass rows must come before the push-due rows here
    /// as in the PATCH and in accruals, or a PATCH racing a batch could deadlock.
    /// `beforeCommit` runs after every statement, just before the commit (tests throw there to
    /// simulate a crash).
    public func runBatch(
        id: Int64, owner: String, size: Int, holdSeconds: Int64? = nil, leaseSeconds: Int64, now: Date = Date(),
        beforeCommit: @Sendable () async throws -> Void = {}
    ) async throws -> BroadcastBatchOutcome {
        try await database.transaction { db in
            let seconds = Int64(now.timeIntervalSince1970)
            let pg = db.dialect == .postgres
            guard let row = try await db.query(
                """
                SELECT state, lease_owner, cursor, last_account_id, points, audience, promo
                FROM broadcasts WHERE id = $1\(pg ? " FOR UPDATE" : "")
                """, [.integer(id)]
            ).first else { return .stopped }
            guard try row.value(0, "broadcasts.state") == BroadcastState.running, try row.optionalText(1, "broadcasts.lease_owner") == owner else {
                return .stopped
            }
            let cursor = try row.int(2, "broadcasts.cursor")
            let last = try row.int(3, "broadcasts.last_account_id")
            let points = try row.int(4, "broadcasts.points")
            let audience = try JSONValue(parsing: Array(row.text(5, "broadcasts.audience").utf8))
            let promo = try row.text(6, "broadcasts.promo")
            let selection = BroadcastSelection(broadcastID: id, audience: audience)

            var boundary = SQLBinds()
            let inRange = "a.id > \(boundary.add(.integer(cursor))) AND a.id <= \(boundary.add(.integer(last))) AND \(selection.audience(&boundary))"
            let limit = boundary.add(.integer(Int64(size)))
            guard let upper = try await db.query(
                "SELECT MAX(id) FROM (SELECT a.id FROM accounts a WHERE \(inRange) ORDER BY a.id LIMIT \(limit)) s", boundary.values
            ).first?.int(0) else {
                try await db.query(
                    "UPDATE broadcasts SET state = 'done', cursor = last_account_id, finished_at = $1, lease_owner = NULL, lease_until = 0 WHERE id = $2",
                    [.integer(seconds), .integer(id)])
                try await beforeCommit()
                return .finished
            }

            // Each statement below picks the batch's households with the same condition. Where it
            // joins cards (or updates accounts) it also bounds the account id by the batch's range
            // itself, so PostgreSQL's planner range-scans the index instead of hashing the whole
            // table for every batch.
            func statement(_ prefix: [SQLValue] = [], _ make: (String, inout SQLBinds) -> String) -> (String, [SQLValue]) {
                var b = SQLBinds(values: prefix)
                let households = selection.households(&b, lo: cursor, hi: upper)
                return (make(households, &b), b.values)
            }
            func cardRange(_ b: inout SQLBinds, _ column: String = "c.account_id") -> String {
                "\(column) > \(b.add(.integer(cursor))) AND \(column) <= \(b.add(.integer(upper)))"
            }

            let (lockSQL, lockBinds) = statement { h, _ in
                pg ? "SELECT COUNT(*) FROM (SELECT a.id FROM accounts a WHERE \(h) ORDER BY a.id FOR UPDATE) s"
                   : "SELECT COUNT(*) FROM accounts a WHERE \(h)"
            }
            let households = try await db.query(lockSQL, lockBinds).first?.int(0) ?? 0

            var granted: Int64 = 0
            if points > 0 {
                granted = try await LedgerStore.writeEntries(
                    db, accounts: .broadcastBatch(selection, lo: cursor, hi: upper), kind: .broadcast, points: points, cardNumber: nil,
                    amount: nil, businessKey: Self.businessKey(id), reverses: nil, comment: "broadcast \(id)", now: seconds, returning: false
                ).count
            }

            let (cardsSQL, cardsBinds) = statement { h, b in
"UPDATE cards SET broadcast_id = \(b.add(.integer(id))) WHERE status = 'active' AND \(cardRange(&b, "account_id")) AND account_id IN (SELECT a.id FROM accounts a WHERE \(h))"
            }
            let cards = try await db.changingRows(cardsSQL, cardsBinds)
            if !promo.isEmpty {
                // The cards' Google Wallet objects get the text as a message (the header is the program's name).
                try await GoogleWalletStore.queueMessages(
                    db, broadcastID: id, header: "", body: promo,
                    passes: .broadcastBatch(selection, lo: cursor, hi: upper, activeCardsOnly: true), now: seconds)
            }

            // With points every card of the household shows a new balance; without, only the active ones changed.
            let passes = PassSelection.broadcastBatch(selection, lo: cursor, hi: upper, activeCardsOnly: points <= 0)
            try await RegistryStore.lockPasses(db, passes)
            let hold = holdSeconds.map { PushOutboxStore.Hold(wave: upper, until: seconds + $0) }
            let pushes = try await PushOutboxStore.recordDue(db, passes: passes, dueAt: seconds, broadcastID: id, conflict: .keepEarlier, hold: hold)

            try await db.query(
                """
                UPDATE broadcasts SET cursor = $1, households_done = households_done + $2, households_granted = households_granted + $3,
                    cards_updated = cards_updated + $4, pushes_recorded = pushes_recorded + $5, lease_until = $6
                WHERE id = $7
                """,
                [.integer(upper), .integer(households), .integer(granted), .integer(cards), .integer(pushes), .integer(Lease(seconds: leaseSeconds).until(now: now.timeIntervalSince1970)), .integer(id)])

            try await RegistryStore.stampPasses(db, passes, now: seconds)
            try await beforeCommit()
            return .progressed(BroadcastWave(
                broadcastID: id, wave: upper, households: households, cards: cards, pushes: pushes, holdsPushes: hold != nil, passes: passes))
        }
    }
}
