// Accrual and debit arithmetic. Pure integer functions: the storage layer calls them inside its
// transaction with the balance it has locked, so the rules are testable without a database.

/// The ledger rules: pure functions over balances and amounts.
///
/// They assume a valid program (``LoyaltyProgram/validate()``); in particular a zero
/// ``LoyaltyProgram/pointValue`` is a programming error and traps.
public enum LedgerRules {
    /// Points for a purchase: amount × tier percent, in points, rounded **down** (a fraction of a point is never given):
    ///
    ///     points = floor(purchase.minorUnits × tier.accrual.basisPoints / (10_000 × program.pointValue.minorUnits))
    ///
    /// Example: 1 499.99 RUB at 7 % with a point value of 1.00 RUB is
    /// floor(149 999 × 700 / (10 000 × 100)) = floor(104.9993) = 104 points.
    /// Exact for every amount up to ``Money/maximum``.
    public static func accrualPoints(purchase: Money, tier: Tier, program: LoyaltyProgram) -> Int64 {
        points(worth: purchase, share: tier.accrual, pointValue: program.pointValue)
    }

    /// The most points that may pay for `purchase`: ``LoyaltyProgram/maxPaymentShare`` of it, in points, rounded down
    /// (so the money part of the bill is never below the complementary share):
    ///
    ///     floor(purchase.minorUnits × maxPaymentShare.basisPoints / (10_000 × pointValue.minorUnits))
    public static func maxDebitPoints(purchase: Money, program: LoyaltyProgram) -> Int64 {
        points(worth: purchase, share: program.maxPaymentShare, pointValue: program.pointValue)
    }

    /// Checks a debit of `points` from a household with `balance`, optionally as partial payment of `purchase`.
    ///
    /// Without a purchase only the balance limits the debit. When both the balance and the share are
    /// exceeded, the error names the tighter limit (the one the cashier can actually use): the balance when
    /// it is at most the share, else the share.
    /// - Throws: ``LedgerRuleError/notPositive``, ``LedgerRuleError/insufficientBalance(balance:requested:)``
    ///   or ``LedgerRuleError/shareExceeded(maximum:requested:)``.
    public static func checkDebit(points: Int64, balance: Int64, purchase: Money?, program: LoyaltyProgram) throws(LedgerRuleError) {
        guard points > 0 else { throw .notPositive }
        let maximum = purchase.map { maxDebitPoints(purchase: $0, program: program) }
        let overBalance = points > balance
        let overShare = maximum.map { points > $0 } ?? false
        if overShare, let maximum, !overBalance || maximum < balance {
            throw .shareExceeded(maximum: maximum, requested: points)
        }
        if overBalance { throw .insufficientBalance(balance: balance, requested: points) }
    }

    /// floor(amount × share / pointValue) with all quantities as integers.
    ///
    /// amount × basis points can reach 10^19, past `Int64.max`, so the product is taken at double width.
    /// Dividing by 10 000 and then by the point value equals dividing by their product (floor(floor(x/a)/b) =
    /// floor(x/(a·b)) for positive integers), and avoids overflowing 10 000 × pointValue.
    static func points(worth amount: Money, share: Percent, pointValue: Money) -> Int64 {
        precondition(pointValue.minorUnits > 0, "pointValue must be more than 0: validate() the program first")
        let product = amount.minorUnits.multipliedFullWidth(by: Int64(share.basisPoints))
        let perTenThousand = Int64(10_000).dividingFullWidth(product).quotient
        return perTenThousand / pointValue.minorUnits
    }
}
