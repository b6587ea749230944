extension Migrations {
    /// Version 8, the Bitrix24 application: the one portal it is installed in (its tokens sealed
    /// by the server), the inbox of what the portal sent (events, robot calls) and the outbox of
    /// what goes back (REST calls). Both queues coalesce by key while a row waits: a portal's
    /// queue keeps only an object's latest state, and so do we.
    static let bitrix24 = Migration(version: 8, name: "bitrix24") { d in
        let autoID = d == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        let blob = d == .postgres ? "BYTEA" : "BLOB"
        var statements = [
            """
            CREATE TABLE b24_portal (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                member_id TEXT NOT NULL,
                domain TEXT NOT NULL,
                application_token TEXT NOT NULL,
                client_endpoint TEXT NOT NULL,
                sealed_tokens \(blob) NOT NULL,
                installed_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """
        ]
        for table in ["b24_inbox", "b24_outbox"] {
            statements += [
                """
                CREATE TABLE \(table) (
                    id \(autoID),
                    kind TEXT NOT NULL,
                    coalesce_key TEXT,
                    payload TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_at BIGINT NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    done_at BIGINT
                )
                """,
                "CREATE INDEX \(table)_due ON \(table) (state, next_at)",
                "CREATE UNIQUE INDEX \(table)_waiting_key ON \(table) (coalesce_key) WHERE state = 'queued'",
            ]
        }
        return statements
    }
}

extension Migrations {
    /// Version 9, the CRM mirror: how far the card-field write-back has read the passes' update
    /// tags (`sync_tag`; every balance, tier, status or card change re-tags the household's
    /// passes, so one cursor sees every source of change), what each household's card fields
    /// were last written as (a re-tag that changed no field writes nothing), and the one-off
    /// effects already carried out for an object (a web form's card texted once).
    static let bitrix24Mirror = Migration(version: 9, name: "bitrix24 mirror") { _ in
        [
            "ALTER TABLE b24_portal ADD COLUMN sync_tag BIGINT NOT NULL DEFAULT 0",
            """
            CREATE TABLE b24_synced (
                account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
                balance BIGINT NOT NULL,
                tier TEXT NOT NULL,
                cards INTEGER NOT NULL,
                synced_at BIGINT NOT NULL
            )
            """,
            "CREATE TABLE b24_done (key TEXT PRIMARY KEY, done_at BIGINT NOT NULL)",
        ]
    }
}
