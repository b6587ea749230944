import Foundation
import Loyalty
import PassBuilder
import Testing
import TestSupport

@testable import Storage
@testable import passline

/// Broadcasts at the store level, on SQLite and PostgreSQL: audiences, batches, crash-resume,
/// reruns, cancellation, leases, fetch-back counting.
@Suite struct BroadcastStoreTests {
    static let passType = "pass.test.broadcast"

    /// A seeded database: 500 cards in 400 households, 600 devices.
    static func withSeeded(_ engine: Engine, cards: Int = 500, _ body: @Sendable (BroadcastStore, DatabaseSeed) async throws -> Void) async throws {
        try await RegistryStoreTests.withStore(engine) { registry in
            let seed = DatabaseSeed(cards: cards, passTypeIdentifier: passType, template: "loyalty", tiers: ["base", "silver", "gold"])
            let summary = try await seed.run(on: registry.database)
            #expect(summary == .init(households: 400, cards: 500, devices: 600))
            try await body(BroadcastStore(database: registry.database), seed)
        }
    }

    static func count(_ store: BroadcastStore, _ sql: String, _ binds: [SQLValue] = []) async throws -> Int64 {
        try await store.database.read { db in try await db.query(sql, binds).first?.int(0) ?? -1 }
    }

    static func created(_ outcome: BroadcastCreation, sourceLocation: SourceLocation = #_sourceLocation) throws -> BroadcastRecord {
        guard case .created(let b) = outcome else {
            Issue.record("expected a created broadcast, got \(outcome)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return b
    }

    static func new(points: Int64 = 50, _ audience: BroadcastAudience = .all, key: String? = nil, hash: String? = nil) -> NewBroadcast {
        NewBroadcast(messages: ["en": "Hello"], promo: "Hello", points: points, audience: audience, idempotencyKey: key, requestHash: hash)
    }

    /// Claims and runs batches until the broadcast ends; returns the batches that committed.
    @discardableResult
    static func runToEnd(_ store: BroadcastStore, owner: String = "a", size: Int = 37, now: Date = Date()) async throws -> Int {
        let id = try #require(try await store.claimNext(owner: owner, leaseSeconds: 30, ignoreLeases: false, now: now))
        var batches = 0
        while true {
            switch try await store.runBatch(id: id, owner: owner, size: size, leaseSeconds: 30, now: now) {
            case .progressed: batches += 1
            case .finished: return batches
            case .stopped: Issue.record("stopped unexpectedly"); return batches
            }
        }
    }

    /// Every targeted household granted exactly once, balances equal to their ledgers, every
    /// active card showing the broadcast, every device due a push for it.
    static func expectComplete(_ store: BroadcastStore, _ id: Int64, points: Int64, households: Int64, devices: Int64, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let key = SQLValue.text(BroadcastStore.businessKey(id))
        #expect(try await count(store, "SELECT COUNT(*) FROM ledger_entries WHERE business_key = $1", [key]) == households, sourceLocation: sourceLocation)
        #expect(try await count(store, "SELECT COUNT(*) FROM (SELECT account_id FROM ledger_entries WHERE business_key = $1 GROUP BY account_id HAVING COUNT(*) > 1) s", [key]) == 0,
                "no household granted twice", sourceLocation: sourceLocation)
        #expect(try await count(store, "SELECT COUNT(*) FROM accounts a WHERE a.balance <> (SELECT COALESCE(SUM(points), 0) FROM ledger_entries e WHERE e.account_id = a.id)") == 0,
                "balance = Σ ledger everywhere", sourceLocation: sourceLocation)
        #expect(try await count(store, "SELECT COUNT(*) FROM accounts WHERE balance = $1", [.integer(points)]) == households, sourceLocation: sourceLocation)
        #expect(try await count(store, "SELECT COUNT(*) FROM push_due WHERE broadcast_id = $1", [.integer(id)]) == devices, "one push per device", sourceLocation: sourceLocation)
        let b = try #require(try await store.broadcast(id: id), sourceLocation: sourceLocation)
        #expect(b.state == .done && b.householdsDone == households && b.householdsGranted == (points > 0 ? households : 0), "\(b)", sourceLocation: sourceLocation)
        #expect(b.cardsUpdated == b.targetedCards && b.pushesRecorded == devices, "\(b)", sourceLocation: sourceLocation)
        #expect(try await count(store, "SELECT COUNT(*) FROM cards WHERE status = 'active' AND (broadcast_id IS NULL OR broadcast_id <> $1)", [.integer(id)]) == 0,
                sourceLocation: sourceLocation)
    }

    // MARK: pure parts

    @Test func stateMachine() {
        #expect(BroadcastState.queued.canMove(to: .running) && BroadcastState.queued.canMove(to: .cancelled))
        #expect(BroadcastState.running.canMove(to: .done) && BroadcastState.running.canMove(to: .failed) && BroadcastState.running.canMove(to: .cancelled))
        for final in [BroadcastState.done, .cancelled, .failed] {
            #expect(final.isFinal)
            #expect(BroadcastState.allCases.allSatisfy { !final.canMove(to: $0) }, "\(final) is final")
        }
        #expect(!BroadcastState.queued.canMove(to: .done), "done only after running")
        #expect(!BroadcastState.running.canMove(to: .queued))
    }

    // MARK: on both engines

    @Test(arguments: Engine.allCases)
    func everyHouseholdOnceEveryDeviceOnce(_ engine: Engine) async throws {
        try await Self.withSeeded(engine) { store, _ in
            let b = try Self.created(try await store.create(Self.new()))
            #expect(b.state == .queued && b.targetedHouseholds == 400 && b.targetedCards == 500)
            let tagBefore = try await Self.count(store, "SELECT value FROM counters WHERE name = 'update_tag'")
            let batches = try await Self.runToEnd(store)
            #expect(batches == 11, "400 households in batches of 37")
            try await Self.expectComplete(store, b.id, points: 50, households: 400, devices: 600)
            #expect(try await Self.count(store, "SELECT COUNT(*) FROM passes WHERE update_tag <= $1", [.integer(tagBefore)]) == 0, "every pass re-tagged")
            #expect(try await Self.count(store, "SELECT COUNT(DISTINCT update_tag) FROM passes") == 11, "one tag per batch")
            #expect(try await store.promo(passTypeIdentifier: Self.passType, serialNumber: "SEED000000000001") == "Hello")
        }
    }

    /// Held waves: the pushes wait (due when the hold lapses) until released; a claim never takes
    /// them early; the wave's passes read back with their cards and the broadcast's promo;
    /// releasing one wave leaves the others held; releasing all (a resume) lets every one go.
    @Test(arguments: Engine.allCases)
    func heldWavesWaitUntilReleased(_ engine: Engine) async throws {
        try await Self.withSeeded(engine) { store, _ in
            let b = try Self.created(try await store.create(Self.new()))
            let outbox = PushOutboxStore(database: store.database)
            let now = Date()
            let id = try #require(try await store.claimNext(owner: "a", leaseSeconds: 30, ignoreLeases: false, now: now))
            var waves: [BroadcastWave] = []
            while case .progressed(let wave) = try await store.runBatch(id: id, owner: "a", size: 100, holdSeconds: 60, leaseSeconds: 30, now: now) {
                #expect(wave.holdsPushes && wave.broadcastID == b.id)
                waves.append(wave)
            }
            #expect(waves.count == 4 && waves.map(\.pushes).reduce(0, +) == 600)
            #expect(try await outbox.claim(limit: 1_000, now: now.addingTimeInterval(59)).isEmpty, "held rows are not due before the hold lapses")
            let passes = try await store.passes(of: waves[0])
            // Household h holds cards h and h + 400; card k is on device k, and cards 1…100 on devices 501…600 too.
            #expect(passes.count == 200, "the first 100 households' 200 cards, each on a device")
            #expect(passes.allSatisfy { $0.promo == "Hello" && $0.card?.balance == 50 && $0.card?.serialNumber == $0.pass.serialNumber })
            #expect(Set(passes.map(\.pass.updateTag)).count == 1, "one tag per wave")

            #expect(try await outbox.release(broadcastID: b.id, wave: waves[0].wave, now: now) == 300)
            let claimed = try await outbox.claim(limit: 1_000, now: now)
            #expect(claimed.count == 300 && claimed.allSatisfy { $0.broadcastID == b.id }, "only the released wave is due")
            #expect(try await outbox.release(broadcastID: b.id, wave: waves[0].wave, now: now) == 0, "claimed rows are not released again")
            #expect(try await outbox.releaseAll(broadcastID: b.id, now: now) == 300)
            #expect(try await outbox.claim(limit: 1_000, now: now).count == 300)
            #expect(try await outbox.claim(limit: 1_000, now: now.addingTimeInterval(3_600)).count == 600, "and nothing was lost: every lease lapses")
        }
    }

    /// A held row that another change touches becomes due with that change, not with the wave.
    @Test(arguments: Engine.allCases)
    func aChangeDuringTheHoldIsPushedAtOnce(_ engine: Engine) async throws {
        try await Self.withSeeded(engine) { store, _ in
            _ = try Self.created(try await store.create(Self.new(points: 0)))
            let outbox = PushOutboxStore(database: store.database)
            let id = try #require(try await store.claimNext(owner: "a", leaseSeconds: 30, ignoreLeases: false))
            guard case .progressed = try await store.runBatch(id: id, owner: "a", size: 1, holdSeconds: 60, leaseSeconds: 30) else {
                Issue.record("expected a wave"); return
            }
            #expect(try await outbox.claim(limit: 10).isEmpty)
            // The first household (id 1) has cards 1 and 401, on devices 1, 501 and 401: blocking one re-tags both now.
            _ = try await LedgerStore(database: store.database).setStatus(cardNumber: "79000000001-1", .blocked)
            let due = try await outbox.claim(limit: 10)
            #expect(due.count == 3 && due.allSatisfy { $0.generation == 1 }, "the held rows became due with the change: \(due)")
        }
    }

    @Test(arguments: Engine.allCases)
    func crashBeforeCommitResumesExactly(_ engine: Engine) async throws {
        try await Self.withSeeded(engine) { store, _ in
            let b = try Self.created(try await store.create(Self.new(points: 7)))
            let id = try #require(try await store.claimNext(owner: "dies", leaseSeconds: 30, ignoreLeases: false))
            struct Crash: Error {}
            var batches = 0
            do {
                while true {
                    // The fourth batch dies after all its statements, just before its commit.
                    let crash = batches == 3
                    _ = try await store.runBatch(id: id, owner: "dies", size: 37, leaseSeconds: 30) {
                        if crash { throw Crash() }
                    }
                    batches += 1
                }
            } catch is Crash {}
            let halfway = try #require(try await store.broadcast(id: b.id))
            #expect(halfway.state == .running && halfway.householdsDone == 3 * 37, "three batches committed, the fourth rolled back")
            #expect(try await Self.count(store, "SELECT COUNT(*) FROM ledger_entries WHERE business_key = $1", [.text(BroadcastStore.businessKey(b.id))]) == 3 * 37)
            // Another server (or the same one restarted) takes over once the lease lapses.
            #expect(try await store.claimNext(owner: "restarted", leaseSeconds: 30, ignoreLeases: false) == nil, "leased to the dead owner")
            try await Self.runToEnd(store, owner: "restarted", now: Date().addingTimeInterval(31))
            try await Self.expectComplete(store, b.id, points: 7, households: 400, devices: 600)
        }
    }

    @Test(arguments: Engine.allCases)
    func rerunFromTheStartGrantsNothingTwice(_ engine: Engine) async throws {
        try await Self.withSeeded(engine) { store, _ in
            let b = try Self.created(try await store.create(Self.new(points: 10)))
            try await Self.runToEnd(store)
            // As if the cursor were lost: the whole broadcast runs again.
            _ = try await store.database.transaction { db in
                try await db.query("UPDATE broadcasts SET state = 'running', cursor = 0, lease_owner = NULL WHERE id = $1", [.integer(b.id)])
            }
            try await Self.runToEnd(store, owner: "again")
            let key = SQLValue.text(BroadcastStore.businessKey(b.id))
            #expect(try await Self.count(store, "SELECT COUNT(*) FROM ledger_entries WHERE business_key = $1", [key]) == 400)
            #expect(try await Self.count(store, "SELECT COUNT(*) FROM accounts WHERE balance <> 10") == 0, "no second grant")
            #expect(try await store.broadcast(id: b.id)?.householdsGranted == 400, "the rerun granted none")
        }
    }

    @Test(arguments: Engine.allCases)
    func audiences(_ engine: Engine) async throws {
        try await Self.withSeeded(engine) { store, _ in
            // Seeded tiers: household n is silver when n mod 10 is 7 or 8: 80 of 400.
            let silver = try Self.created(try await store.create(Self.new(.tiers(["silver"]))))
            #expect(silver.targetedHouseholds == 80)
            #expect(silver.targetedCards == 100, "cards k and k+400 share household k: 20 silver households have two")
            let both = try Self.created(try await store.create(Self.new(.tiers(["silver", "gold"]))))
            #expect(both.targetedHouseholds == 120)

            // Cards 1 and 401 are household 1, cards 2 and 402 household 2; "nope" matches nothing.
            let numbers = ["79000000001-1", "79000000001-2", "79000000002-1", "nope"]
            let listed = try Self.created(try await store.create(Self.new(.cards(numbers))))
            #expect(listed.targetedHouseholds == 2 && listed.targetedCards == 4 && listed.unmatched == 1, "\(listed)")

            let phones = try ["+79000000003", "8 900 000-00-04", "+79000000003", "+79555555555"].map { try PhoneNumber(parsing: $0) }
            let byPhone = try Self.created(try await store.create(Self.new(.phones(phones))))
            #expect(byPhone.targetedHouseholds == 2 && byPhone.unmatched == 1, "\(byPhone)")

            // A blocked card is not targeted; a household with no active card is left out.
            _ = try await store.database.transaction { db in
                try await db.query("UPDATE cards SET status = 'blocked' WHERE account_id IN (SELECT id FROM accounts WHERE phone = '+79000000004')")
            }
            let afterBlock = try Self.created(try await store.create(Self.new(.phones(phones))))
            #expect(afterBlock.targetedHouseholds == 1 && afterBlock.unmatched == 2)

            let before = try await Self.count(store, "SELECT COUNT(*) FROM broadcasts")
            let empty = try await store.create(Self.new(.phones([try PhoneNumber(parsing: "+79555555555")])))
            #expect(empty == .emptyAudience(unmatched: 1))
            #expect(try await store.create(Self.new(.tiers(["platinum"]))) == .emptyAudience(unmatched: 0))
            #expect(try await Self.count(store, "SELECT COUNT(*) FROM broadcasts") == before, "an empty audience writes nothing")
            #expect(try await Self.count(store, "SELECT COUNT(*) FROM broadcast_targets WHERE broadcast_id > $1", [.integer(afterBlock.id)]) == 0)

            // Only the listed households are touched when it runs.
            var finished = 0
            while let id = try await store.claimNext(owner: "x", leaseSeconds: 30, ignoreLeases: false) {
                while case .progressed = try await store.runBatch(id: id, owner: "x", size: 1_000, leaseSeconds: 30) {}
                finished += 1
            }
            #expect(finished == 5)
            #expect(try await Self.count(store, "SELECT COUNT(*) FROM ledger_entries WHERE business_key = $1", [.text(BroadcastStore.businessKey(listed.id))]) == 2)
            #expect(try await store.broadcast(id: listed.id)?.cardsUpdated == 4, "every active card of a listed household")
        }
    }

    @Test(arguments: Engine.allCases)
    func idempotencyKeyCreatesOnce(_ engine: Engine) async throws {
        try await Self.withSeeded(engine) { store, _ in
            let first = try Self.created(try await store.create(Self.new(key: "admin k1", hash: "h1")))
            #expect(try await store.create(Self.new(key: "admin k1", hash: "h1")) == .replayed(first))
            #expect(try await store.create(Self.new(key: "admin k1", hash: "h2")) == .keyMismatch)
            #expect(try await Self.count(store, "SELECT COUNT(*) FROM broadcasts") == 1)
        }
    }

    @Test(arguments: Engine.allCases)
    func cancelStopsTheNextBatch(_ engine: Engine) async throws {
        try await Self.withSeeded(engine) { store, _ in
            let b = try Self.created(try await store.create(Self.new()))
            let id = try #require(try await store.claimNext(owner: "a", leaseSeconds: 30, ignoreLeases: false))
            _ = try await store.runBatch(id: id, owner: "a", size: 100, leaseSeconds: 30)
            guard case .cancelled(let c) = try await store.cancel(id: b.id) else { Issue.record("not cancelled"); return }
            #expect(c.state == .cancelled && c.householdsDone == 100)
            #expect(try await store.runBatch(id: id, owner: "a", size: 100, leaseSeconds: 30) == .stopped)
            #expect(try await store.broadcast(id: b.id)?.householdsDone == 100, "nothing after the cancel")
            guard case .final(let again) = try await store.cancel(id: b.id) else { Issue.record("a second cancel is refused"); return }
            #expect(again.state == .cancelled)
            #expect(try await store.cancel(id: 999) == .notFound)
            #expect(try await store.claimNext(owner: "b", leaseSeconds: 30, ignoreLeases: true) == nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func leaseKeepsOneRunner(_ engine: Engine) async throws {
        try await Self.withSeeded(engine) { store, _ in
            let b = try Self.created(try await store.create(Self.new()))
            let now = Date()
            #expect(try await store.claimNext(owner: "a", leaseSeconds: 30, ignoreLeases: false, now: now) == b.id)
            #expect(try await store.claimNext(owner: "b", leaseSeconds: 30, ignoreLeases: false, now: now) == nil)
            #expect(try await store.runBatch(id: b.id, owner: "b", size: 10, leaseSeconds: 30, now: now) == .stopped,
                    "a batch checks the lease under the row lock")
            // a's lease lapses: b takes over, and a's next batch stops.
            #expect(try await store.claimNext(owner: "b", leaseSeconds: 30, ignoreLeases: false, now: now.addingTimeInterval(31)) == b.id)
            #expect(try await store.runBatch(id: b.id, owner: "a", size: 10, leaseSeconds: 30, now: now) == .stopped)
            try await store.release(id: b.id, owner: "b")
            #expect(try await store.claimNext(owner: "c", leaseSeconds: 30, ignoreLeases: false, now: now) == b.id, "released: free at once")
        }
    }

    @Test(arguments: Engine.allCases)
    func heldRowsAreCoalescedKeepingAnEarlierDueTime(_ engine: Engine) async throws {
        try await Self.withSeeded(engine) { store, _ in
            // A pending push for device 1 (due long ago) keeps its earlier due time and is taken over by the broadcast.
            _ = try await store.database.transaction { db in
                try await db.query("INSERT INTO push_due (push_token, pass_type_id, client, due_at) VALUES ($1, $2, 'apple', 5)",
                                   [.text(String(repeating: "0", count: 63) + "1"), .text(Self.passType)])
            }
            let b = try Self.created(try await store.create(Self.new()))
            let now = Date(timeIntervalSince1970: 2_000_000_000)
            let id = try #require(try await store.claimNext(owner: "a", leaseSeconds: 30, ignoreLeases: false, now: now))
            while case .progressed = try await store.runBatch(id: id, owner: "a", size: 100, holdSeconds: 60, leaseSeconds: 30, now: now) {}
            let dues = try await store.database.read { db in
                try await db.query("SELECT due_at, COUNT(*), COUNT(DISTINCT wave) FROM push_due WHERE broadcast_id = $1 GROUP BY due_at ORDER BY due_at", [.integer(b.id)])
                    .map { ($0.int(0) ?? 0, $0.int(1) ?? 0, $0.int(2) ?? 0) }
            }
            let start: Int64 = 2_000_000_000
            #expect(dues.map(\.0) == [5, start + 60], "held until the hold lapses, but never later than a pending row: \(dues)")
            #expect(dues.first?.1 == 1 && dues.last?.1 == 599 && dues.last?.2 == 4, "four waves: \(dues)")
            #expect(try await Self.count(store, "SELECT generation FROM push_due WHERE due_at = 5") == 1, "coalesced: generation moved")
        }
    }

    @Test(arguments: Engine.allCases)
    func fetchesCountOnlyVersionsTheBroadcastStamped(_ engine: Engine) async throws {
        try await Self.withSeeded(engine) { store, _ in
            let oldTag = try await Self.count(store, "SELECT update_tag FROM passes WHERE serial_number = 'SEED000000000002'")
            let b = try Self.created(try await store.create(Self.new()))
            try await Self.runToEnd(store, size: 1_000)
            let tags = try await store.database.read { db in
                try await db.query("SELECT serial_number, update_tag FROM passes WHERE serial_number IN ('SEED000000000001', 'SEED000000000002') ORDER BY 1")
                    .map { PassFetch(passTypeIdentifier: Self.passType, serialNumber: $0.text(0)!, updateTag: $0.int(1)!) }
            }
            let counted = try await store.recordFetches(tags + tags + [
                PassFetch(passTypeIdentifier: Self.passType, serialNumber: "SEED000000000002", updateTag: oldTag),
                PassFetch(passTypeIdentifier: Self.passType, serialNumber: "not-a-card", updateTag: 1_000_000),
            ])
            #expect(counted == [b.id: 4], "the old version and a pass without a card don't count")
            #expect(try await store.broadcast(id: b.id)?.fetched == 4)
        }
    }
}
