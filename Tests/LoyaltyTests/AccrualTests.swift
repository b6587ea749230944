import Core
import Loyalty
import Testing
import TestSupport

struct AccrualCase: Sendable, CustomTestStringConvertible {
    var amount: Money
    var accrual: String
    var pointValue: String
    var points: Int64
    var testDescription: String { "\(amount) at \(accrual)% (point = \(pointValue)) → \(points)" }

    init(_ amount: String, at accrual: String, pointValue: String = "1.00", _ points: Int64) {
        self.init(amount: money(amount), accrual: accrual, pointValue: pointValue, points: points)
    }

    init(amount: Money, accrual: String, pointValue: String, points: Int64) {
        (self.amount, self.accrual, self.pointValue, self.points) = (amount, accrual, pointValue, points)
    }
}

@Suite("Accrual")
struct AccrualTests {
    static let cases: [AccrualCase] = [
        // The worked example of docs/loyalty.md: floor(149 999 × 700 / 1 000 000) = floor(104.9993).
        AccrualCase("1499.99", at: "7", 104),
        AccrualCase("0", at: "7", 0),
        AccrualCase("0", at: "100", pointValue: "0.01", 0),
        AccrualCase("0.01", at: "10", 0),
        AccrualCase("0.01", at: "100", pointValue: "0.01", 1),
        AccrualCase("19.99", at: "5", 0),
        AccrualCase("20.00", at: "5", 1),
        AccrualCase("100.00", at: "5", 5),
        AccrualCase("1000.00", at: "7", 70),
        AccrualCase("1000.00", at: "0", 0),
        AccrualCase("1000.00", at: "100", 1000),
        AccrualCase("30000.00", at: "10.25", 3075),
        AccrualCase("333.33", at: "33.33", 111),
        AccrualCase("1499.99", at: "7", pointValue: "0.50", 209),
        AccrualCase("100.00", at: "7.5", pointValue: "0.50", 15),
        AccrualCase("1.00", at: "7.5", pointValue: "0.50", 0),
        AccrualCase("10000000.00", at: "10", 1_000_000),
        AccrualCase("1000.00", at: "5", pointValue: "3.00", 16),
        // The extremes, where amount × basis points exceeds Int64.max.
        AccrualCase(amount: .maximum, accrual: "100", pointValue: "0.01", points: 1_000_000_000_000_000),
        AccrualCase(amount: .maximum, accrual: "99.99", pointValue: "0.01", points: 999_900_000_000_000),
        AccrualCase(amount: .maximum, accrual: "100", pointValue: "1.00", points: 10_000_000_000_000),
        AccrualCase(amount: .maximum, accrual: "100", pointValue: "10000000000000", points: 1),
    ]

    @Test(arguments: cases)
    func points(_ c: AccrualCase) {
        let program = LoyaltyProgram.with(pointValue: c.pointValue)
        #expect(LedgerRules.accrualPoints(purchase: c.amount, tier: .at(c.accrual), program: program) == c.points)
    }

    @Test func defaultTiersEarnTheirPercent() {
        let program = LoyaltyProgram.default
        let amount = money("1499.99")
        #expect(program.tiers.map { LedgerRules.accrualPoints(purchase: amount, tier: $0, program: program) } == [74, 104, 149])
    }

    /// Never over-credits, and what is left over is less than one point:
    /// points × pointValue ≤ amount × percent < (points + 1) × pointValue, checked exactly at double width.
    @Test func neverOverCreditsAndLosesLessThanOnePoint() {
        var rng = SplitMix64(seed: 0xACC_2024)
        for _ in 0..<20_000 {
            let amount = Money(minorUnits: rng.spread(in: 0...Money.maximum.minorUnits))
            let share = Percent(basisPoints: Int.random(in: 0...10_000, using: &rng))
            let pointValue = Money(minorUnits: rng.spread(in: 1...1_000_000))
            var program = LoyaltyProgram.default
            program.pointValue = pointValue
            let points = LedgerRules.accrualPoints(purchase: amount, tier: Tier(code: "t", name: "T", accrual: share), program: program)
            // Both sides scaled by 10 000 (basis points) and in minor units.
            let owed = wide(amount.minorUnits, Int64(share.basisPoints))
            let credited = wide(points * pointValue.minorUnits, 10_000)
            let nextPoint = wide((points + 1) * pointValue.minorUnits, 10_000)
            #expect(points >= 0)
            #expect(credited <= owed, "\(amount) at \(share)% / \(pointValue)")
            #expect(nextPoint > owed, "\(amount) at \(share)% / \(pointValue)")
        }
    }

    @Test(arguments: [("1000.00", 500), ("999.99", 499), ("0.01", 0), ("0", 0), ("1.99", 0), ("2.00", 1)] as [(String, Int64)])
    func maxDebitPointsIsHalfByDefault(_ amount: String, _ points: Int64) {
        #expect(LedgerRules.maxDebitPoints(purchase: money(amount), program: .default) == points)
    }

    @Test func maxDebitPointsFollowsShareAndPointValue() {
        #expect(LedgerRules.maxDebitPoints(purchase: money("100.00"), program: .with(pointValue: "0.50")) == 100)
        #expect(LedgerRules.maxDebitPoints(purchase: money("100.00"), program: .with(maxPaymentShare: "0")) == 0)
        #expect(LedgerRules.maxDebitPoints(purchase: money("100.00"), program: .with(maxPaymentShare: "100")) == 100)
        #expect(LedgerRules.maxDebitPoints(purchase: money("100.00"), program: .with(maxPaymentShare: "33.33")) == 33)
    }
}
