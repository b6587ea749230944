import Foundation
import PassBuilder

/// The registry: passes, devices, registrations and the web-service log, on any ``Database``.
///
/// Every statement is written once, in SQL both engines accept; where they differ the
/// ``SQLDialect`` picks (only row locking, so far).
public struct RegistryStore: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    // MARK: passes

    static let passColumns = "pass_type_id, serial_number, template, variant, values_json, update_tag, modified_at, created_at"

    static func passRecord(_ row: SQLRow) throws -> PassRecord {
        guard case .object(let values) = try JSONValue(parsing: Array(row.text(4, "passes.values_json").utf8)) else {
            throw DatabaseError("passes.values_json: expected a JSON object (pass \(try row.text(1, "passes.serial_number")))")
        }
        return try PassRecord(
            passTypeIdentifier: row.text(0, "passes.pass_type_id"), serialNumber: row.text(1, "passes.serial_number"),
            template: row.text(2, "passes.template"), variant: row.optionalText(3, "passes.variant"), values: values,
            updateTag: row.int(5, "passes.update_tag"), modifiedAt: row.date(6, "passes.modified_at"), createdAt: row.date(7, "passes.created_at"))
    }

    static func json(_ values: [String: JSONValue]) -> SQLValue {
        .text(String(decoding: JSONValue.object(values).serialized(), as: UTF8.self))
    }

    /// Takes the next update tag. Call it last in a transaction: the counter row stays locked
    /// until commit, so no change with a smaller tag can become visible after this one.
    package static func nextTag(_ db: any DatabaseConnection) async throws -> Int64 {
        db.changesVersions()
        guard let tag = try await db.query("UPDATE counters SET value = value + 1 WHERE name = 'update_tag' RETURNING value").first?.int(0) else {
            throw DatabaseError("the update_tag counter is missing; was the database migrated?")
        }
        return tag
    }

    /// Locks the rows of `passes` (PostgreSQL; SQLite has one writer), in key order so that
    /// writers of overlapping sets cannot deadlock. Lock order, everywhere: account rows → pass
    /// rows → push-due rows → the update-tag counter.
    static func lockPasses(_ db: any DatabaseConnection, _ passes: PassSelection) async throws {
        guard db.dialect == .postgres else { return }
        var b = SQLBinds()
        let condition = passes.condition(&b)
        try await db.query(
            "SELECT COUNT(*) FROM (SELECT 1 FROM passes WHERE \(condition) ORDER BY pass_type_id, serial_number FOR UPDATE) s", b.values)
    }

    /// The one pass stamper: takes the next update tag and stamps it, with a later modification
    /// time, on `passes`, and marks the cards' Google Wallet objects due. Call it as the last statement of a transaction: the counter row stays
    /// locked until commit, so on PostgreSQL it is one statement, keeping that window to the commit alone.
    @discardableResult
    static func stampPasses(_ db: any DatabaseConnection, _ passes: PassSelection, now: Int64) async throws -> Int64 {
        // The cards' Google Wallet objects change with their passes (after the pass rows, before the counter).
        try await GoogleWalletStore.noteChanged(db, passes, now: now)
        var b = SQLBinds()
        let seconds = b.add(.integer(now))
        let stamp = "modified_at = CASE WHEN \(seconds) > modified_at THEN \(seconds) ELSE modified_at + 1 END"
        let condition = passes.condition(&b)
        if db.dialect == .postgres {
            db.changesVersions()
            guard let tag = try await db.query(
                """
                WITH t AS (UPDATE counters SET value = value + 1 WHERE name = 'update_tag' RETURNING value),
                u AS (UPDATE passes SET update_tag = (SELECT value FROM t), \(stamp) WHERE \(condition) RETURNING 1)
                SELECT value FROM t
                """, b.values
            ).first?.int(0) else { throw DatabaseError("the update_tag counter is missing; was the database migrated?") }
            return tag
        }
        let tag = try await nextTag(db)
        let tagBind = b.add(.integer(tag))
        try await db.query("UPDATE passes SET update_tag = \(tagBind), \(stamp) WHERE \(condition)", b.values)
        return tag
    }

    /// Adds a pass. Throws a unique-violation ``DatabaseQueryError`` if the serial exists.
    public func createPass(
        passTypeIdentifier: String, serialNumber: String, template: String, variant: String?, values: [String: JSONValue], now: Date = Date()
    ) async throws -> PassRecord {
        try await database.transaction { db in
            let tag = try await Self.nextTag(db)
            let seconds = Int64(now.timeIntervalSince1970)
            let rows = try await db.query(
                "INSERT INTO passes (\(Self.passColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING \(Self.passColumns)",
                [.text(passTypeIdentifier), .text(serialNumber), .text(template), variant.map(SQLValue.text) ?? .null, Self.json(values), .integer(tag), .integer(seconds)])
            return try Self.passRecord(rows[0])
        }
    }

    public func pass(passTypeIdentifier: String, serialNumber: String) async throws -> PassRecord? {
        try await database.read { db in
            try await db.query(
                "SELECT \(Self.passColumns) FROM passes WHERE pass_type_id = $1 AND serial_number = $2",
                [.text(passTypeIdentifier), .text(serialNumber)]
            ).first.map(Self.passRecord)
        }
    }

    /// Merges `values` into the pass's values (and sets the variant, if given), bumps its tag
    /// and modification time. Returns nil when the pass does not exist.
    public func updatePass(
        passTypeIdentifier: String, serialNumber: String, mergingValues values: [String: JSONValue], variant: String? = nil, now: Date = Date()
    ) async throws -> PassRecord? {
        return try await database.transaction { db in
            let lock = db.dialect == .postgres ? " FOR UPDATE" : ""
            guard let current = try await db.query(
                "SELECT \(Self.passColumns) FROM passes WHERE pass_type_id = $1 AND serial_number = $2\(lock)",
                [.text(passTypeIdentifier), .text(serialNumber)]
            ).first.map(Self.passRecord) else { return nil }
            let merged = current.values.merging(values) { _, new in new }
            // Lock order: pass row (above) → push_due rows → the tag counter.
            try await PushOutboxStore.recordDue(
                db, passes: .pass(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber), dueAt: Int64(now.timeIntervalSince1970))
            let tag = try await Self.nextTag(db)
            let rows = try await db.query(
                """
                UPDATE passes SET values_json = $1, variant = $2, update_tag = $3,
                    modified_at = CASE WHEN $4 > modified_at THEN $4 ELSE modified_at + 1 END
                WHERE pass_type_id = $5 AND serial_number = $6 RETURNING \(Self.passColumns)
                """,
                [Self.json(merged), (variant ?? current.variant).map(SQLValue.text) ?? .null, .integer(tag),
                 .integer(Int64(now.timeIntervalSince1970)), .text(passTypeIdentifier), .text(serialNumber)])
            return try rows.first.map(Self.passRecord)
        }
    }

    // MARK: web service

    /// Registers a device for a pass (upserting its push token and client kind).
    public func register(
        deviceLibraryIdentifier: String, pushToken: String, client: WalletClient, passTypeIdentifier: String, serialNumber: String, now: Date = Date()
    ) async throws -> RegistrationOutcome {
        try await database.transaction { db in
            let exists = try await db.query(
                "SELECT 1 FROM passes WHERE pass_type_id = $1 AND serial_number = $2", [.text(passTypeIdentifier), .text(serialNumber)])
            guard !exists.isEmpty else { return .passNotFound }
            let seconds = SQLValue.integer(Int64(now.timeIntervalSince1970))
            try await db.query(
                """
                INSERT INTO devices (device_library_id, push_token, client, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
                ON CONFLICT (device_library_id) DO UPDATE SET push_token = excluded.push_token, client = excluded.client, updated_at = excluded.updated_at
                """,
                [.text(deviceLibraryIdentifier), .text(pushToken), .text(client.rawValue), seconds])
            let inserted = try await db.query(
                """
                INSERT INTO registrations (device_library_id, pass_type_id, serial_number, created_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (device_library_id, pass_type_id, serial_number) DO NOTHING RETURNING 1
                """,
                [.text(deviceLibraryIdentifier), .text(passTypeIdentifier), .text(serialNumber), seconds])
            if inserted.isEmpty { return .existing }
            try await ActivityLog.record(db, .install, platform: client, at: Int64(now.timeIntervalSince1970))
            return .created
        }
    }

    /// The device's passes of a type changed after `since` (all of them when `since` is nil);
    /// nil when there are none. `CROSS JOIN` makes SQLite start from the device's registrations:
    /// left to itself it walked the tag index over every pass changed since `since` (all of them
    /// on a first sync), a whole-table scan per device that a broadcast's fetch-back multiplied by
    /// every device. PostgreSQL plans it as an inner join either way.
    public func changedSerials(deviceLibraryIdentifier: String, passTypeIdentifier: String, since: Int64?) async throws -> ChangedSerials? {
        try await database.read { db in
            let rows = try await db.query(
                """
                SELECT p.serial_number, p.update_tag FROM registrations r CROSS JOIN passes p
                WHERE p.pass_type_id = r.pass_type_id AND p.serial_number = r.serial_number
                    AND r.device_library_id = $1 AND r.pass_type_id = $2 AND p.update_tag > $3
                ORDER BY p.serial_number
                """,
                [.text(deviceLibraryIdentifier), .text(passTypeIdentifier), .integer(since ?? -1)])
            guard !rows.isEmpty else { return nil }
            return try ChangedSerials(
                serialNumbers: rows.map { try $0.text(0, "registrations.serial_number") }, lastUpdated: rows.map { try $0.int(1, "passes.update_tag") }.max() ?? 0)
        }
    }

    /// Removes a registration, and the device once it has none left. Returns whether it existed.
    @discardableResult
    public func unregister(deviceLibraryIdentifier: String, passTypeIdentifier: String, serialNumber: String, now: Date = Date()) async throws -> Bool {
        try await database.transaction { db in
            let removed = try await db.query(
                """
                DELETE FROM registrations WHERE device_library_id = $1 AND pass_type_id = $2 AND serial_number = $3
                RETURNING (SELECT client FROM devices WHERE device_library_id = $1)
                """,
                [.text(deviceLibraryIdentifier), .text(passTypeIdentifier), .text(serialNumber)])
            if let row = removed.first {
                try await ActivityLog.record(db, .removal, platform: try? row.value(0, "devices.client") as WalletClient, at: Int64(now.timeIntervalSince1970))
            }
            try await db.query(
                "DELETE FROM devices WHERE device_library_id = $1 AND NOT EXISTS (SELECT 1 FROM registrations WHERE device_library_id = $1)",
                [.text(deviceLibraryIdentifier)])
            return !removed.isEmpty
        }
    }

    public func device(_ deviceLibraryIdentifier: String) async throws -> DeviceRecord? {
        try await database.read { db in
            try await db.query("SELECT device_library_id, push_token, client FROM devices WHERE device_library_id = $1", [.text(deviceLibraryIdentifier)])
                .first.map { try DeviceRecord(deviceLibraryIdentifier: $0.text(0, "devices.device_library_id"), pushToken: $0.text(1, "devices.push_token"), client: $0.value(2, "devices.client")) }
        }
    }

    /// Keeps what devices report to `/v1/log` (each message cut to 2 KB), and of all of it only
    /// the newest `keepNewest` rows: older ones go in the same transaction, so the table never
    /// grows past the bound. Ids only grow, so "the newest N" is `id > MAX(id) - N` — a range
    /// of the primary key on both engines (gaps in ids only make it keep fewer).
    public func appendLog(_ messages: [String], keepNewest: Int = 10_000, now: Date = Date()) async throws {
        guard !messages.isEmpty, keepNewest > 0 else { return }
        try await database.transaction { db in
            for message in messages.suffix(keepNewest) {
                try await db.query(
                    "INSERT INTO web_service_log (received_at, message) VALUES ($1, $2)",
                    [.integer(Int64(now.timeIntervalSince1970)), .text(String(message.utf8.prefix(2048)) ?? String(message.prefix(512)))])
            }
            try await db.query(
                "DELETE FROM web_service_log WHERE id <= (SELECT MAX(id) FROM web_service_log) - $1", [.integer(Int64(keepNewest))])
        }
    }

    /// A round trip to the database, for `/healthz`.
    public func ping() async throws {
        _ = try await database.read { db in try await db.query("SELECT 1") }
    }
}
