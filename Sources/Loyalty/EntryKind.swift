// The kinds of ledger entry. The balance is the sum of entry points, so each kind's sign is part
// of the contract.

/// What a ledger entry records. Points are signed: credits > 0, debits < 0; the balance is the sum of points.
public enum EntryKind: String, Sendable, Codable, CaseIterable {
    /// Points given when a household's first card is issued (credit).
    case welcome
    /// Points credited by hand or by a CRM robot (credit).
    case accrual
    /// A purchase: adds its amount to the turnover and credits its accrual points (credit, possibly 0 points).
    case purchase
    /// Points spent as partial payment (debit).
    case debit
    /// Cancels one earlier entry with the opposite points.
    case reversal
    /// Points from a promotional broadcast to many cards.
    case broadcast
    /// A correction by an operator, either sign.
    case adjustment
    /// The balance carried over from an earlier program when its client base is imported (credit).
    case opening

    /// Whether an entry of this kind may carry `points`: welcome, accrual, purchase and opening entries
    /// credit (≥ 0), debits spend (< 0); reversal, broadcast and adjustment entries take either sign.
    public func allows(points: Int64) -> Bool {
        switch self {
        case .welcome, .accrual, .purchase, .opening: return points >= 0
        case .debit: return points < 0
        case .reversal, .broadcast, .adjustment: return true
        }
    }
}
