// Automatic tier upgrades from turnover. Upgrades only: a downgrade is a business decision taken
// by hand, never a side effect of a refund.

extension LedgerRules {
    /// The tier a card should be in after its turnover changed: the highest tier (by position in
    /// ``LoyaltyProgram/tiers``) whose `upgradeTurnover` ≤ `turnover`, but never lower than `current`.
    ///
    /// Tiers without `upgradeTurnover` are never chosen automatically. A turnover may cross several
    /// thresholds at once; the card goes straight to the highest. When no upgrade applies the result is
    /// the program's version of `current` (same code, current settings); if the program no longer has
    /// `current`, it counts as below every tier, and is returned unchanged when nothing qualifies.
    public static func tier(afterTurnover turnover: Money, current: Tier, program: LoyaltyProgram) -> Tier {
        let currentIndex = program.tiers.firstIndex { $0.code == current.code }
        let floor = currentIndex ?? -1
        for index in program.tiers.indices.reversed() where index > floor {
            if let threshold = program.tiers[index].upgradeTurnover, threshold <= turnover {
                return program.tiers[index]
            }
        }
        return currentIndex.map { program.tiers[$0] } ?? current
    }
}
