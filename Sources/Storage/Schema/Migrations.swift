import Foundation

/// Versioned schema changes, applied in order at start, each in its own transaction.
///
/// Several servers may start at once on one PostgreSQL database: the runner takes a
/// transaction-scoped advisory lock, so exactly one applies each missing version.
public enum Migrations {
    struct Migration: Sendable {
        var version: Int
        var name: String
        var statements: @Sendable (SQLDialect) -> [String]
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "registry") { d in
            let autoID = d == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
            return [
                """
                CREATE TABLE passes (
                    pass_type_id TEXT NOT NULL,
                    serial_number TEXT NOT NULL,
                    template TEXT NOT NULL,
                    variant TEXT,
                    values_json TEXT NOT NULL,
                    update_tag BIGINT NOT NULL,
                    modified_at BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (pass_type_id, serial_number)
                )
                """,
                "CREATE INDEX passes_by_tag ON passes (pass_type_id, update_tag)",
                """
                CREATE TABLE devices (
                    device_library_id TEXT PRIMARY KEY,
                    push_token TEXT NOT NULL,
                    client TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX devices_by_push_token ON devices (push_token)",
                """
                CREATE TABLE registrations (
                    device_library_id TEXT NOT NULL REFERENCES devices (device_library_id) ON DELETE CASCADE,
                    pass_type_id TEXT NOT NULL,
                    serial_number TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (device_library_id, pass_type_id, serial_number),
                    FOREIGN KEY (pass_type_id, serial_number) REFERENCES passes (pass_type_id, serial_number) ON DELETE CASCADE
                )
                """,
                "CREATE INDEX registrations_by_pass ON registrations (pass_type_id, serial_number)",
                """
                CREATE TABLE web_service_log (
                    id \(autoID),
                    received_at BIGINT NOT NULL,
                    message TEXT NOT NULL
                )
                """,
                // One row per counter. Bumping `update_tag` locks its row until commit, so tags
                // become visible in the order they were taken ("later tag, later change").
                "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
                "INSERT INTO counters (name, value) VALUES ('update_tag', 0)",
            ]
        },
        Migration(version: 2, name: "loyalty") { d in
            let autoID = d == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
            return [
                // A household: everyone sharing one phone shares its balance.
                """
                CREATE TABLE accounts (
                    id \(autoID),
                    phone TEXT NOT NULL UNIQUE,
                    balance BIGINT NOT NULL DEFAULT 0,
                    turnover BIGINT NOT NULL DEFAULT 0,
                    tier TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE cards (
                    number TEXT PRIMARY KEY,
                    account_id BIGINT NOT NULL REFERENCES accounts (id),
                    suffix INTEGER,
                    name TEXT NOT NULL,
                    external_id TEXT UNIQUE,
                    status TEXT NOT NULL,
                    pass_type_id TEXT NOT NULL,
                    serial_number TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    FOREIGN KEY (pass_type_id, serial_number) REFERENCES passes (pass_type_id, serial_number)
                )
                """,
                "CREATE INDEX cards_by_account ON cards (account_id)",
                "CREATE UNIQUE INDEX cards_by_pass ON cards (pass_type_id, serial_number)",
                // Append-only; accounts.balance is their sum, kept in the same transaction.
                """
                CREATE TABLE ledger_entries (
                    id \(autoID),
                    account_id BIGINT NOT NULL REFERENCES accounts (id),
                    card_number TEXT,
                    kind TEXT NOT NULL,
                    points BIGINT NOT NULL,
                    amount BIGINT,
                    business_key TEXT,
                    reverses BIGINT UNIQUE REFERENCES ledger_entries (id),
                    comment TEXT,
                    balance_after BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    UNIQUE (account_id, business_key)
                )
                """,
                "CREATE INDEX ledger_by_account ON ledger_entries (account_id, id)",
                // Responses to POSTs with an Idempotency-Key, replayed for the same key and body.
                """
                CREATE TABLE idempotency_keys (
                    scope TEXT NOT NULL,
                    key TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    response TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (scope, key)
                )
                """,
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    secret_hash TEXT NOT NULL UNIQUE,
                    scopes TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                // The push outbox: one row per (push token, pass type) that a device must be told about.
                """
                CREATE TABLE push_due (
                    push_token TEXT NOT NULL,
                    pass_type_id TEXT NOT NULL,
                    client TEXT NOT NULL,
                    due_at BIGINT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (push_token, pass_type_id)
                )
                """,
            ]
        },
        push,
        broadcasts,
        distribution,
        versions,
        fillfactor,
        bitrix24,
        bitrix24Mirror,
        waves,
        googleWallet,
        reports,
        imports,
        admin,
        reportRollups,
    ]

    /// Serializes migrating servers on PostgreSQL (SQLite's writer is serialized already).
    static func lock(_ db: any DatabaseConnection) async throws {
        if db.dialect == .postgres {
            try await db.query("SELECT pg_advisory_xact_lock(7448201)")
        }
    }

    /// The newest schema version this build knows.
    public static var latestVersion: Int { all.last?.version ?? 0 }

    /// Applies every missing migration; returns the versions applied now.
    @discardableResult
    public static func run(on database: any Database) async throws -> [Int] {
        _ = try await database.transaction { db in
            // Under the lock too: CREATE TABLE IF NOT EXISTS is not atomic on PostgreSQL, two servers racing collide.
            try await lock(db)
            try await db.query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
        }
        var applied: [Int] = []
        for migration in all {
            let did = try await database.transaction { db -> Bool in
                try await lock(db)
                let rows = try await db.query("SELECT version FROM schema_migrations WHERE version = $1", [.integer(Int64(migration.version))])
                guard rows.isEmpty else { return false }
                for statement in migration.statements(db.dialect) {
                    try await db.query(statement)
                }
                try await db.query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    [.integer(Int64(migration.version)), .text(migration.name), .integer(Int64(Date().timeIntervalSince1970))])
                return true
            }
            if did { applied.append(migration.version) }
        }
        let newest = try await database.read { db in
            try await db.query("SELECT MAX(version) FROM schema_migrations").first?.int(0) ?? 0
        }
        if newest > Int64(latestVersion) {
            throw DatabaseError("the database schema is version \(newest), newer than this build of Passline knows (\(latestVersion)); upgrade Passline")
        }
        return applied
    }
}
