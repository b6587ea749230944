import Loyalty
import Testing

@Suite("Debit")
struct DebitTests {
    func check(_ points: Int64, balance: Int64, purchase: String?, program: LoyaltyProgram = .default) -> LedgerRuleError? {
        do throws(LedgerRuleError) {
            try LedgerRules.checkDebit(points: points, balance: balance, purchase: purchase.map(money), program: program)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [0, -1, Int64.min] as [Int64])
    func nonPositiveIsRefused(_ points: Int64) {
        #expect(check(points, balance: 1_000, purchase: nil) == .notPositive)
        #expect(check(points, balance: 1_000, purchase: "1000.00") == .notPositive)
    }

    @Test func balanceShort() {
        #expect(check(101, balance: 100, purchase: nil) == .insufficientBalance(balance: 100, requested: 101))
        #expect(check(1, balance: 0, purchase: nil) == .insufficientBalance(balance: 0, requested: 1))
        #expect(check(1, balance: -5, purchase: nil) == .insufficientBalance(balance: -5, requested: 1))
    }

    @Test func exactlyTheBalance() {
        #expect(check(100, balance: 100, purchase: nil) == nil)
    }

    @Test func withoutPurchaseNoShareRule() {
        #expect(check(5_000, balance: 5_000, purchase: nil, program: .with(maxPaymentShare: "0")) == nil)
    }

    @Test func shareExceeded() {
        // 50 % of 1 000.00 at 1.00 a point is 500 points.
        #expect(check(501, balance: 10_000, purchase: "1000.00") == .shareExceeded(maximum: 500, requested: 501))
        #expect(check(1, balance: 10_000, purchase: "1000.00", program: .with(maxPaymentShare: "0")) == .shareExceeded(maximum: 0, requested: 1))
        #expect(check(1, balance: 10_000, purchase: "1.99") == .shareExceeded(maximum: 0, requested: 1))
    }

    @Test func exactlyTheShare() {
        #expect(check(500, balance: 500, purchase: "1000.00") == nil)
        #expect(check(500, balance: 10_000, purchase: "1000.00") == nil)
        #expect(check(1_000, balance: 1_000, purchase: "1000.00", program: .with(maxPaymentShare: "100")) == nil)
        #expect(check(200, balance: 1_000, purchase: "100.00", program: .with(pointValue: "0.50", maxPaymentShare: "100")) == nil)
        #expect(check(201, balance: 1_000, purchase: "100.00", program: .with(pointValue: "0.50", maxPaymentShare: "100")) == .shareExceeded(maximum: 200, requested: 201))
    }

    /// Both limits broken: the error names the tighter one, the number the cashier can use.
    @Test func bothExceededNamesTheTighterLimit() {
        #expect(check(700, balance: 600, purchase: "1000.00") == .shareExceeded(maximum: 500, requested: 700))
        #expect(check(700, balance: 300, purchase: "1000.00") == .insufficientBalance(balance: 300, requested: 700))
        #expect(check(501, balance: 500, purchase: "1000.00") == .insufficientBalance(balance: 500, requested: 501))
    }

    @Test func descriptions() {
        let errors: [LedgerRuleError] = [
            .notPositive, .insufficientBalance(balance: 1, requested: 2), .shareExceeded(maximum: 1, requested: 2),
            .alreadyReversed, .notReversible("why"),
        ]
        for error in errors { #expect(isOneLine(error.description)) }
        #expect(LedgerRuleError.shareExceeded(maximum: 500, requested: 700).description == "at most 500 points may pay for this purchase, 700 requested")
    }
}
