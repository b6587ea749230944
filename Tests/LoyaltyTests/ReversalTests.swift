import Loyalty
import Testing

@Suite("Reversal")
struct ReversalTests {
    func reverse(_ kind: EntryKind, _ points: Int64, already: Bool = false, balance: Int64) -> Result<Int64, LedgerRuleError> {
        Result { () throws(LedgerRuleError) in
            try LedgerRules.reversalPoints(of: kind, points: points, alreadyReversed: already, balance: balance)
        }
    }

    @Test func reversingACreditTakesThePointsBack() {
        #expect(reverse(.accrual, 100, balance: 150) == .success(-100))
        #expect(reverse(.welcome, 100, balance: 100) == .success(-100))
        #expect(reverse(.purchase, 104, balance: 200) == .success(-104))
        #expect(reverse(.broadcast, 200, balance: 500) == .success(-200))
        #expect(reverse(.adjustment, 30, balance: 30) == .success(-30))
    }

    @Test func reversingACreditCannotMakeTheBalanceNegative() {
        #expect(reverse(.accrual, 100, balance: 99) == .failure(.insufficientBalance(balance: 99, requested: 100)))
        #expect(reverse(.adjustment, 30, balance: 10) == .failure(.insufficientBalance(balance: 10, requested: 30)))
        #expect(reverse(.purchase, 1, balance: 0) == .failure(.insufficientBalance(balance: 0, requested: 1)))
    }

    @Test func reversingADebitGivesThePointsBack() {
        #expect(reverse(.debit, -50, balance: 0) == .success(50))
        #expect(reverse(.adjustment, -30, balance: 0) == .success(30))
        #expect(reverse(.broadcast, -10, balance: 0) == .success(10))
    }

    @Test func aZeroPointPurchaseReversesToZero() {
        // A refund of a purchase too small to earn a point still has to undo its turnover.
        #expect(reverse(.purchase, 0, balance: 0) == .success(0))
    }

    @Test func aReversalCannotBeReversed() {
        guard case .failure(.notReversible) = reverse(.reversal, -100, balance: 1_000) else {
            Issue.record("a reversal was reversed")
            return
        }
        guard case .failure(.notReversible) = reverse(.reversal, 100, already: true, balance: 1_000) else {
            Issue.record("the kind must be checked before the already-reversed flag")
            return
        }
    }

    @Test func anEntryIsReversedOnce() {
        #expect(reverse(.accrual, 100, already: true, balance: 1_000) == .failure(.alreadyReversed))
        #expect(reverse(.debit, -100, already: true, balance: 1_000) == .failure(.alreadyReversed))
    }

    @Test(arguments: [(EntryKind.welcome, Int64(-1)), (.accrual, -5), (.purchase, -5), (.debit, 5), (.debit, 0), (.adjustment, .min)])
    func pointsContradictingTheKindAreRefused(_ kind: EntryKind, _ points: Int64) {
        guard case .failure(.notReversible(let why)) = reverse(kind, points, balance: 1_000) else {
            Issue.record("\(kind) with \(points) points was reversed")
            return
        }
        #expect(why.contains(kind.rawValue))
    }

    @Test func entryKindRawValuesAreStable() {
        // Stored in the database: renaming a case would orphan existing rows.
        #expect(EntryKind.allCases.map(\.rawValue) == ["welcome", "accrual", "purchase", "debit", "reversal", "broadcast", "adjustment", "opening"])
    }

    @Test func entryKindSigns() {
        #expect(EntryKind.allCases.filter { $0.allows(points: 1) } == [.welcome, .accrual, .purchase, .reversal, .broadcast, .adjustment, .opening])
        #expect(EntryKind.allCases.filter { $0.allows(points: -1) } == [.debit, .reversal, .broadcast, .adjustment])
        #expect(EntryKind.allCases.filter { $0.allows(points: 0) } == [.welcome, .accrual, .purchase, .reversal, .broadcast, .adjustment, .opening])
    }
}
