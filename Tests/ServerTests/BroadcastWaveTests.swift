import APNsMock
import DeviceFleet
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage
import Synchronization
import Testing
import TestSupport

@testable import Server
@testable import passline

/// Broadcasts signed ahead in waves, end to end: seeded cards and devices, a real server, the mock
/// APNs, and the device fleet acting as the devices (listing their changed passes and fetching
/// them over HTTP, as iOS does after a push).
@Suite(.serialized) struct BroadcastWaveTests {
    /// The fleet the mock's pushes go to, set once the server's port is known.
    final class FleetSink: Sendable { let fleet = Mutex<DeviceFleet?>(nil) }
    final class BroadcastID: Sendable { let value = Mutex<Int64>(0) }

    static let cards = 200
    static let devices = 240

    /// Seeds the server's database, then ``withFleet(_:_:sink:expect:_:)``.
    static func withSeededFleet(
        _ s: TestServer, _ client: some TestClientProtocol, sink: FleetSink, expect: String,
        _ body: @Sendable (DeviceFleet) async throws -> Void
    ) async throws {
        let seed = DatabaseSeed(
            cards: cards, passTypeIdentifier: s.passType, template: s.server.loyalty.template, tiers: s.server.loyalty.program.tiers.map(\.code))
        _ = try await seed.run(on: s.server.database)
        try await withFleet(s, client, sink: sink, expect: expect, body)
    }

    /// Starts a fleet acting as the seeded devices against the server's live port, and runs `body` with it.
    static func withFleet(
        _ s: TestServer, _ client: some TestClientProtocol, sink: FleetSink, expect: String, _ body: @Sendable (DeviceFleet) async throws -> Void
    ) async throws {
        let passType = s.passType
        let manifest = FleetManifest(
            passTypeIdentifier: passType, cards: cards, devices: devices,
            tokens: (1...cards).map { s.token(FleetManifest.serialNumber(card: $0)) })
        #expect(manifest.tokens.count == cards && passType == s.passType)
        var options = DeviceFleet.Options()
        options.connections = 8
        options.sampleEvery = 1
        options.expectedText = expect
        options.timeout = .seconds(60)
        let port = try #require(client.port)
        let server = try #require(FleetServer(url: "http://127.0.0.1:\(port)"))
        let fleet = DeviceFleet(manifest: manifest, server: server, options: options)
        sink.fleet.withLock { $0 = fleet }
        let running = Task { await fleet.run() }
        defer { running.cancel() }
        try await body(fleet)
    }

    /// A server pushing to the mock APNs, its database seeded, and a fleet acting as its devices.
    static func withSeededServer(
        _ engine: Engine, expect: String, configure extra: @escaping @Sendable (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable @escaping (MockAPNs, TestServer, any TestClientProtocol, DeviceFleet) async throws -> Void
    ) async throws {
        let sink = FleetSink()
        try await PushEndToEndTests.withMock(onAccepted: { token in sink.fleet.withLock { $0 }?.pushed(token: token) }) { mock, configure in
            try await TestServer.run(engine, configure: { c in
                configure(&c)
                extra(&c)
            }) { s, client in
                try await withSeededFleet(s, client, sink: sink, expect: expect) { fleet in try await body(mock, s, client, fleet) }
            }
        }
    }

    static func broadcast(_ s: TestServer, _ client: some TestClientProtocol, _ body: String) async throws -> Int64 {
        let response = try await client.execute(uri: "/api/v1/broadcasts", method: .post, headers: s.adminAuth, body: ByteBuffer(string: body))
        #expect(response.status == .accepted, "\(String(buffer: response.body))")
        return try #require(response.json?["id"]?.int64)
    }

    /// Waits until the broadcast is done and every device has synced after its push.
    static func waitForEveryDevice(_ s: TestServer, _ fleet: DeviceFleet, id: Int64, pushes: Int) async throws -> FleetStats {
        let store = BroadcastStore(database: s.server.database)
        for _ in 0..<6_000 {
            let b = try #require(try await store.broadcast(id: id))
            let stats = fleet.stats
            if b.state == .done, stats.pushes >= pushes, stats.pending == 0, b.pushesSent + b.pushesFailed >= b.pushesRecorded { return stats }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the devices did not all sync: \(fleet.stats), \(String(describing: try await store.broadcast(id: id)))")
        return fleet.stats
    }

    static func metric(_ s: TestServer, _ name: String) -> Int {
        let text = String(decoding: s.server.metrics.exposition(), as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + " ") }), let value = Double(line.split(separator: " ").last ?? "") else { return -1 }
        return Int(value)
    }

    /// Every device fetches the new card, every fetch is a cache hit (each pass was signed once,
    /// ahead, before its devices were pushed), and the sampled passes verify and show the message.
    @Test(arguments: Engine.allCases)
    func everyDeviceFetchesASignedAheadPass(_ engine: Engine) async throws {
        try await Self.withSeededServer(engine, expect: "Tournament on Saturday") { mock, s, client, fleet in
            let missesBefore = Self.metric(s, "passline_pass_cache_misses_total")
            let id = try await Self.broadcast(s, client, #"{"message":"Tournament on Saturday","points":100,"audience":{"type":"all"}}"#)
            let stats = try await Self.waitForEveryDevice(s, fleet, id: id, pushes: Self.devices)
            #expect(stats.devicesSynced == Self.devices && stats.fetched == Self.devices, "\(stats)")
            #expect(stats.failedRequests == 0 && stats.unknownDevices == 0, "\(stats.problems)")
            #expect(stats.verified == Self.devices && stats.verifyFailed == 0, "every fetched pass verified and shows the message: \(stats.problems)")
            #expect(Self.metric(s, "passline_pass_cache_signed_ahead_total") == Self.cards, "each pass signed once, ahead")
            #expect(Self.metric(s, "passline_pass_cache_misses_total") == missesBefore, "no device's fetch had to sign")
            #expect(s.server.service.cache.usage.pinned == 0, "every pinned pass was fetched")
            let b = try #require(try await BroadcastStore(database: s.server.database).broadcast(id: id))
            #expect(b.pushesSent == Int64(Self.devices) && b.householdsGranted == 160, "\(b)")
            #expect(mock.stats().accepted == Self.devices)
        }
    }

    /// A cache too small for a wave of any size still finishes: waves shrink to what fits, fetches
    /// of what did not fit sign on demand, and the cache never holds more than its capacity.
    @Test(arguments: [Engine.sqlite])
    func aTinyCacheStillFinishes(_ engine: Engine) async throws {
        // About one pass.
        try await Self.withSeededServer(engine, expect: "Small cache", configure: { $0.passCacheBytes = 60_000 }) { _, s, client, fleet in
            let id = try await Self.broadcast(s, client, #"{"message":"Small cache","audience":{"type":"all"}}"#)
            let stats = try await Self.waitForEveryDevice(s, fleet, id: id, pushes: Self.devices)
            #expect(stats.devicesSynced == Self.devices && stats.failedRequests == 0 && stats.verifyFailed == 0, "\(stats)")
            #expect(s.server.service.cache.usage.total <= 60_000)
        }
    }

    /// A broadcast cancelled while its waves run stops at a wave's end: whatever committed is
    /// signed, released and pushed (those passes did change), nothing stays held, and every device
    /// pushed fetched its new pass.
    @Test(arguments: Engine.allCases)
    func aCancelStopsAtTheWavesEnd(_ engine: Engine) async throws {
        try await Self.withSeededServer(engine, expect: "Cancelled soon") { mock, s, client, fleet in
            let id = try await Self.broadcast(s, client, #"{"message":"Cancelled soon","points":3,"audience":{"type":"all"}}"#)
            let store = BroadcastStore(database: s.server.database)
            // Cancel once the first wave has committed (or at once, if it is faster than us).
            for _ in 0..<500 where (try await store.broadcast(id: id))?.householdsDone == 0 { try await Task.sleep(for: .milliseconds(2)) }
            let cancel = try await client.execute(uri: "/api/v1/broadcasts/\(id)/cancel", method: .post, headers: s.adminAuth)
            #expect(cancel.status == .ok || cancel.status == .conflict, "\(cancel.status)")
            var b = try #require(try await store.broadcast(id: id))
            for _ in 0..<3_000 {
                b = try #require(try await store.broadcast(id: id))
                let held = try await s.server.database.read { db in try await db.query("SELECT COUNT(*) FROM push_due WHERE wave IS NOT NULL").first?.int(0) }
                if held == 0, b.pushesSent + b.pushesFailed >= b.pushesRecorded, fleet.stats.pending == 0, fleet.stats.pushes >= Int(b.pushesRecorded) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(b.state == .cancelled || b.state == .done, "\(b)")
            #expect(b.pushesSent == b.pushesRecorded && b.householdsGranted == b.householdsDone, "every committed wave pushed: \(b)")
            let stats = fleet.stats
            #expect(stats.devicesSynced == Int(b.pushesRecorded) && stats.failedRequests == 0 && stats.verifyFailed == 0, "\(stats)")
            #expect(mock.stats().accepted == Int(b.pushesRecorded))
            let granted = try await s.server.database.read { db in
                try await db.query("SELECT COUNT(*) FROM ledger_entries WHERE business_key = $1", [.text(BroadcastStore.businessKey(id))]).first?.int(0)
            }
            #expect(granted == b.householdsGranted, "granted exactly the households of the committed waves")
        }
    }

    /// A server killed with waves committed but never signed nor released: the next server
    /// releases them at once, grants nobody twice, and every device still gets the new card.
    @Test(arguments: Engine.allCases)
    func heldWavesOfADeadServerAreReleased(_ engine: Engine) async throws {
        let sink = FleetSink()
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try await TestEnvironment.databaseURL(engine, in: dir)
        try await PushEndToEndTests.withMock(onAccepted: { token in sink.fleet.withLock { $0 }?.pushed(token: token) }) { mock, configure in
            // No server runs yet: the database is prepared as a server would prepare it, seeded, and
            // a "dead" owner commits two held waves, as a server killed between a wave's commit and
            // its release leaves them.
            let id = BroadcastID()
            let config = TestServer.configuration(dataDirectory: dir, databaseURL: url)
            try await PasslineServer.withDatabase(url: url, logger: TestEnvironment.logger) { database in
                let server = try await PasslineServer.prepare(configuration: config, database: database, logger: TestEnvironment.logger)
                let seed = DatabaseSeed(
                    cards: Self.cards, passTypeIdentifier: server.service.passTypeIdentifier, template: server.loyalty.template,
                    tiers: server.loyalty.program.tiers.map(\.code))
                _ = try await seed.run(on: database)
                let store = BroadcastStore(database: database)
                guard case .created(let b) = try await store.create(
                    NewBroadcast(messages: ["en": "Resumed"], promo: "Resumed", points: 7, audience: .all, idempotencyKey: nil, requestHash: nil))
                else { Issue.record("not created"); return }
                id.value.withLock { $0 = b.id }
                // A lease that has lapsed already: the next server takes over at once on PostgreSQL too.
                _ = try #require(try await store.claimNext(owner: "dead", leaseSeconds: 0, ignoreLeases: false))
                for _ in 0..<2 { _ = try await store.runBatch(id: b.id, owner: "dead", size: 40, holdSeconds: 3_600, leaseSeconds: 0) }
                let held = try await database.read { db in try await db.query("SELECT COUNT(*) FROM push_due WHERE wave IS NOT NULL").first?.int(0) }
                #expect((held ?? 0) > 0, "the dead server left held pushes")
            }
            try await TestServer.run(engine, databaseURL: url, dataDirectory: dir, configure: configure) { s, client in
                try await Self.withFleet(s, client, sink: sink, expect: "Resumed") { fleet in
                    let stats = try await Self.waitForEveryDevice(s, fleet, id: id.value.withLock { $0 }, pushes: Self.devices)
                    #expect(stats.devicesSynced == Self.devices && stats.failedRequests == 0 && stats.verifyFailed == 0, "\(stats)")
                    let granted = try await s.server.database.read { db in
                        try await db.query("SELECT COUNT(*), COUNT(DISTINCT account_id) FROM ledger_entries WHERE business_key = $1", [.text(BroadcastStore.businessKey(id.value.withLock { $0 }))]).first
                    }
                    #expect(granted?.int(0) == 160 && granted?.int(1) == 160, "each household granted once")
                    #expect(mock.stats().accepted >= Self.devices)
                }
            }
        }
    }
}
