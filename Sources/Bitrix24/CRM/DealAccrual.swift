import Loyalty

/// What a deal event does to the ledger: the one rule both the event handler and the deal robot
/// follow, so a won deal accrues once under `deal:{ID}:accrual` whoever sees it first.
public struct DealAccrualPolicy: Sendable, Hashable {
    /// What happens when a won deal leaves the won stage (reopened, or lost after all).
    public enum OnReopen: String, Sendable, Hashable, CaseIterable {
        /// The accrual stays (the default: the client was served; a manager can reverse it).
        case keep
        /// The accrual is reversed under `deal:{ID}:reversal`; winning the deal again does not
        /// accrue twice (the accrual's key is spent).
        case reverse
    }

    /// The program's currency: a deal in another one accrues nothing (no rate is guessed).
    public var currency: String
    public var onReopen: OnReopen

    public init(currency: String, onReopen: OnReopen = .keep) {
        self.currency = currency
        self.onReopen = onReopen
    }

    /// The business keys, shared with the robots.
    public static func accrualKey(deal: Int64) -> String { "deal:\(deal):accrual" }
    public static func reversalKey(deal: Int64) -> String { "deal:\(deal):reversal" }
    public static func debitKey(deal: Int64) -> String { "deal:\(deal):debit" }

    /// The decision for a deal as it reads now.
    public func decide(_ deal: Deal) -> DealAccrualDecision {
        switch deal.stage {
        case .won:
            guard deal.currency == currency else { return .ignore(.otherCurrency(deal.currency)) }
            guard deal.amount > .zero else { return .ignore(.noAmount) }
            return .accrue(deal.amount, key: Self.accrualKey(deal: deal.id))
        case .inProgress, .lost:
            switch onReopen {
            case .keep: return .ignore(.notWon)
            // Reversing is a no-op when nothing was accrued: the ledger looks the accrual up by key.
            case .reverse: return .reverseIfAccrued(accrualKey: Self.accrualKey(deal: deal.id), key: Self.reversalKey(deal: deal.id))
            }
        }
    }
}

/// What to do for one deal event.
public enum DealAccrualDecision: Sendable, Hashable {
    /// Accrue the amount × the card's tier percent, once under `key`.
    case accrue(Money, key: String)
    /// Reverse the entry written under `accrualKey`, if there is one, once under `key`.
    case reverseIfAccrued(accrualKey: String, key: String)
    case ignore(Reason)

    public enum Reason: Sendable, Hashable {
        case notWon
        case noAmount
        case otherCurrency(String)
    }
}
