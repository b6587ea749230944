extension Migrations {
    /// Version 10, broadcasts signed ahead in waves: a broadcast's push-due rows are written held
    /// (due when the hold lapses) and tagged with their wave; once the wave's passes are signed
    /// the rows are released (due now). A server that dies between the two leaves rows that fall
    /// due by themselves when the hold lapses, so no device goes unpushed.
    static let waves = Migration(version: 10, name: "broadcast waves") { _ in
        [
            "ALTER TABLE push_due ADD COLUMN wave BIGINT",
            // Partial: only held rows are indexed, a few thousand at a time.
            "CREATE INDEX push_due_by_wave ON push_due (broadcast_id, wave) WHERE wave IS NOT NULL",
        ]
    }
}
