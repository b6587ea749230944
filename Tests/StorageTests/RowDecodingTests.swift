import Foundation
import Loyalty
import Testing
import TestSupport

@testable import Storage

/// Stores decode rows with throwing readers: a damaged row fails the read naming its column,
/// instead of reaching the server as `0`, `""` or a made-up enum case.
@Suite struct RowDecodingTests {

    static func expectFailure(naming column: String, _ read: () async throws -> Void) async {
        do {
            try await read()
            Issue.record("a damaged \(column) must fail the read")
        } catch let error as DatabaseError {
            #expect(error.description.contains(column), "\(error)")
        } catch {
            Issue.record("expected a DatabaseError naming \(column), got \(error)")
        }
    }

    @Test(arguments: Engine.allCases)
    func anUnknownStatusFailsTheCardRead(_ engine: Engine) async throws {
        try await LedgerStoreTests.withLedger(engine) { ledger, registry in
            let card = try await LedgerStoreTests.issue(ledger, "Anna", phone: "+79123456789", serial: "S1")
            _ = try await registry.database.transaction { db in
                try await db.query("UPDATE cards SET status = 'bogus' WHERE number = $1", [.text(card.number)])
            }
            await Self.expectFailure(naming: "cards.status") { _ = try await ledger.card(number: card.number) }
        }
    }

    @Test(arguments: Engine.allCases)
    func anUnknownEntryKindFailsTheLedgerRead(_ engine: Engine) async throws {
        try await LedgerStoreTests.withLedger(engine) { ledger, registry in
            let card = try await LedgerStoreTests.issue(ledger, "Anna", phone: "+79123456789", serial: "S1")
            _ = try await registry.database.transaction { db in try await db.query("UPDATE ledger_entries SET kind = 'gift'") }
            await Self.expectFailure(naming: "ledger_entries.kind") {
                _ = try await ledger.entries(accountID: card.accountID, before: nil, limit: 10)
            }
        }
    }

    /// SQLite stores what it is given whatever the declared type: text in an integer column is
    /// read as a mistyped value, not parsed or defaulted.
    @Test func textInAnIntegerColumnFailsTheRead() async throws {
        try await LedgerStoreTests.withLedger(.sqlite) { ledger, registry in
            let card = try await LedgerStoreTests.issue(ledger, "Anna", phone: "+79123456789", serial: "S1")
            _ = try await registry.database.transaction { db in try await db.query("UPDATE accounts SET balance = 'lots'") }
            await Self.expectFailure(naming: "accounts.balance") { _ = try await ledger.card(number: card.number) }
        }
    }

    @Test func readersTellNullFromMistyped() throws {
        let row = SQLRow(columns: ["a", "b", "c", "d"], values: [.null, .integer(7), .text("x"), .text("active")])
        #expect(try row.optionalInt(0, "t.a") == nil)
        #expect(try row.optionalText(0, "t.a") == nil)
        #expect(try row.optionalDate(0, "t.a") == nil)
        #expect(try row.int(1, "t.b") == 7)
        #expect(try row.date(1, "t.b") == Date(timeIntervalSince1970: 7))
        #expect(try row.value(3, "t.d") == CardStatus.active)
        #expect(throws: DatabaseError.self) { try row.int(0, "t.a") }
        #expect(throws: DatabaseError.self) { try row.optionalInt(2, "t.c") }
        #expect(throws: DatabaseError.self) { try row.optionalText(1, "t.b") }
        #expect(throws: DatabaseError.self) { try row.value(2, "t.c", as: CardStatus.self) }
        do { _ = try row.text(0, "cards.status"); Issue.record("NULL is not text") } catch let error as DatabaseError {
            #expect(error.description == "cards.status: expected text, got NULL")
        }
    }
}
