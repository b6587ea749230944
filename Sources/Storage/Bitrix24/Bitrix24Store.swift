import Core
import Foundation

/// Storage for the Bitrix24 application: the installed portal, and its inbox and outbox.
public struct Bitrix24Store: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    static func seconds(_ d: Date) -> Int64 { Int64(d.timeIntervalSince1970.rounded(.down)) }

    // MARK: The portal

    static let portalColumns = "member_id, domain, application_token, client_endpoint, sealed_tokens, installed_at, updated_at"

    static func portal(_ r: SQLRow) throws -> Bitrix24Portal {
        guard case .blob(let sealed) = r.values[4] else { throw DatabaseError("b24_portal.sealed_tokens is not a blob") }
        return Bitrix24Portal(
            memberID: try r.text(0, "b24_portal.member_id"), domain: try r.text(1, "b24_portal.domain"),
            applicationToken: try r.text(2, "b24_portal.application_token"), clientEndpoint: try r.text(3, "b24_portal.client_endpoint"),
            sealedTokens: sealed, installedAt: try r.date(5, "b24_portal.installed_at"), updatedAt: try r.date(6, "b24_portal.updated_at"))
    }

    /// The installed portal, if any.
    public func portal() async throws -> Bitrix24Portal? {
        try await database.read { db in
            try await db.query("SELECT \(Self.portalColumns) FROM b24_portal WHERE id = 1").first.map(Self.portal)
        }
    }

    /// Installs `portal`, or installs the same portal again (a re-install replaces its tokens);
    /// another portal is refused while one is installed. `calls` (the app's registrations) are
    /// queued in the same transaction, so an install never stands without them.
    public func install(_ portal: Bitrix24Portal, queueing calls: [NewPortalQueueItem] = []) async throws -> PortalInstallOutcome {
        try await database.transaction { db in
            let outcome = try await Self.install(db, portal)
            if case .refused = outcome { return outcome }
            try await Self.enqueue(db, .outbox, calls, now: portal.updatedAt)
            return outcome
        }
    }

    static func install(_ db: any DatabaseConnection, _ portal: Bitrix24Portal) async throws -> PortalInstallOutcome {
        if let current = try await db.query("SELECT member_id, domain FROM b24_portal WHERE id = 1").first {
            guard try current.text(0, "b24_portal.member_id") == portal.memberID else {
                return .refused(installedDomain: try current.text(1, "b24_portal.domain"))
            }
            try await db.query(
                "UPDATE b24_portal SET domain = $1, application_token = $2, client_endpoint = $3, sealed_tokens = $4, updated_at = $5 WHERE id = 1",
                [.text(portal.domain), .text(portal.applicationToken), .text(portal.clientEndpoint), .blob(portal.sealedTokens), .integer(Self.seconds(portal.updatedAt))])
            return .reinstalled
        }
        try await db.query(
            "INSERT INTO b24_portal (id, \(Self.portalColumns)) VALUES (1, $1, $2, $3, $4, $5, $6, $7)",
            [.text(portal.memberID), .text(portal.domain), .text(portal.applicationToken), .text(portal.clientEndpoint), .blob(portal.sealedTokens),
             .integer(Self.seconds(portal.installedAt)), .integer(Self.seconds(portal.updatedAt))])
        return .installed
    }

    /// Replaces the sealed tokens after a refresh; false when the portal is gone (uninstalled meanwhile).
    @discardableResult
    public func replaceTokens(memberID: String, sealed: [UInt8], clientEndpoint: String, now: Date = Date()) async throws -> Bool {
        try await database.transaction { db in
            try await db.query(
                "UPDATE b24_portal SET sealed_tokens = $1, client_endpoint = $2, updated_at = $3 WHERE id = 1 AND member_id = $4 RETURNING member_id",
                [.blob(sealed), .text(clientEndpoint), .integer(Self.seconds(now)), .text(memberID)]).count == 1
        }
    }

    /// Removes the portal's tokens, what waits to be sent to it and what was mirrored to it; false when it was not installed.
    @discardableResult
    public func uninstall(memberID: String) async throws -> Bool {
        try await database.transaction { db in
            let removed = try await db.query("DELETE FROM b24_portal WHERE id = 1 AND member_id = $1 RETURNING member_id", [.text(memberID)]).count == 1
            if removed {
                try await db.query("DELETE FROM b24_outbox WHERE state IN ('queued', 'sending')")
                // Another portal installed later has other contacts: it gets every household written.
                try await db.query("DELETE FROM b24_synced")
            }
            return removed
        }
    }

    // MARK: Queues

    static let itemColumns = "id, kind, coalesce_key, payload, attempts, created_at"

    static func item(_ r: SQLRow, _ table: String) throws -> PortalQueueItem {
        PortalQueueItem(
            id: try r.int(0, "\(table).id"), kind: try r.text(1, "\(table).kind"), key: try r.optionalText(2, "\(table).coalesce_key"),
            payload: try r.text(3, "\(table).payload"), attempts: Int(try r.int(4, "\(table).attempts")), createdAt: try r.date(5, "\(table).created_at"))
    }

    /// Queues `items`, in one transaction (with whatever else `db` is writing). An item whose key
    /// is already waiting replaces the waiting one's payload: only the latest state is sent.
    public static func enqueue(_ db: any DatabaseConnection, _ queue: PortalQueue, _ items: [NewPortalQueueItem], now: Date) async throws {
        let t = queue.rawValue
        for item in items {
            let binds: [SQLValue] = [.text(item.kind), item.key.map(SQLValue.text) ?? .null, .text(item.payload), .integer(seconds(now))]
            if item.key != nil {
                try await db.query(
                    """
                    INSERT INTO \(t) (kind, coalesce_key, payload, state, attempts, next_at, created_at) VALUES ($1, $2, $3, 'queued', 0, $4, $4)
                    ON CONFLICT (coalesce_key) WHERE state = 'queued' DO UPDATE SET kind = excluded.kind, payload = excluded.payload
                    """, binds)
            } else {
                try await db.query("INSERT INTO \(t) (kind, coalesce_key, payload, state, attempts, next_at, created_at) VALUES ($1, $2, $3, 'queued', 0, $4, $4)", binds)
            }
        }
    }

    /// ``enqueue(_:_:_:now:)`` in a transaction of its own.
    public func enqueue(_ queue: PortalQueue, _ items: [NewPortalQueueItem], now: Date = Date()) async throws {
        _ = try await database.transaction { db in try await Self.enqueue(db, queue, items, now: now) }
    }

    /// Claims up to `limit` due items, oldest first, for `lease`: an item not completed by then
    /// (a crash) is due again.
    /// `kinds` limits the claim to items of those kinds (what the caller can act on).
    public func claim(_ queue: PortalQueue, kinds: [String]? = nil, now: Date, lease: Lease, limit: Int) async throws -> [PortalQueueItem] {
        let t = queue.rawValue
        return try await database.transaction { db in
            let skipLocked = db.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            var binds: [SQLValue] = [.integer(Self.seconds(now)), .integer(lease.until(now: now.timeIntervalSince1970)), .integer(Int64(limit))]
            var only = ""
            if let kinds {
                only = " AND kind IN (" + kinds.map { kind -> String in
                    binds.append(.text(kind))
                    return "$\(binds.count)"
                }.joined(separator: ", ") + ")"
            }
            return try await db.query(
                """
                UPDATE \(t) SET state = 'sending', attempts = attempts + 1, next_at = $2
                WHERE id IN (SELECT id FROM \(t) WHERE state IN ('queued', 'sending') AND next_at <= $1\(only) ORDER BY next_at, id LIMIT $3\(skipLocked))
                AND state IN ('queued', 'sending') AND next_at <= $1
                RETURNING \(Self.itemColumns)
                """,
                binds
            ).map { try Self.item($0, t) }.sorted { $0.id < $1.id }
        }
    }

    /// Records what became of a claimed item, and queues `answers` on the outbox in the same
    /// transaction (an inbox item done is answered, or neither happened). A retried item whose
    /// key has meanwhile been queued again is superseded by the newer one and removed.
    public func complete(_ queue: PortalQueue, id: Int64, _ outcome: PortalQueueOutcome, answers: [NewPortalQueueItem] = [], now: Date = Date()) async throws {
        let t = queue.rawValue
        _ = try await database.transaction { db in
            try await Self.enqueue(db, .outbox, answers, now: now)
            switch outcome {
            case .done:
                try await db.query("UPDATE \(t) SET state = 'done', done_at = $1, last_error = NULL WHERE id = $2", [.integer(Self.seconds(now)), .integer(id)])
            case .failed(let error):
                try await db.query("UPDATE \(t) SET state = 'failed', done_at = $1, last_error = $2 WHERE id = $3", [.integer(Self.seconds(now)), .text(error), .integer(id)])
            case .retry(let at, let error):
                let requeued = try await db.query(
                    """
                    UPDATE \(t) SET state = 'queued', next_at = $1, last_error = $2 WHERE id = $3
                    AND (coalesce_key IS NULL OR NOT EXISTS (SELECT 1 FROM \(t) o WHERE o.coalesce_key = \(t).coalesce_key AND o.state = 'queued'))
                    RETURNING id
                    """, [.integer(Self.seconds(at)), .text(error), .integer(id)])
                if requeued.isEmpty {
                    try await db.query("DELETE FROM \(t) WHERE id = $1 AND state = 'sending'", [.integer(id)])
                }
            }
        }
    }

    /// How many items of `queue` are in `state` (queued, sending, done, failed).
    public func count(_ queue: PortalQueue, state: String) async throws -> Int {
        try await database.read { db in
            Int(try await db.query("SELECT COUNT(*) FROM \(queue.rawValue) WHERE state = $1", [.text(state)]).first?.int(0, "count") ?? 0)
        }
    }
}
