extension Migrations {
    /// Version 15, report rollups: the reports' flows (cards and households issued, activity,
    /// Google's callbacks, points by kind) summed per hour once the hour is over, so a report over
    /// a year reads a few thousand rows instead of every ledger entry; `report_rollup` holds the
    /// first hour not rolled up yet.
    static let reportRollups = Migration(version: 15, name: "report rollups") { _ in
        [
            """
            CREATE TABLE report_hours (
                hour BIGINT NOT NULL,
                metric TEXT NOT NULL,
                value BIGINT NOT NULL,
                PRIMARY KEY (hour, metric)
            )
            """,
            "CREATE TABLE report_rollup (id INTEGER PRIMARY KEY CHECK (id = 1), through_hour BIGINT NOT NULL)",
            "INSERT INTO report_rollup (id, through_hour) VALUES (1, 0)",
            // Households and balances per tier read from the index alone.
            "CREATE INDEX accounts_by_tier ON accounts (tier, balance)",
        ]
    }
}
