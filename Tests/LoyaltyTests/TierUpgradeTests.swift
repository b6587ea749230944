import Loyalty
import Testing

@Suite("Tier upgrades")
struct TierUpgradeTests {
    func after(_ turnover: String, from current: String, in program: LoyaltyProgram = .default) -> String {
        LedgerRules.tier(afterTurnover: money(turnover), current: program.tier(current)!, program: program).code
    }

    @Test(arguments: [
        ("0", "base", "base"),
        ("29999.99", "base", "base"),
        ("30000.00", "base", "silver"),
        ("99999.99", "base", "silver"),
        ("100000.00", "base", "gold"),
        ("1000000.00", "base", "gold"),
        ("150000.00", "silver", "gold"),
        ("30000.00", "silver", "silver"),
    ])
    func defaultThresholds(_ turnover: String, _ current: String, _ expected: String) {
        #expect(after(turnover, from: current) == expected)
    }

    @Test func severalThresholdsAtOnce() {
        // One big purchase takes a new card past silver straight to gold.
        #expect(after("100000.00", from: "base") == "gold")
    }

    @Test func neverDowngrades() {
        #expect(after("0", from: "gold") == "gold")
        #expect(after("50000.00", from: "gold") == "gold")
        #expect(after("0", from: "silver") == "silver")
    }

    /// base → silver (30 000) → vip (manual) → gold (100 000) → patron (manual).
    static let withManualTiers = LoyaltyProgram(
        name: "Manual tiers", currency: "RUB",
        tiers: [
            Tier(code: "base", name: "Base", accrual: percent("5")),
            Tier(code: "silver", name: "Silver", accrual: percent("7"), upgradeTurnover: money("30000")),
            Tier(code: "vip", name: "VIP", accrual: percent("8")),
            Tier(code: "gold", name: "Gold", accrual: percent("10"), upgradeTurnover: money("100000")),
            Tier(code: "patron", name: "Patron", accrual: percent("15")),
        ],
        defaultTier: "base", welcomePoints: 0, pointValue: money("1"), maxPaymentShare: percent("50"), cardNumbers: .supplied)

    @Test func manualOnlyTiersAreSkipped() throws {
        let program = Self.withManualTiers
        try program.validate()
        #expect(after("50000", from: "base", in: program) == "silver")
        #expect(after("10000000", from: "base", in: program) == "gold")
        #expect(after("50000", from: "vip", in: program) == "vip")
        #expect(after("100000", from: "vip", in: program) == "gold")
        #expect(after("10000000", from: "patron", in: program) == "patron")
    }

    @Test func returnsTheProgramsVersionOfTheCurrentTier() {
        var stale = LoyaltyProgram.default.tier("silver")!
        stale.accrual = percent("1")
        let result = LedgerRules.tier(afterTurnover: money("0"), current: stale, program: .default)
        #expect(result == LoyaltyProgram.default.tier("silver"))
    }

    @Test func aTierNoLongerInTheProgramCountsAsLowest() {
        let legacy = Tier(code: "legacy", name: "Legacy", accrual: percent("3"))
        #expect(LedgerRules.tier(afterTurnover: money("10"), current: legacy, program: .default) == legacy)
        #expect(LedgerRules.tier(afterTurnover: money("30000"), current: legacy, program: .default).code == "silver")
    }
}
