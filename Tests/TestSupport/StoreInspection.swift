import Storage

// Reads that only tests make, to check what the stores wrote against the tables themselves.

extension LedgerStore {
    /// Σ of the household's ledger, to check the cached balance against.
    package func ledgerSum(accountID: Int64) async throws -> Int64 {
        try await database.read { db in
            try await db.query("SELECT COALESCE(SUM(points), 0) FROM ledger_entries WHERE account_id = $1", [.integer(accountID)]).first?.int(0) ?? 0
        }
    }
}

extension RegistryStore {
    /// How many devices are registered for a pass.
    package func registrationCount(passTypeIdentifier: String, serialNumber: String) async throws -> Int {
        try await database.read { db in
            Int(try await db.query(
                "SELECT COUNT(*) FROM registrations WHERE pass_type_id = $1 AND serial_number = $2", [.text(passTypeIdentifier), .text(serialNumber)]
            ).first?.int(0) ?? 0)
        }
    }

    /// The newest messages devices sent to `/v1/log`, newest first.
    package func recentLog(limit: Int = 100) async throws -> [String] {
        try await database.read { db in
            try await db.query("SELECT message FROM web_service_log ORDER BY id DESC LIMIT $1", [.integer(Int64(limit))]).compactMap { $0.text(0) }
        }
    }
}
