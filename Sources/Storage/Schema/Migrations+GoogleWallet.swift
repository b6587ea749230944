extension Migrations {
    /// Version 11, Google Wallet: one loyalty object per card that has been offered to Google
    /// Wallet, kept current through an outbox coalesced per card (the object row's `due_at`), the
    /// broadcasts' messages to add to objects, and the save and delete callbacks Google sends.
    static let googleWallet = Migration(version: 11, name: "google wallet") { d in
        let autoID = d == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        return [
            // version: bumped by every change of the card's pass (the one pass stamper);
            // synced_version: the version Google shows. due_at: when the outbox sends the object
            // next (NULL: Google is current), a lease while a worker sends it.
            """
            CREATE TABLE google_objects (
                card_number TEXT PRIMARY KEY REFERENCES cards (number),
                object_id TEXT NOT NULL UNIQUE,
                class_id TEXT NOT NULL,
                inserted INTEGER NOT NULL DEFAULT 0,
                version BIGINT NOT NULL DEFAULT 1,
                synced_version BIGINT NOT NULL DEFAULT 0,
                due_at BIGINT,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                synced_at BIGINT,
                saved INTEGER NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX google_objects_due ON google_objects (due_at) WHERE due_at IS NOT NULL",
            // One message per card and broadcast; due_at NULL once sent or given up.
            """
            CREATE TABLE google_messages (
                id \(autoID),
                card_number TEXT NOT NULL REFERENCES cards (number),
                broadcast_id BIGINT NOT NULL,
                header TEXT NOT NULL,
                body TEXT NOT NULL,
                due_at BIGINT,
                attempts INTEGER NOT NULL DEFAULT 0,
                notified INTEGER NOT NULL DEFAULT 0,
                sent_at BIGINT,
                last_error TEXT,
                created_at BIGINT NOT NULL,
                UNIQUE (card_number, broadcast_id)
            )
            """,
            "CREATE INDEX google_messages_due ON google_messages (due_at) WHERE due_at IS NOT NULL",
            "CREATE INDEX google_messages_notified ON google_messages (card_number, sent_at) WHERE notified = 1",
            // Saves and deletions, as Google's callbacks report them; the nonce makes a repeat harmless.
            """
            CREATE TABLE google_events (
                id \(autoID),
                card_number TEXT NOT NULL REFERENCES cards (number),
                event TEXT NOT NULL,
                nonce TEXT NOT NULL UNIQUE,
                received_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX google_events_by_card ON google_events (card_number)",
        ]
    }
}
