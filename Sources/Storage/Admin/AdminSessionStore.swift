import Core
import Crypto
import Foundation

/// The dashboard's sessions (`admin_sessions`, migration 14). The session id itself is never
/// stored: rows are found by its SHA-256, so reading the table gives nobody a session.
public struct AdminSessionStore: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    /// The stored form of a session id.
    public static func hash(_ sessionID: String) -> String {
        Hex.encode(SHA256.hash(data: Array(sessionID.utf8)))
    }

    /// Stores a new session and forgets expired ones (a sign-in is rare enough to pay for the sweep).
    public func create(
        sessionID: String, owner: AdminSessionOwner, csrfToken: String, lifetime: TimeInterval, now: Date = Date()
    ) async throws {
        let created = Int64(now.timeIntervalSince1970)
        let (tag, key): (SQLValue, SQLValue) = switch owner {
        case .adminToken(let tag): (.text(tag), .null)
        case .key(let id): (.null, .text(id))
        }
        try await database.transaction { db in
            try await db.query("DELETE FROM admin_sessions WHERE expires_at <= $1", [.integer(created)])
            try await db.query(
                "INSERT INTO admin_sessions (id_hash, admin_tag, key_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                [.text(Self.hash(sessionID)), tag, key, .text(csrfToken), .integer(created), .integer(created + Int64(lifetime))])
        }
    }

    /// The unexpired session with this id, with whether its key is still an active admin key.
    public func session(_ sessionID: String, now: Date = Date()) async throws -> AdminSessionRecord? {
        let rows = try await database.read { db in
            try await db.query(
                """
                SELECT s.admin_tag, s.key_id, s.csrf_token, s.created_at, s.expires_at, k.id, k.revoked_at, k.scopes
                FROM admin_sessions s LEFT JOIN api_keys k ON k.id = s.key_id
                WHERE s.id_hash = $1 AND s.expires_at > $2
                """,
                [.text(Self.hash(sessionID)), .integer(Int64(now.timeIntervalSince1970))])
        }
        guard let r = rows.first else { return nil }
        let owner: AdminSessionOwner
        var active = true
        if let key = try r.optionalText(1, "admin_sessions.key_id") {
            owner = .key(id: key)
            let scopes = try r.optionalText(7, "api_keys.scopes")?.split(separator: ",") ?? []
            active = try r.optionalText(5, "api_keys.id") != nil && r.optionalInt(6, "api_keys.revoked_at") == nil && scopes.contains("admin")
        } else {
            owner = .adminToken(tag: try r.text(0, "admin_sessions.admin_tag"))
        }
        return try AdminSessionRecord(
            owner: owner, csrfToken: r.text(2, "admin_sessions.csrf_token"), createdAt: r.date(3, "admin_sessions.created_at"),
            expiresAt: r.date(4, "admin_sessions.expires_at"), ownerActive: active)
    }

    /// Ends a session (sign-out, or a session whose owner lost its right); true if it existed.
    @discardableResult
    public func delete(_ sessionID: String) async throws -> Bool {
        try await database.transaction { db in
            try await !db.query("DELETE FROM admin_sessions WHERE id_hash = $1 RETURNING 1", [.text(Self.hash(sessionID))]).isEmpty
        }
    }

    /// Sessions stored now, expired or not (tests and operations).
    public func count() async throws -> Int64 {
        try await database.read { db in try await db.query("SELECT COUNT(*) FROM admin_sessions").first?.int(0) ?? 0 }
    }
}
