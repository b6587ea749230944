// The program a fresh installation starts with, so the server works before anyone configures it.

extension LoyaltyProgram {
    /// The starting configuration:
    ///
    /// | Tier | Accrual | Automatic upgrade at turnover | Variant |
    /// |---|---|---|---|
    /// | `base` "Base" (default) | 5 % | — | `base` |
    /// | `silver` "Silver" | 7 % | 30 000.00 | `silver` |
    /// | `gold` "Gold" | 10 % | 100 000.00 | `gold` |
    ///
    /// 100 welcome points, 1 point = 1.00 RUB, at most 50 % of a purchase paid with points,
    /// virtual card numbers from the phone.
    public static let `default` = LoyaltyProgram(
        name: "Loyalty program",
        currency: "RUB",
        tiers: [
            Tier(code: "base", name: "Base", accrual: Percent(basisPoints: 500), upgradeTurnover: nil, variant: "base"),
            Tier(code: "silver", name: "Silver", accrual: Percent(basisPoints: 700), upgradeTurnover: Money(minorUnits: 3_000_000), variant: "silver"),
            Tier(code: "gold", name: "Gold", accrual: Percent(basisPoints: 1_000), upgradeTurnover: Money(minorUnits: 10_000_000), variant: "gold"),
        ],
        defaultTier: "base",
        welcomePoints: 100,
        pointValue: Money(minorUnits: 100),
        maxPaymentShare: Percent(basisPoints: 5_000),
        cardNumbers: .virtualFromPhone
    )
}
