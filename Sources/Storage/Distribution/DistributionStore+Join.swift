import Foundation

extension DistributionStore {
    /// What a self-registration's link delivers.
    public enum JoinLinkTarget: Sendable, Hashable {
        case card(number: String)
        /// Every card of the household (an account).
        case household(accountID: Int64)
    }

    /// Marks a pending registration confirmed, with the cards it produced, and takes its link row
    /// in the same transaction: the only way a registration issues a link. Nil, with nothing
    /// written, when the request is not pending (already confirmed, failed, or unknown), so of
    /// two confirmations racing at most one issues, and a finished one never issues again (a
    /// link revoked since stays revoked).
    public func confirmJoinRequest(id: String, cardNumbers: [String], link target: JoinLinkTarget, now: Date = Date()) async throws -> DownloadLinkRecord? {
        try await database.transaction { db in
            let claimed = try await db.query(
                "UPDATE join_requests SET state = 'confirmed', card_numbers = $1, completed_at = $2 WHERE id = $3 AND state = 'pending' RETURNING id",
                [.text(Self.json(cardNumbers)), .integer(Self.seconds(now)), .text(id)])
            guard !claimed.isEmpty else { return nil }
            switch target {
            case .card(let number):
                return try await Self.linkRow(db, column: "card_number", value: .text(number), scope: .card, now: now)
            case .household(let account):
                return try await Self.linkRow(db, column: "account_id", value: .integer(account), scope: .household, now: now)
            }
        }
    }
}
