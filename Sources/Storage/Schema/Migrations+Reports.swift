extension Migrations {
    /// Version 12, reports: where each card came from, a log of the events that leave no row of
    /// their own (a link opened, a pass downloaded, a wallet added or removed), and the time
    /// indexes the set-based report queries range over.
    static let reports = Migration(version: 12, name: "reports") { d in
        let autoID = d == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        return [
            // api, join, bitrix24 or import (``CardSource``); cards issued before this version came through the API.
            "ALTER TABLE cards ADD COLUMN source TEXT NOT NULL DEFAULT 'api'",
            "CREATE INDEX cards_by_created ON cards (created_at)",
            "CREATE INDEX accounts_by_created ON accounts (created_at)",
            "CREATE INDEX ledger_by_time ON ledger_entries (created_at, kind)",
            "CREATE INDEX google_events_by_time ON google_events (received_at)",
            "CREATE INDEX broadcasts_by_created ON broadcasts (created_at)",
            """
            CREATE TABLE activity_events (
                id \(autoID),
                kind TEXT NOT NULL,
                platform TEXT,
                at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX activity_by_kind ON activity_events (kind, at)",
            // The wallets that hold a pass today were added when they registered.
            """
            INSERT INTO activity_events (kind, platform, at)
            SELECT 'install', d.client, r.created_at FROM registrations r JOIN devices d ON d.device_library_id = r.device_library_id
            ORDER BY r.created_at
            """,
        ]
    }
}
