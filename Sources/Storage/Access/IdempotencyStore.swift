import Foundation

/// A response stored for an `Idempotency-Key`.
public struct StoredResponse: Sendable, Hashable {
    public var status: Int
    public var body: String

    public init(status: Int, body: String) {
        self.status = status
        self.body = body
    }
}

/// `Idempotency-Key`s and the responses they were answered with.
///
/// The claim of a key, the request's effect and its stored response commit in one transaction,
/// so no crash can keep one without the others: after any crash a retry either replays the
/// committed response or runs the request as if for the first time. A concurrent request with
/// the same key waits for the first to commit (PostgreSQL blocks on the key's row; SQLite has one
/// writer) and then replays it.
public struct IdempotencyStore: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// What ``once(scope:key:requestHash:now:_:)`` did.
    public enum Outcome<T: Sendable>: Sendable {
        /// The key was new: `execute` ran and its response is stored with the key.
        case executed(T)
        /// The same request was answered before: replay this.
        case replay(StoredResponse)
        /// The key was used before with a different request.
        case mismatch
        /// Claimed by a Passline from before claims were exact, which stopped before answering:
        /// whether its effect happened is unknown.
        case abandoned
    }

    /// Runs `execute` once per (`scope`, `key`): it runs in this transaction, and what it returns
    /// beside its value is stored as the key's response. When it throws, nothing of it is kept
    /// and the key stays free.
    public func once<T: Sendable>(
        scope: String, key: String, requestHash: String, now: Date = Date(),
        _ execute: @escaping @Sendable () async throws -> (T, StoredResponse)
    ) async throws -> Outcome<T> {
        try await database.transaction { db in
            let claimed = try await db.query(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at) VALUES ($1, $2, $3, 0, '', $4)
                ON CONFLICT (scope, key) DO NOTHING RETURNING 1
                """, [.text(scope), .text(key), .text(requestHash), .integer(Int64(now.timeIntervalSince1970))])
            guard !claimed.isEmpty else {
                guard let row = try await db.query(
                    "SELECT request_hash, status, response FROM idempotency_keys WHERE scope = $1 AND key = $2", [.text(scope), .text(key)]
                ).first else {
                    throw DatabaseError("idempotency key \(key) conflicted but could not be read")
                }
                let hash = try row.text(0, "idempotency_keys.request_hash")
                let status = try row.int(1, "idempotency_keys.status")
                let body = try row.text(2, "idempotency_keys.response")
                if hash != requestHash { return .mismatch }
                return status == 0 ? .abandoned : .replay(StoredResponse(status: Int(status), body: body))
            }
            let (value, response) = try await execute()
            try await db.query(
                "UPDATE idempotency_keys SET status = $1, response = $2 WHERE scope = $3 AND key = $4",
                [.integer(Int64(response.status)), .text(response.body), .text(scope), .text(key)])
            return .executed(value)
        }
    }
}
