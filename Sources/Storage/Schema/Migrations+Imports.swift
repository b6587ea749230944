extension Migrations {
    /// Version 13, imports of an existing client base: each accepted CSV file is kept whole with
    /// its progress, so a server restarted mid-import (or another server, on PostgreSQL, once the
    /// lease lapses) resumes it from the committed cursor instead of starting again or losing it.
    static let imports = Migration(version: 13, name: "imports") { d in
        let autoID = d == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        let blob = d == .postgres ? "BYTEA" : "BLOB"
        return [
            """
            CREATE TABLE imports (
                id \(autoID),
                state TEXT NOT NULL,
                file \(blob) NOT NULL,
                file_hash TEXT NOT NULL,
                rows BIGINT NOT NULL,
                cursor BIGINT NOT NULL DEFAULT 0,
                cards_created BIGINT NOT NULL DEFAULT 0,
                cards_existing BIGINT NOT NULL DEFAULT 0,
                households_created BIGINT NOT NULL DEFAULT 0,
                opening_points BIGINT NOT NULL DEFAULT 0,
                error TEXT,
                idempotency_key TEXT UNIQUE,
                request_hash TEXT,
                lease_owner TEXT,
                lease_until BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                started_at BIGINT,
                finished_at BIGINT
            )
            """,
            "CREATE INDEX imports_by_state ON imports (state)",
        ]
    }
}
