import Foundation
import Testing
import TestSupport

@testable import Storage

/// The durable push outbox, on SQLite and PostgreSQL.
@Suite struct PushOutboxStoreTests {
    static let type = "pass.test.push"
    static let tokenA = String(repeating: "a", count: 64)
    static let tokenB = String(repeating: "b", count: 64)

    /// Two passes; device A holds both, device B holds the second.
    static func seed(_ store: RegistryStore, now: Date) async throws {
        _ = try await store.createPass(passTypeIdentifier: type, serialNumber: "P1", template: "t", variant: nil, values: [:], now: now)
        _ = try await store.createPass(passTypeIdentifier: type, serialNumber: "P2", template: "t", variant: nil, values: [:], now: now)
        for (device, token, serial) in [("devA", tokenA, "P1"), ("devA", tokenA, "P2"), ("devB", tokenB, "P2")] {
            _ = try await store.register(
                deviceLibraryIdentifier: device, pushToken: token, client: .apple, passTypeIdentifier: type, serialNumber: serial, now: now)
        }
    }

    /// A holder may register the same push token from two device ids, one as Apple and one as
    /// Android: the change still records one push (Apple's), and PostgreSQL doesn't refuse it.
    @Test(arguments: Engine.allCases)
    func oneTokenUnderBothClientsIsOnePush(_ engine: Engine) async throws {
        try await RegistryStoreTests.withStore(engine) { store in
            let now = Date()
            _ = try await store.createPass(passTypeIdentifier: Self.type, serialNumber: "P1", template: "t", variant: nil, values: [:], now: now)
            for (device, client) in [("devApple", WalletClient.apple), ("devAndroid", .android)] {
                _ = try await store.register(
                    deviceLibraryIdentifier: device, pushToken: Self.tokenA, client: client, passTypeIdentifier: Self.type, serialNumber: "P1", now: now)
            }
            _ = try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "P1", mergingValues: ["x": .integer(1)], now: now)
            let claimed = try await PushOutboxStore(database: store.database).claim(limit: 100, now: now)
            #expect(claimed.map(\.pushToken) == [Self.tokenA])
            #expect(claimed.first?.client == .apple)
        }
    }

    @Test(arguments: Engine.allCases)
    func changesAreCoalescedPerDeviceAndPassType(_ engine: Engine) async throws {
        try await RegistryStoreTests.withStore(engine) { store in
            let now = Date()
            try await Self.seed(store, now: now)
            let outbox = PushOutboxStore(database: store.database)
            #expect(try await outbox.count() == 0, "registering records nothing")
            _ = try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "P1", mergingValues: ["x": .integer(1)], now: now)
            _ = try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "P2", mergingValues: ["x": .integer(2)], now: now)
            _ = try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "P2", mergingValues: ["x": .integer(3)], now: now)
            let claimed = try await outbox.claim(limit: 100, now: now)
            #expect(claimed.map(\.pushToken).sorted() == [Self.tokenA, Self.tokenB], "one push per device however many passes changed")
            let a = try #require(claimed.first { $0.pushToken == Self.tokenA })
            #expect(a.generation == 2, "three changes touched device A: the row was written, then bumped twice")
            #expect(a.passTypeIdentifier == Self.type && a.client == .apple && a.attempts == 0 && a.broadcastID == nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func claimsAreExclusiveUntilTheLeaseEnds(_ engine: Engine) async throws {
        try await RegistryStoreTests.withStore(engine) { store in
            let now = Date()
            try await Self.seed(store, now: now)
            _ = try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "P2", mergingValues: [:], now: now)
            let outbox = PushOutboxStore(database: store.database)
            let first = try await outbox.claim(limit: 1, now: now, lease: .seconds(30))
            let second = try await outbox.claim(limit: 10, now: now, lease: .seconds(30))
            #expect(first.count == 1 && second.count == 1 && first[0].pushToken != second[0].pushToken, "a claimed row is hidden")
            #expect(try await outbox.claim(limit: 10, now: now).isEmpty)
            #expect(try await outbox.claim(limit: 10, now: now.addingTimeInterval(31), excluding: [Self.type]).isEmpty, "a paused pass type is left alone")
            // A worker that died without settling: its rows fall due when the lease ends.
            let later = try await outbox.claim(limit: 10, now: now.addingTimeInterval(31))
            #expect(Set(later.map(\.pushToken)) == [Self.tokenA, Self.tokenB])
        }
    }

    @Test(arguments: Engine.allCases)
    func settlingDeletesOnlyUnchangedRows(_ engine: Engine) async throws {
        try await RegistryStoreTests.withStore(engine) { store in
            let now = Date()
            try await Self.seed(store, now: now)
            _ = try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "P2", mergingValues: [:], now: now)
            let outbox = PushOutboxStore(database: store.database)
            let claimed = try await outbox.claim(limit: 10, now: now)
            #expect(claimed.count == 2)
            // Device B's pass changes again while its push is in flight.
            _ = try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "P2", mergingValues: ["y": .integer(1)], now: now)
            try await outbox.settle(claimed.map { ($0, .delivered) }, now: now)
            let again = try await outbox.claim(limit: 10, now: now)
            #expect(Set(again.map(\.pushToken)) == [Self.tokenA, Self.tokenB], "both changed again, both are due again")
            try await outbox.settle(again.map { ($0, .delivered) }, now: now)
            #expect(try await outbox.count() == 0)
        }
    }

    @Test(arguments: Engine.allCases)
    func retriesKeepTheRowWithItsAttempts(_ engine: Engine) async throws {
        try await RegistryStoreTests.withStore(engine) { store in
            let now = Date()
            try await Self.seed(store, now: now)
            _ = try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "P1", mergingValues: [:], now: now)
            let outbox = PushOutboxStore(database: store.database)
            let claimed = try await outbox.claim(limit: 10, now: now)
            try await outbox.settle(claimed.map { ($0, .retry(at: now.addingTimeInterval(5), attempts: 3)) }, now: now)
            #expect(try await outbox.claim(limit: 10, now: now.addingTimeInterval(4)).isEmpty, "not due before the retry time")
            let retried = try await outbox.claim(limit: 10, now: now.addingTimeInterval(6)) // due times round up to the second
            #expect(retried.map(\.attempts) == [3])
        }
    }

    @Test(arguments: Engine.allCases)
    func unregisteredTokensLoseRegistrationsMadeBeforeTheTimestamp(_ engine: Engine) async throws {
        try await RegistryStoreTests.withStore(engine) { store in
            let early = Date(timeIntervalSince1970: 1_800_000_000)
            try await Self.seed(store, now: early)
            // Device A registers P3 after APNs's 410 timestamp: a re-install APNs hadn't seen yet.
            _ = try await store.createPass(passTypeIdentifier: Self.type, serialNumber: "P3", template: "t", variant: nil, values: [:], now: early)
            _ = try await store.register(
                deviceLibraryIdentifier: "devA", pushToken: Self.tokenA, client: .apple, passTypeIdentifier: Self.type, serialNumber: "P3",
                now: early.addingTimeInterval(100))
            _ = try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "P2", mergingValues: [:])
            let outbox = PushOutboxStore(database: store.database)
            let claimed = try await outbox.claim(limit: 10)
            let a = try #require(claimed.first { $0.pushToken == Self.tokenA })
            let b = try #require(claimed.first { $0.pushToken == Self.tokenB })
            try await outbox.settle([(a, .unregister(before: early.addingTimeInterval(50))), (b, .unregister(before: nil))])
            #expect(try await store.registrationCount(passTypeIdentifier: Self.type, serialNumber: "P1") == 0)
            #expect(try await store.registrationCount(passTypeIdentifier: Self.type, serialNumber: "P2") == 0)
            #expect(try await store.registrationCount(passTypeIdentifier: Self.type, serialNumber: "P3") == 1, "registered after the 410 timestamp")
            #expect(try await store.device("devA") != nil, "still holds P3")
            #expect(try await store.device("devB") == nil, "no registrations left: the device row goes")
            #expect(try await outbox.count() == 0)
        }
    }

    @Test(arguments: Engine.allCases)
    func broadcastOutcomesAreCounted(_ engine: Engine) async throws {
        try await RegistryStoreTests.withStore(engine) { store in
            try await Self.seed(store, now: Date())
            let outbox = PushOutboxStore(database: store.database)
            _ = try await store.database.transaction { db in
                // P2 is held by both devices: one row each.
                try await PushOutboxStore.recordDue(db, passes: .pass(passTypeIdentifier: Self.type, serialNumber: "P2"), dueAt: 0, broadcastID: 7)
            }
            let claimed = try await outbox.claim(limit: 10)
            #expect(claimed.allSatisfy { $0.broadcastID == 7 } && claimed.count == 2)
            let a = try #require(claimed.first { $0.pushToken == Self.tokenA })
            let b = try #require(claimed.first { $0.pushToken == Self.tokenB })
            try await outbox.settle([(a, .delivered)])
            try await outbox.settle([(b, .failed)])
            // Read as the broadcast's progress reads them: its row of broadcast_push_counts.
            func counts(_ id: Int64) async throws -> (sent: Int64, failed: Int64) {
                try await store.database.read { db in
                    let row = try await db.query("SELECT sent, failed FROM broadcast_push_counts WHERE broadcast_id = $1", [.integer(id)]).first
                    return (row?.int(0) ?? 0, row?.int(1) ?? 0)
                }
            }
            let seven = try await counts(7)
            #expect(seven.sent == 1 && seven.failed == 1)
            let none = try await counts(8)
            #expect(none.sent == 0 && none.failed == 0)
        }
    }
}
