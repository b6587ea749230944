import Foundation
import Loyalty
import Testing
import TestSupport

@testable import Storage

/// Links, the SMS outbox and its budget, and the webhook outbox at the store level, on SQLite
/// and PostgreSQL.
@Suite struct DistributionStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func withStore(_ engine: Engine, _ body: @Sendable (DistributionStore) async throws -> Void) async throws {
        try await RegistryStoreTests.withStore(engine) { registry in try await body(DistributionStore(database: registry.database)) }
    }

    @Test(arguments: Engine.allCases)
    func aLinkRowIsMadeOnceAndRevokingMovesItsGeneration(_ engine: Engine) async throws {
        try await Self.withStore(engine) { store in
            let ledger = LedgerStore(database: store.database)
            let card = try await ledger.issueCard(
                NewCard(name: "Anna", phone: try PhoneNumber(parsing: "+79123456789")), program: .default, passTypeIdentifier: "pass.test.d",
                template: "loyalty", variant: nil, serialNumber: "S1", passValues: [:]
            ).card
            let first = try await store.cardLink(cardNumber: card.number, now: Self.t0)
            let again = try await store.cardLink(cardNumber: card.number, now: Self.t0.addingTimeInterval(60))
            #expect(first.id == again.id && first.generation == again.generation, "one row per card, made on first use")
            let household = try await store.householdLink(accountID: card.accountID, now: Self.t0)
            #expect(household.id != first.id)
            #expect(try await store.revokeLinks(cardNumber: card.number, accountID: card.accountID, now: Self.t0) == 2, "the card's and its household's")
            let revoked = try #require(try await store.link(id: first.id))
            #expect(revoked.generation == first.generation + 1 && revoked.revokedAt != nil)
            try await store.count(linkID: first.id, download: true, now: Self.t0)
            #expect(try await store.link(id: first.id)?.downloads == 1)
        }
    }

    @Test(arguments: Engine.allCases)
    func theBudgetChargesPartsAndARefusedMessageLeavesNothing(_ engine: Engine) async throws {
        try await Self.withStore(engine) { store in
            let phone = try PhoneNumber(parsing: "+79123456789")
            let budget = SmsBudgetWindow(window: 500_000, limit: 3)
            let twoParts = NewSms(phone: phone, kind: "link", text: String(repeating: "ж", count: 71)) // UCS-2: 70 fit one part
            #expect(twoParts.parts == 2)
            let queued = try #require(try await store.enqueueSms(twoParts, budget: budget, now: Self.t0))
            #expect(queued.state == .queued)
            await #expect(throws: DistributionStoreError.budgetExhausted(limit: 3)) {
                _ = try await store.enqueueSms(twoParts, budget: budget, now: Self.t0)
            }
            let onePart = NewSms(phone: phone, kind: "link", text: "ok")
            #expect(try await store.enqueueSms(onePart, budget: budget, now: Self.t0) != nil, "one part still fits")
            await #expect(throws: DistributionStoreError.tooLong(parts: 11)) {
                _ = try await store.enqueueSms(NewSms(phone: phone, kind: "link", text: String(repeating: "ж", count: 67 * 10 + 1)), budget: nil, now: Self.t0)
            }
            let rows = try await store.database.read { db in try await db.query("SELECT COUNT(*) FROM sms_outbox").first?.int(0) }
            #expect(rows == 2, "refused messages wrote nothing")
        }
    }

    @Test(arguments: Engine.allCases)
    func outboxRowsAreLeasedUntilCompleted(_ engine: Engine) async throws {
        try await Self.withStore(engine) { store in
            let phone = try PhoneNumber(parsing: "+79123456789")
            let sms = try #require(try await store.enqueueSms(NewSms(phone: phone, kind: "code", text: "1234"), budget: nil, now: Self.t0))
            let hook = try await store.enqueueWebhook(event: "join.completed", url: "http://127.0.0.1:9/crm", body: "{}", now: Self.t0)

            #expect(try await store.claimDueSms(now: Self.t0, lease: 30, limit: 10).map(\.id) == [sms.id])
            #expect(try await store.claimDueSms(now: Self.t0.addingTimeInterval(10), lease: 30, limit: 10).isEmpty, "hidden while leased")
            let reclaimed = try await store.claimDueSms(now: Self.t0.addingTimeInterval(31), lease: 30, limit: 10)
            #expect(reclaimed.map(\.attempts) == [2], "a crashed worker's message comes back after the lease")
            try await store.complete(smsID: sms.id, .sent(provider: "dev", providerID: "m1"), now: Self.t0.addingTimeInterval(32))
            let sent = try #require(try await store.sms(id: sms.id))
            #expect(sent.state == .sent && sent.providerID == "m1" && sent.text.isEmpty, "a code's text is erased once sent")
            #expect(try await store.claimDueSms(now: Self.t0.addingTimeInterval(100), lease: 30, limit: 10).isEmpty)

            #expect(try await store.claimDueWebhooks(now: Self.t0, lease: 30, limit: 10).map(\.id) == [hook.id])
            try await store.complete(webhookID: hook.id, .retry(at: Self.t0.addingTimeInterval(60), error: "503", status: 503), now: Self.t0)
            #expect(try await store.claimDueWebhooks(now: Self.t0.addingTimeInterval(59), lease: 30, limit: 10).isEmpty, "not before its retry time")
            #expect(try await store.claimDueWebhooks(now: Self.t0.addingTimeInterval(60), lease: 30, limit: 10).map(\.id) == [hook.id])
        }
    }
}
