extension Migrations {
    /// Distribution, getting cards onto phones: download links, the SMS outbox and budget, one-time codes and
    /// self-registration requests, the CRM webhook outbox, and the ledger-notification cursor.
    static let distribution = Migration(version: 5, name: "distribution") { d in
        let autoID = d == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        return [
            // One row per card or household that has a link. Tokens name the row and carry its
            // generation: bumping it revokes every token issued before.
            """
            CREATE TABLE download_links (
                id \(autoID),
                scope TEXT NOT NULL,
                card_number TEXT UNIQUE REFERENCES cards (number),
                account_id BIGINT UNIQUE REFERENCES accounts (id),
                generation BIGINT NOT NULL DEFAULT 0,
                opens BIGINT NOT NULL DEFAULT 0,
                downloads BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT,
                last_opened_at BIGINT,
                last_downloaded_at BIGINT,
                CHECK ((card_number IS NULL) <> (account_id IS NULL))
            )
            """,
            // Messages to send, and what became of them. `entry_id` makes a ledger notification
            // unique; a code's text is erased once it is final.
            """
            CREATE TABLE sms_outbox (
                id \(autoID),
                phone TEXT NOT NULL,
                kind TEXT NOT NULL,
                text TEXT NOT NULL,
                sender TEXT,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_at BIGINT NOT NULL,
                deadline_at BIGINT,
                last_error TEXT,
                provider TEXT,
                provider_id TEXT,
                card_number TEXT,
                entry_id BIGINT UNIQUE,
                created_at BIGINT NOT NULL,
                sent_at BIGINT
            )
            """,
            "CREATE INDEX sms_outbox_due ON sms_outbox (state, next_at)",
            "CREATE TABLE sms_budget (window_hour BIGINT PRIMARY KEY, used BIGINT NOT NULL)",
            // Only a keyed hash of each code is stored.
            """
            CREATE TABLE otp_codes (
                id TEXT PRIMARY KEY,
                phone TEXT NOT NULL,
                code_hash TEXT NOT NULL,
                expires_at BIGINT NOT NULL,
                attempts_left INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                confirmed_at BIGINT
            )
            """,
            // What the form said, and the consent given (when, to which policy, from where).
            """
            CREATE TABLE join_requests (
                id TEXT PRIMARY KEY REFERENCES otp_codes (id),
                phone TEXT NOT NULL,
                name TEXT NOT NULL,
                children TEXT NOT NULL,
                locale TEXT NOT NULL,
                policy_url TEXT NOT NULL,
                consent_at BIGINT NOT NULL,
                ip TEXT,
                user_agent TEXT,
                state TEXT NOT NULL,
                card_numbers TEXT,
                created_at BIGINT NOT NULL,
                completed_at BIGINT
            )
            """,
            """
            CREATE TABLE webhook_outbox (
                id \(autoID),
                event TEXT NOT NULL,
                url TEXT NOT NULL,
                body TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_at BIGINT NOT NULL,
                last_error TEXT,
                last_status INTEGER,
                created_at BIGINT NOT NULL,
                delivered_at BIGINT
            )
            """,
            "CREATE INDEX webhook_outbox_due ON webhook_outbox (state, next_at)",
            "CREATE TABLE distribution_cursors (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        ]
    }
}
