import Foundation
import Loyalty
import PassBuilder
import Testing
import TestSupport

@testable import Storage

/// The ledger at the store level, on SQLite and PostgreSQL: households, entries, balances,
/// business keys, tiers, the limits, and the pushes due that every change records.
@Suite struct LedgerStoreTests {
    static let passType = "pass.test.ledger"
    static let program = LoyaltyProgram.default

    static func withLedger(_ engine: Engine, _ body: @Sendable (LedgerStore, RegistryStore) async throws -> Void) async throws {
        try await RegistryStoreTests.withStore(engine) { registry in
            try await body(LedgerStore(database: registry.database), registry)
        }
    }

    static func issue(_ ledger: LedgerStore, _ name: String, phone: String, serial: String) async throws -> CardRecord {
        try await ledger.issueCard(
            NewCard(name: name, phone: try PhoneNumber(parsing: phone)), program: program, passTypeIdentifier: passType, template: "loyalty",
            variant: nil, serialNumber: serial, passValues: [:]
        ).card
    }

    @Test(arguments: Engine.allCases)
    func aHouseholdSharesOneBalanceThatEqualsItsLedger(_ engine: Engine) async throws {
        try await Self.withLedger(engine) { ledger, _ in
            let anna = try await Self.issue(ledger, "Anna", phone: "+79123456789", serial: "S1")
            #expect(anna.balance == Self.program.welcomePoints, "a new household gets the welcome points")
            let boris = try await Self.issue(ledger, "Boris", phone: "8 912 345-67-89", serial: "S2")
            #expect(boris.accountID == anna.accountID && boris.balance == anna.balance, "the same phone: the same household, welcomed once")

            let accrual = try await ledger.apply(.accrual(points: 40), cardNumber: boris.number, businessKey: "deal:1", comment: nil, program: Self.program)
            #expect(accrual.entry.balanceAfter == Self.program.welcomePoints + 40 && !accrual.replayed)
            let again = try await ledger.apply(.accrual(points: 40), cardNumber: anna.number, businessKey: "deal:1", comment: nil, program: Self.program)
            #expect(again.replayed && again.entry.id == accrual.entry.id, "a business key applies once per household")
            await #expect(throws: LedgerError.businessKeyConflict("deal:1")) {
                _ = try await ledger.apply(.accrual(points: 41), cardNumber: anna.number, businessKey: "deal:1", comment: nil, program: Self.program)
            }
            let debit = try await ledger.apply(.debit(points: 30, purchase: nil), cardNumber: anna.number, businessKey: nil, comment: nil, program: Self.program)
            #expect(debit.entry.points == -30)
            await #expect(throws: LedgerError.rule(.insufficientBalance(balance: debit.entry.balanceAfter, requested: 10_000))) {
                _ = try await ledger.apply(.debit(points: 10_000, purchase: nil), cardNumber: anna.number, businessKey: nil, comment: nil, program: Self.program)
            }
            let reversal = try await ledger.apply(.reversal(entryID: debit.entry.id), cardNumber: anna.number, businessKey: nil, comment: nil, program: Self.program)
            #expect(reversal.entry.points == 30)
            let card = try #require(try await ledger.card(number: anna.number))
            #expect(try await ledger.ledgerSum(accountID: card.accountID) == card.balance)
            #expect(try await ledger.entries(accountID: card.accountID, before: nil, limit: 10).map(\.points) == [30, -30, 40, Self.program.welcomePoints])
        }
    }

    @Test(arguments: Engine.allCases)
    func purchasesMoveTheTierUpAndCreditsStayWithinTheLimits(_ engine: Engine) async throws {
        try await Self.withLedger(engine) { ledger, _ in
            let card = try await Self.issue(ledger, "Anna", phone: "+79123456789", serial: "S1")
            let silver = try #require(Self.program.tiers.first { $0.code == "silver" }?.upgradeTurnover)
            let purchase = try await ledger.apply(.purchase(amount: silver), cardNumber: card.number, businessKey: nil, comment: nil, program: Self.program)
            #expect(purchase.card.tier == "silver" && purchase.card.turnover == silver.minorUnits)
            #expect(purchase.entry.points == LedgerRules.accrualPoints(purchase: silver, tier: Self.program.tiers[0], program: Self.program))

            _ = try await ledger.database.transaction { db in
                try await db.query("UPDATE accounts SET balance = $1 WHERE id = $2", [.integer(PointLimits.balance - 5), .integer(card.accountID)])
            }
            await #expect(throws: LedgerError.rule(.balanceLimit(balance: PointLimits.balance - 5, requested: 10))) {
                _ = try await ledger.apply(.accrual(points: 10), cardNumber: card.number, businessKey: nil, comment: nil, program: Self.program)
            }
            await #expect(throws: LedgerError.rule(.pointsLimit(maximum: PointLimits.perEntry, requested: PointLimits.perEntry + 1))) {
                _ = try await ledger.apply(.accrual(points: PointLimits.perEntry + 1), cardNumber: card.number, businessKey: nil, comment: nil, program: Self.program)
            }
            #expect(try await ledger.card(number: card.number)?.balance == PointLimits.balance - 5, "a refused credit writes nothing")
        }
    }

    @Test(arguments: Engine.allCases)
    func everyChangeRecordsAPushForEachDeviceOfTheHousehold(_ engine: Engine) async throws {
        try await Self.withLedger(engine) { ledger, registry in
            let anna = try await Self.issue(ledger, "Anna", phone: "+79123456789", serial: "S1")
            _ = try await Self.issue(ledger, "Boris", phone: "+79123456789", serial: "S2")
            let stranger = try await Self.issue(ledger, "Vera", phone: "+79000000000", serial: "S3")
            for (device, serial, token) in [("d1", "S1", "aa"), ("d2", "S2", "bb"), ("d3", "S3", "cc")] {
                _ = try await registry.register(
                    deviceLibraryIdentifier: device, pushToken: String(repeating: token, count: 32), client: .apple,
                    passTypeIdentifier: Self.passType, serialNumber: serial)
            }
            var signals = ledger.database.pushDue.notifications.makeAsyncIterator()
            let tags = try await ledger.database.read { db in
                try await db.query("SELECT serial_number, update_tag FROM passes ORDER BY serial_number").map { ($0.text(0) ?? "", $0.int(1) ?? 0) }
            }
            _ = try await ledger.apply(.accrual(points: 5), cardNumber: anna.number, businessKey: nil, comment: nil, program: Self.program)
            #expect(await signals.next() != nil, "the commit wakes the dispatcher")
            let due = try await ledger.database.read { db in try await db.query("SELECT push_token FROM push_due ORDER BY push_token").compactMap { $0.text(0) } }
            #expect(due.contains(String(repeating: "aa", count: 32)) && due.contains(String(repeating: "bb", count: 32)), "both of the household's devices")
            #expect(!due.contains(String(repeating: "cc", count: 32)), "not the stranger's")
            let after = try await ledger.database.read { db in
                try await db.query("SELECT serial_number, update_tag FROM passes ORDER BY serial_number").map { ($0.text(0) ?? "", $0.int(1) ?? 0) }
            }
            #expect(after[0].1 > tags[0].1 && after[1].1 > tags[1].1, "the household's passes got new tags")
            #expect(after[2].1 == tags[2].1, "\(stranger.number)'s pass did not change")
        }
    }
}
