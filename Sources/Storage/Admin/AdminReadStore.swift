import Foundation

/// The few reads the dashboard needs that no other store has: recent broadcasts as a page, and
/// which wallets hold a card's pass. Read-only.
public struct AdminReadStore: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    /// Broadcasts newest first, those with an id below `before` (the previous page's last).
    public func broadcasts(before: Int64?, limit: Int) async throws -> [BroadcastRecord] {
        try await database.read { db in
            try await db.query(
                "SELECT \(BroadcastStore.columns) FROM \(BroadcastStore.from) WHERE b.id < $1 ORDER BY b.id DESC LIMIT $2",
                [.integer(before ?? Int64.max), .integer(Int64(limit))]
            ).map(BroadcastStore.record)
        }
    }

    /// The wallets registered for a pass, newest first (at most `limit`).
    public func devices(passTypeIdentifier: String, serialNumber: String, limit: Int) async throws -> [AdminDeviceRecord] {
        try await database.read { db in
            try await db.query(
                """
                SELECT d.client, r.created_at FROM registrations r JOIN devices d ON d.device_library_id = r.device_library_id
                WHERE r.pass_type_id = $1 AND r.serial_number = $2 ORDER BY r.created_at DESC, d.client LIMIT $3
                """,
                [.text(passTypeIdentifier), .text(serialNumber), .integer(Int64(limit))]
            ).map { r in
                try AdminDeviceRecord(client: r.value(0, "devices.client"), registeredAt: r.date(1, "registrations.created_at"))
            }
        }
    }
}
