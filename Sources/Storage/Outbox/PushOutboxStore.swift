import Core
import Foundation

/// A row of the push outbox: a device (by push token) to be told that passes of one type changed.
public struct DuePush: Sendable, Hashable {
    public var pushToken: String
    public var passTypeIdentifier: String
    public var client: WalletClient
    /// Changes coalesced into the row so far; settling deletes the row only if it is unchanged.
    public var generation: Int64
    /// Attempts already made and failed transiently.
    public var attempts: Int
    /// The broadcast whose change this push announces, if any (its outcome is counted there).
    public var broadcastID: Int64?

    public init(pushToken: String, passTypeIdentifier: String, client: WalletClient, generation: Int64 = 0, attempts: Int = 0, broadcastID: Int64? = nil) {
        self.pushToken = pushToken
        self.passTypeIdentifier = passTypeIdentifier
        self.client = client
        self.generation = generation
        self.attempts = attempts
        self.broadcastID = broadcastID
    }
}

/// What became of a claimed push.
public enum PushSettlement: Sendable, Hashable {
    /// Sent and accepted: the row goes.
    case delivered
    /// Over without delivery (rejected, failed for good): the row goes; counted as failed.
    case failed
    /// The token is dead for this pass type: the row goes, and so do the device's registrations for
    /// the pass type made before `before` (all of them when nil), and devices left with none.
    case unregister(before: Date?)
    /// Try again at `at`, with `attempts` failed attempts so far.
    case retry(at: Date, attempts: Int)
}

/// The durable push outbox (`push_due`).
///
/// Pass changes write rows in their own transactions (``recordDue(_:passes:dueAt:broadcastID:conflict:)``);
/// dispatchers ``claim(limit:now:lease:excluding:)`` due rows and ``settle(_:now:)`` them. A claim moves the
/// row's due time forward by a lease instead of holding a transaction across the network, so a
/// worker killed mid-flight loses nothing: its rows fall due again when the lease ends
/// (at-least-once). On PostgreSQL claims use `FOR UPDATE SKIP LOCKED`, so servers share the work.
public struct PushOutboxStore: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// The PostgreSQL NOTIFY channel that pushes due are announced on.
    public static let notifyChannel = "passline_push_due"

    /// What a new push-due row does to a pending one for the same push token and pass type.
    enum DueConflict: Sendable, Hashable {
        /// Takes the new due time: a change made now is due now.
        case replace
        /// Keeps the earlier due time: a held row (a broadcast wave not signed yet) must not push
        /// back a device already due sooner for another change.
        case keepEarlier
    }

    /// Rows written held: due only when the hold lapses, unless released sooner by
    /// ``release(broadcastID:wave:now:)`` once the wave's passes are signed.
    struct Hold: Sendable, Hashable {
        /// The wave the rows belong to (unique within their broadcast).
        var wave: Int64
        /// When the rows fall due by themselves (a server that died before releasing them).
        var until: Int64
    }

    /// The one writer of the push outbox: records a push due at `dueAt` for every device
    /// registered to one of `passes`, one row per (push token, pass type), coalesced with a pending
    /// row as `conflict` says (its generation moves on, so a claim in flight keeps it). Returns the
    /// rows written. Call inside the change's transaction, after locking the pass rows (lock order:
    /// account rows → pass rows → push-due rows → the tag counter): ``Database/pushDue`` signals
    /// when it commits; on PostgreSQL a NOTIFY, delivered on commit, wakes other servers too.
    @discardableResult
    static func recordDue(
        _ db: any DatabaseConnection, passes: PassSelection, dueAt: Int64, broadcastID: Int64? = nil, conflict: DueConflict = .replace,
        hold: Hold? = nil
    ) async throws -> Int64 {
        var b = SQLBinds()
        let due = b.add(.integer(hold?.until ?? dueAt))
        let broadcast = b.add(broadcastID.map(SQLValue.integer) ?? .null)
        let wave = b.add(hold.map { .integer($0.wave) } ?? .null)
        let (from, condition) = passes.registrations(&b)
        let dueAtRule = conflict == .keepEarlier
            ? "CASE WHEN excluded.due_at < push_due.due_at THEN excluded.due_at ELSE push_due.due_at END" : "excluded.due_at"
        // Ordered on PostgreSQL, so concurrent writers take the push_due rows in one order; SQLite has one writer.
        // One row per (token, pass type) even when devices of both clients claim the same token (a
        // holder can register one as ApplePass and another as AndroidPass): PostgreSQL refuses an
        // insert whose ON CONFLICT would touch a row twice. Apple wins: its tokens are APNs's.
        let written = try await db.changingRows(
            """
            INSERT INTO push_due (push_token, pass_type_id, client, due_at, broadcast_id, wave)
            SELECT d.push_token, r.pass_type_id, MAX(d.client), \(due), CAST(\(broadcast) AS BIGINT), CAST(\(wave) AS BIGINT)
            FROM \(from) JOIN devices d ON d.device_library_id = r.device_library_id
            WHERE \(condition) GROUP BY d.push_token, r.pass_type_id\(db.dialect == .postgres ? " ORDER BY 1, 2" : "")
            ON CONFLICT (push_token, pass_type_id) DO UPDATE SET due_at = \(dueAtRule),
                generation = push_due.generation + 1, attempts = 0, broadcast_id = excluded.broadcast_id, wave = excluded.wave
            """, b.values)
        if hold == nil {
            db.recordsPushesDue()
            if db.dialect == .postgres {
                try await db.query("SELECT pg_notify('\(notifyChannel)', '')")
            }
        }
        return written
    }

    /// Releases a wave's held rows: due now. Rows claimed meanwhile (the claim clears their wave)
    /// or moved to another wave are left alone. Returns the rows released.
    @discardableResult
    public func release(broadcastID: Int64, wave: Int64, now: Date = Date()) async throws -> Int64 {
        try await database.transaction { db in
            try await Self.release(db, "broadcast_id = $2 AND wave = $3", [.integer(broadcastID), .integer(wave)], now: now)
        }
    }

    /// Releases every held row of a broadcast (a server resuming it after a crash: the waves in
    /// flight were never signed here, their fetches sign on demand). Returns the rows released.
    @discardableResult
    public func releaseAll(broadcastID: Int64, now: Date = Date()) async throws -> Int64 {
        try await database.transaction { db in
            try await Self.release(db, "broadcast_id = $2 AND wave IS NOT NULL", [.integer(broadcastID)], now: now)
        }
    }

    private static func release(_ db: any DatabaseConnection, _ condition: String, _ binds: [SQLValue], now: Date) async throws -> Int64 {
        let released = try await db.changingRows(
            "UPDATE push_due SET due_at = $1, wave = NULL WHERE \(condition)", [.integer(Int64(now.timeIntervalSince1970))] + binds)
        if released > 0 {
            db.recordsPushesDue()
            if db.dialect == .postgres { try await db.query("SELECT pg_notify('\(notifyChannel)', '')") }
        }
        return released
    }

    /// Takes up to `limit` rows due at `now`, hiding them from other claims for `lease`.
    public func claim(limit: Int, now: Date = Date(), lease: Duration = .seconds(60), excluding: Set<String> = []) async throws -> [DuePush] {
        let seconds = Int64(now.timeIntervalSince1970)
        let until = Lease(lease).until(now: now.timeIntervalSince1970)
        let skipLocked = database.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let excluded = excluding.sorted()
        let notIn = excluded.isEmpty ? "" : " AND pass_type_id NOT IN (\((0..<excluded.count).map { "$\($0 + 4)" }.joined(separator: ", ")))"
        return try await database.transaction { db in
            try await db.query(
                """
                UPDATE push_due SET due_at = $1, wave = NULL WHERE (push_token, pass_type_id) IN (
                    SELECT push_token, pass_type_id FROM push_due WHERE due_at <= $2\(notIn) ORDER BY due_at LIMIT $3\(skipLocked))
                RETURNING push_token, pass_type_id, client, generation, attempts, broadcast_id
                """, [.integer(until), .integer(seconds), .integer(Int64(limit))] + excluded.map(SQLValue.text)
            ).map(Self.duePush)
        }
    }

    static func duePush(_ r: SQLRow) throws -> DuePush {
        try DuePush(
            pushToken: r.text(0, "push_due.push_token"), passTypeIdentifier: r.text(1, "push_due.pass_type_id"), client: r.value(2, "push_due.client"),
            generation: r.int(3, "push_due.generation"), attempts: Int(r.int(4, "push_due.attempts")), broadcastID: r.optionalInt(5, "push_due.broadcast_id"))
    }

    /// Rows in the outbox (due now or later).
    public func count() async throws -> Int {
        try await database.read { db in Int(try await db.query("SELECT COUNT(*) FROM push_due").first?.int(0) ?? 0) }
    }

    /// Applies the outcomes of claimed pushes in one transaction.
    ///
    /// A row that changed since it was claimed (its generation moved on) stays, due again, so the
    /// device is told about the newer change too.
    public func settle(_ results: [(push: DuePush, settlement: PushSettlement)], now: Date = Date()) async throws {
        guard !results.isEmpty else { return }
        try await database.transaction { db in
            var finished: [DuePush] = []
            var counts: [Int64: (sent: Int64, failed: Int64)] = [:]
            for (push, settlement) in results {
                switch settlement {
                case .retry(let at, let attempts):
                    try await db.query(
                        "UPDATE push_due SET due_at = $1, attempts = $2 WHERE push_token = $3 AND pass_type_id = $4 AND generation = $5",
                        [.integer(Int64(at.timeIntervalSince1970.rounded(.up))), .integer(Int64(attempts)), .text(push.pushToken),
                         .text(push.passTypeIdentifier), .integer(push.generation)])
                    continue
                case .unregister(let before):
                    try await Self.unregister(db, push: push, before: before)
                case .delivered, .failed:
                    break
                }
                finished.append(push)
                if let id = push.broadcastID {
                    var c = counts[id] ?? (0, 0)
                    if settlement == .delivered { c.sent += 1 } else { c.failed += 1 }
                    counts[id] = c
                }
            }
            // Row values in batches: one statement per 300 rows, not one per row.
            for start in stride(from: 0, to: finished.count, by: 300) {
                let chunk = finished[start..<min(start + 300, finished.count)]
                var binds: [SQLValue] = []
                var tuples: [String] = []
                for push in chunk {
                    let n = binds.count
                    tuples.append("($\(n + 1), $\(n + 2), $\(n + 3))")
                    binds += [.text(push.pushToken), .text(push.passTypeIdentifier), .integer(push.generation)]
                }
                try await db.query(
                    "DELETE FROM push_due WHERE (push_token, pass_type_id, generation) IN (VALUES \(tuples.joined(separator: ", ")))", binds)
            }
            for (id, c) in counts.sorted(by: { $0.key < $1.key }) {
                try await db.query(
                    """
                    INSERT INTO broadcast_push_counts (broadcast_id, sent, failed) VALUES ($1, $2, $3)
                    ON CONFLICT (broadcast_id) DO UPDATE SET sent = broadcast_push_counts.sent + excluded.sent,
                        failed = broadcast_push_counts.failed + excluded.failed
                    """, [.integer(id), .integer(c.sent), .integer(c.failed)])
            }
        }
    }

    /// Deletes the registrations for the pass type of devices with this push token made before
    /// `before` (APNs's 410 timestamp: a later registration is a re-install it has not seen), then
    /// the devices left without registrations.
    static func unregister(_ db: any DatabaseConnection, push: DuePush, before: Date?) async throws {
        let cutoff = before.map { Int64(($0.timeIntervalSince1970).rounded(.down)) } ?? Int64.max
        let removed = try await db.query(
            """
            DELETE FROM registrations WHERE pass_type_id = $1 AND created_at < $2
                AND device_library_id IN (SELECT device_library_id FROM devices WHERE push_token = $3)
            RETURNING 1
            """, [.text(push.passTypeIdentifier), .integer(cutoff), .text(push.pushToken)])
        try await ActivityLog.record(db, .removal, platform: push.client, count: removed.count, at: Int64(Date().timeIntervalSince1970))
        try await db.query(
            """
            DELETE FROM devices WHERE push_token = $1
                AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.device_library_id = devices.device_library_id)
            """, [.text(push.pushToken)])
    }
}
