import Core
import Crypto
import Foundation

/// What an API key may do.
public enum APIScope: String, Sendable, Hashable, CaseIterable, Codable {
    /// Everything: program, keys, passes.
    case admin
    /// What a CRM integration needs: cards, transactions, card passes.
    case crm
}

public struct APIKeyRecord: Sendable, Hashable {
    public var id: String
    public var name: String
    public var scopes: Set<APIScope>
    public var createdAt: Date
    public var revoked: Bool
}

/// API keys: `pl_<id>_<secret>`, stored as SHA-256 of the secret (never the key itself).
public struct APIKeyStore: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    static func randomBase32(_ count: Int) -> String {
        RandomToken.string(count, alphabet: Array("abcdefghijkmnopqrstuvwxyz23456789"))
    }

    static func hash(_ secret: Substring) -> String {
        Hex.encode(SHA256.hash(data: Array(secret.utf8)))
    }

    /// Creates a key; the returned token is shown once and cannot be recovered.
    public func create(name: String, scopes: Set<APIScope>, now: Date = Date()) async throws -> (record: APIKeyRecord, token: String) {
        let id = Self.randomBase32(10)
        let secret = Self.randomBase32(32)
        let record = APIKeyRecord(id: id, name: name, scopes: scopes, createdAt: now, revoked: false)
        _ = try await database.transaction { db in
            try await db.query(
                "INSERT INTO api_keys (id, secret_hash, scopes, name, created_at) VALUES ($1, $2, $3, $4, $5)",
                [.text(id), .text(Self.hash(secret[...])), .text(scopes.map(\.rawValue).sorted().joined(separator: ",")), .text(name),
                 .integer(Int64(now.timeIntervalSince1970))])
        }
        return (record, "pl_\(id)_\(secret)")
    }

    /// The key a bearer token names, if it exists, matches and is not revoked.
    public func authenticate(_ token: String) async throws -> APIKeyRecord? {
        let parts = token.split(separator: "_", maxSplits: 2)
        guard parts.count == 3, parts[0] == "pl", parts[1].count == 10, parts[2].count == 32 else { return nil }
        // Looked up by the secret's hash: the comparison happens on digests, so timing tells nothing about the secret.
        let rows = try await database.read { db in
            try await db.query(
                "SELECT id, name, scopes, created_at, revoked_at FROM api_keys WHERE id = $1 AND secret_hash = $2",
                [.text(String(parts[1])), .text(Self.hash(parts[2]))])
        }
        return try rows.first.map(Self.record).flatMap { $0.revoked ? nil : $0 }
    }

    static func record(_ r: SQLRow) throws -> APIKeyRecord {
        // A scope this version does not know (written by a newer one) grants nothing here.
        try APIKeyRecord(
            id: r.text(0, "api_keys.id"), name: r.text(1, "api_keys.name"),
            scopes: Set(r.text(2, "api_keys.scopes").split(separator: ",").compactMap { APIScope(rawValue: String($0)) }),
            createdAt: r.date(3, "api_keys.created_at"), revoked: r.optionalInt(4, "api_keys.revoked_at") != nil)
    }

    public func list() async throws -> [APIKeyRecord] {
        try await database.read { db in
            try await db.query("SELECT id, name, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at, id").map(Self.record)
        }
    }

    @discardableResult
    public func revoke(id: String, now: Date = Date()) async throws -> Bool {
        try await database.transaction { db in
            try await !db.query(
                "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING 1", [.integer(Int64(now.timeIntervalSince1970)), .text(id)]
            ).isEmpty
        }
    }
}
