// Why the ledger refuses an operation. Carries the numbers so a cashier's screen can say
// "at most 750 points" without recomputing.

/// Why a ledger operation breaks the program's rules.
public enum LedgerRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The points to debit are zero or negative.
    case notPositive
    /// The household's balance does not cover the points.
    case insufficientBalance(balance: Int64, requested: Int64)
    /// The points exceed the share of the purchase that may be paid with points; `maximum` is that share in points.
    case shareExceeded(maximum: Int64, requested: Int64)
    /// The entry has already been reversed once.
    case alreadyReversed
    /// The entry cannot be reversed; the text says why.
    case notReversible(String)
    /// One entry may move at most `maximum` points (``PointLimits/perEntry``).
    case pointsLimit(maximum: Int64, requested: Int64)
    /// Crediting the points would take the balance past ``PointLimits/balance``.
    case balanceLimit(balance: Int64, requested: Int64)

    public var description: String {
        switch self {
        case .notPositive:
            return "points must be more than 0"
        case .insufficientBalance(let balance, let requested):
            return "balance is \(balance) points, \(requested) requested"
        case .shareExceeded(let maximum, let requested):
            return "at most \(maximum) points may pay for this purchase, \(requested) requested"
        case .alreadyReversed:
            return "the entry has already been reversed"
        case .notReversible(let reason):
            return "the entry cannot be reversed: \(reason)"
        case .pointsLimit(let maximum, let requested):
            return "one entry moves at most \(maximum) points, \(requested) requested"
        case .balanceLimit(let balance, let requested):
            return "balance is \(balance) points: \(requested) more would pass the largest balance, \(PointLimits.balance)"
        }
    }
}
