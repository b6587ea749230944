extension Migrations {
    /// Promotional broadcasts to many cards.
    ///
    /// A broadcast walks the targeted households in batches by account id; each batch commits its
    /// grants, the cards' broadcast, the push-due rows, the pass tags and the advanced `cursor`
    /// together, so a broadcast killed at any point resumes exactly where its last batch committed.
    static let broadcasts = Migration(version: 4, name: "broadcasts") { d in
        let autoID = d == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        return [
            """
            CREATE TABLE broadcasts (
                id \(autoID),
                messages TEXT NOT NULL,
                promo TEXT NOT NULL,
                points BIGINT NOT NULL DEFAULT 0,
                audience TEXT NOT NULL,
                state TEXT NOT NULL,
                last_account_id BIGINT NOT NULL,
                cursor BIGINT NOT NULL DEFAULT 0,
                tag_base BIGINT,
                targeted_cards BIGINT NOT NULL DEFAULT 0,
                targeted_households BIGINT NOT NULL DEFAULT 0,
                unmatched BIGINT NOT NULL DEFAULT 0,
                households_done BIGINT NOT NULL DEFAULT 0,
                households_granted BIGINT NOT NULL DEFAULT 0,
                cards_updated BIGINT NOT NULL DEFAULT 0,
                pushes_recorded BIGINT NOT NULL DEFAULT 0,
                fetched BIGINT NOT NULL DEFAULT 0,
                idempotency_key TEXT UNIQUE,
                request_hash TEXT,
                lease_owner TEXT,
                lease_until BIGINT NOT NULL DEFAULT 0,
                error TEXT,
                created_at BIGINT NOT NULL,
                started_at BIGINT,
                finished_at BIGINT
            )
            """,
            "CREATE INDEX broadcasts_by_state ON broadcasts (state)",
            // Explicit audiences (card numbers, phones) resolved to households when the broadcast is created.
            """
            CREATE TABLE broadcast_targets (
                broadcast_id BIGINT NOT NULL REFERENCES broadcasts (id),
                account_id BIGINT NOT NULL,
                PRIMARY KEY (broadcast_id, account_id)
            )
            """,
            // The card's latest broadcast: its pass shows that broadcast's text in the promo field.
            "ALTER TABLE cards ADD COLUMN broadcast_id BIGINT",
        ]
    }
}
