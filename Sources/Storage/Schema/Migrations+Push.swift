extension Migrations {
    /// The push outbox's delivery columns.
    ///
    /// `generation` counts the changes coalesced into a row: a worker deletes a row after sending
    /// only if no change arrived meanwhile, so a device changed mid-flight is pushed again. Claiming
    /// a row moves `due_at` forward by a lease, so rows of a worker killed mid-flight fall due again.
    static let push = Migration(version: 3, name: "push-outbox") { _ in
        [
            "ALTER TABLE push_due ADD COLUMN generation BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE push_due ADD COLUMN broadcast_id BIGINT",
            "CREATE INDEX push_due_by_due ON push_due (due_at)",
            // Final push outcomes per broadcast, summed in batches by the dispatcher.
            """
            CREATE TABLE broadcast_push_counts (
                broadcast_id BIGINT PRIMARY KEY,
                sent BIGINT NOT NULL DEFAULT 0,
                failed BIGINT NOT NULL DEFAULT 0
            )
            """,
        ]
    }
}
