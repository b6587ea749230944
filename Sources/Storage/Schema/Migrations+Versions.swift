extension Migrations {
    /// The channel a change to `passes` notifies on PostgreSQL (see ``PostgresDatabase/listenForVersionChanges()``).
    public static let versionsChannel = "passline_versions"

    /// Version 6: on PostgreSQL, every statement that changes `passes` notifies
    /// ``versionsChannel`` when its transaction commits, so every server can drop pass versions it
    /// cached. A statement-level trigger: one notification per statement however many rows (and
    /// PostgreSQL folds identical notifications of one transaction into one). Nothing on SQLite,
    /// whose file one process owns.
    static let versions = Migration(version: 6, name: "version-notify") { d in
        guard d == .postgres else { return [] }
        return [
            """
            CREATE FUNCTION passline_versions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('\(versionsChannel)', '');
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER passes_versions_notify AFTER INSERT OR UPDATE OR DELETE ON passes
            FOR EACH STATEMENT EXECUTE FUNCTION passline_versions_notify()
            """,
        ]
    }
}
