extension DatabaseConnection {
    /// Runs a writing statement and returns how many rows it wrote, without shipping them back:
    /// SQLite's `changes()` on the same connection, a counting CTE on PostgreSQL.
    func changingRows(_ sql: String, _ binds: [SQLValue]) async throws -> Int64 {
        if dialect == .postgres {
            return try await query("WITH w AS (\(sql) RETURNING 1) SELECT COUNT(*) FROM w", binds).first?.int(0) ?? 0
        }
        try await query(sql, binds)
        return try await query("SELECT changes()").first?.int(0) ?? 0
    }
}
