extension Migrations {
    /// Version 14, the operator dashboard's sessions (`/admin`). Kept in the database, not in a
    /// server's memory, so signing out ends a session on every server and a restart keeps it.
    ///
    /// Only a hash of the session id is stored: a copy of the table signs nobody in. A session
    /// belongs to the admin token (a MAC of it under the server secret, so a rotated token ends
    /// its sessions) or to an API key (deleting or revoking the key ends them: the key is read
    /// with the session on every request).
    static let admin = Migration(version: 14, name: "admin") { _ in
        [
            """
            CREATE TABLE admin_sessions (
                id_hash TEXT PRIMARY KEY,
                admin_tag TEXT,
                key_id TEXT REFERENCES api_keys (id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                CHECK ((admin_tag IS NULL) <> (key_id IS NULL))
            )
            """,
            "CREATE INDEX admin_sessions_by_expiry ON admin_sessions (expires_at)",
            "CREATE INDEX admin_sessions_by_key ON admin_sessions (key_id)",
        ]
    }
}
