// Bounds on points, chosen so that no sum the ledger computes can overflow Int64: a balance stays
// at most 10^15 and one entry moves at most 10^12, so balance + entry < 2^63 by more than three
// orders of magnitude, in Swift and in SQL alike (SQLite turns an overflowing integer sum into a
// REAL; PostgreSQL fails with "bigint out of range").

/// The largest quantities of points the program handles.
public enum PointLimits {
    /// Points one ledger entry may move: an accrual, a purchase's points, a debit, the welcome points.
    public static let perEntry: Int64 = 1_000_000_000_000
    /// The largest balance a household may hold.
    public static let balance: Int64 = 1_000_000_000_000_000
}

extension LedgerRules {
    /// The balance after crediting `points` (an accrual, a purchase's points, a reversed debit).
    /// - Throws: ``LedgerRuleError/notPositive`` for zero or fewer points,
    ///   ``LedgerRuleError/pointsLimit(maximum:requested:)`` past ``PointLimits/perEntry``, and
    ///   ``LedgerRuleError/balanceLimit(balance:requested:)`` when the balance would pass ``PointLimits/balance``.
    public static func credit(_ points: Int64, to balance: Int64) throws(LedgerRuleError) -> Int64 {
        guard points > 0 else { throw .notPositive }
        guard points <= PointLimits.perEntry else { throw .pointsLimit(maximum: PointLimits.perEntry, requested: points) }
        // A balance written before the limits existed may be anything: compare without adding.
        guard balance <= PointLimits.balance - points else { throw .balanceLimit(balance: balance, requested: points) }
        return balance + points
    }
}
