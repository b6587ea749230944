import Core
import Foundation
import Testing
import TestSupport

@testable import Storage

/// The Bitrix24 application's storage, on SQLite and PostgreSQL: one portal per server, and
/// queues that keep only an object's latest state while it waits.
@Suite struct Bitrix24StoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func withStore(_ engine: Engine, _ body: @Sendable (Bitrix24Store) async throws -> Void) async throws {
        try await TestDatabase.with(engine) { db in try await body(Bitrix24Store(database: db)) }
    }

    static func portal(_ member: String, domain: String, token: String = "app-token", sealed: [UInt8] = [1, 2, 3]) -> Bitrix24Portal {
        Bitrix24Portal(memberID: member, domain: domain, applicationToken: token, clientEndpoint: "https://\(domain)/rest/", sealedTokens: sealed, installedAt: t0, updatedAt: t0)
    }

    @Test(arguments: Engine.allCases)
    func onePortalPerServerAndAReinstallReplacesItsTokens(_ engine: Engine) async throws {
        try await Self.withStore(engine) { store in
            #expect(try await store.portal() == nil)
            #expect(try await store.install(Self.portal("m1", domain: "school.bitrix24.ru")) == .installed)
            #expect(try await store.install(Self.portal("m2", domain: "other.bitrix24.ru")) == .refused(installedDomain: "school.bitrix24.ru"))
            #expect(try await store.install(Self.portal("m1", domain: "school.bitrix24.ru", token: "new-token", sealed: [9])) == .reinstalled)
            let portal = try #require(try await store.portal())
            #expect(portal.applicationToken == "new-token" && portal.sealedTokens == [9] && portal.memberID == "m1")
            #expect(try await store.replaceTokens(memberID: "m1", sealed: [7, 7], clientEndpoint: "https://school.bitrix24.ru/rest/"))
            #expect(try await store.portal()?.sealedTokens == [7, 7])
            #expect(try await store.replaceTokens(memberID: "m2", sealed: [0], clientEndpoint: "x") == false, "another portal's refresh changes nothing")

            try await store.enqueue(.outbox, [NewPortalQueueItem(kind: "app.info", payload: "{}")], now: Self.t0)
            try await store.enqueue(.inbox, [NewPortalQueueItem(kind: "ONCRMDEALUPDATE", payload: "{}")], now: Self.t0)
            #expect(try await store.uninstall(memberID: "m2") == false)
            #expect(try await store.uninstall(memberID: "m1"))
            #expect(try await store.portal() == nil)
            #expect(try await store.count(.outbox, state: "queued") == 0, "nothing is sent to a portal that removed the app")
            #expect(try await store.count(.inbox, state: "queued") == 1, "what it sent before is still acted on")
            #expect(try await store.install(Self.portal("m2", domain: "other.bitrix24.ru")) == .installed, "after an uninstall another portal may install")
        }
    }

    @Test(arguments: Engine.allCases)
    func waitingItemsCoalesceByKeyAndARetryNeverOvertakesANewerOne(_ engine: Engine) async throws {
        try await Self.withStore(engine) { store in
            let lease = Lease(seconds: 60)
            try await store.enqueue(.outbox, [
                NewPortalQueueItem(kind: "crm.contact.update", key: "contact:7", payload: #"{"balance":1}"#),
                NewPortalQueueItem(kind: "crm.contact.update", key: "contact:7", payload: #"{"balance":2}"#),
                NewPortalQueueItem(kind: "bizproc.event.send", payload: #"{"token":"a"}"#),
                NewPortalQueueItem(kind: "bizproc.event.send", payload: #"{"token":"a"}"#),
            ], now: Self.t0)
            let first = try await store.claim(.outbox, now: Self.t0, lease: lease, limit: 10)
            #expect(first.map(\.payload) == [#"{"balance":2}"#, #"{"token":"a"}"#, #"{"token":"a"}"#], "keyed items keep the latest; unkeyed ones all go")
            #expect(first.allSatisfy { $0.attempts == 1 })
            #expect(try await store.claim(.outbox, now: Self.t0, lease: lease, limit: 10).isEmpty, "leased")

            // While the contact's update is being sent, a newer balance is queued beside it.
            try await store.enqueue(.outbox, [NewPortalQueueItem(kind: "crm.contact.update", key: "contact:7", payload: #"{"balance":3}"#)], now: Self.t0)
            try await store.complete(.outbox, id: first[0].id, .retry(at: Self.t0, error: "QUERY_LIMIT_EXCEEDED"))
            try await store.complete(.outbox, id: first[1].id, .done)
            try await store.complete(.outbox, id: first[2].id, .retry(at: Self.t0.addingTimeInterval(30), error: "timeout"))
            let second = try await store.claim(.outbox, now: Self.t0.addingTimeInterval(30), lease: lease, limit: 10)
            #expect(second.map(\.payload) == [#"{"token":"a"}"#, #"{"balance":3}"#], "the superseded retry is gone; the newer balance and the unkeyed retry go")
            #expect(try await store.count(.outbox, state: "done") == 1)

            // A crash: nothing completed; after the lease the items are due again.
            #expect(try await store.claim(.outbox, now: Self.t0.addingTimeInterval(89), lease: lease, limit: 10).isEmpty)
            let again = try await store.claim(.outbox, now: Self.t0.addingTimeInterval(91), lease: lease, limit: 10)
            #expect(again.map(\.attempts) == [3, 2], "each claim counts an attempt")
            try await store.complete(.outbox, id: again[0].id, .failed(error: "ACCESS_DENIED"))
            #expect(try await store.count(.outbox, state: "failed") == 1)
        }
    }
}
