@testable import Push
import Core
import Testing
import TestSupport

typealias Pool = APNsPoolState<Int>

/// Drives an ``APNsPoolState`` with integer waiters and a hand-moved clock, collecting effects.
struct PoolHarness {
    var pool: Pool
    let t0 = ContinuousClock.now
    var now: ContinuousClock.Instant
    var outcomes: [Int: [PushOutcome]] = [:]
    var connects: [ConnectionID] = []
    var closes: [ConnectionID] = []
    var kicks: [ConnectionID] = []
    var nextWaiter = 0

    static func settings(
        connections: Int = 1, maxPending: Int = 100, stagger: Duration = .seconds(1),
        connection: APNsConnectionStateMachine.Configuration = .init()
    ) -> Pool.Settings {
        Pool.Settings(
            connections: connections, connection: connection, requestTimeout: .seconds(10), maxPending: maxPending,
            backoff: RetryPolicy(base: .seconds(1), cap: .seconds(60)), stagger: stagger, idleTimeout: .seconds(600),
            maxResends: 2)
    }

    init(_ settings: Pool.Settings = PoolHarness.settings(), seed: UInt64 = 1) {
        pool = Pool(settings: settings, seed: seed)
        now = t0
    }

    mutating func at(_ seconds: Double) { now = t0.advanced(by: .milliseconds(Int64(seconds * 1000))) }

    mutating func apply(_ effects: Pool.Effects) {
        for (waiter, outcome) in effects.completions { outcomes[waiter, default: []].append(outcome) }
        connects += effects.connects
        closes += effects.closes
        kicks += effects.kicks
    }

    @discardableResult
    mutating func submit(_ token: PushToken = pushToken(1)) -> Int {
        let waiter = nextWaiter
        nextWaiter += 1
        var effects = Pool.Effects()
        pool.submit(token, waiter: waiter, now: now, effects: &effects)
        apply(effects)
        return waiter
    }

    mutating func event(_ body: (inout Pool, ContinuousClock.Instant, inout Pool.Effects) -> Void) {
        var effects = Pool.Effects()
        body(&pool, now, &effects)
        apply(effects)
    }

    mutating func connected(_ id: ConnectionID, streams: Int? = 1000) {
        event { $0.connected(id, maxConcurrentStreams: streams, now: $1, effects: &$2) }
    }

    mutating func tick() { event { $0.tick(now: $1, effects: &$2) } }

    mutating func outbox(_ id: ConnectionID) -> [OutboxItem] {
        var buffer: [OutboxItem] = []
        pool.takeOutbox(id, into: &buffer)
        return buffer
    }

    /// The streams opened by an outbox, with their requests.
    static func opened(_ items: [OutboxItem]) -> [StreamID] {
        items.compactMap { if case .open(let stream, _, _) = $0 { stream } else { nil } }
    }

    mutating func respond(_ id: ConnectionID, _ stream: Int32, status: Int = 200, reason: APNsReason? = nil) {
        event { $0.responseReceived(id, stream: StreamID(stream), response: APNsResponse(status: status, reason: reason), now: $1, effects: &$2) }
    }

    func outcome(_ waiter: Int) -> PushOutcome? {
        let all = outcomes[waiter] ?? []
        #expect(all.count <= 1, "waiter \(waiter) completed \(all.count) times")
        return all.first
    }
}

@Suite struct APNsClientPoolStateTests {
    @Test func firstRequestOpensAConnectionAndWaitsForIt() {
        var harness = PoolHarness()
        let waiter = harness.submit()
        #expect(harness.connects.count == 1)
        let connection = harness.connects[0]
        #expect(harness.pool.waitingCount == 1)
        harness.connected(connection)
        #expect(harness.kicks == [connection])
        let items = harness.outbox(connection)
        #expect(items == [.open(StreamID(1), RequestID(1), pushToken(1))])
        #expect(harness.outcome(waiter) == nil)
        harness.respond(connection, 1)
        #expect(harness.outcome(waiter) == .delivered)
        #expect(harness.pool.outstanding == 0)
    }

    @Test func outboxIsFlushedOncePerKick() {
        var harness = PoolHarness()
        harness.submit()
        let connection = harness.connects[0]
        harness.connected(connection)
        for _ in 0..<9 { harness.submit() }
        // One wake-up for all ten: the handler drains them in one write burst.
        #expect(harness.kicks == [connection])
        #expect(PoolHarness.opened(harness.outbox(connection)).map(\.rawValue) == [1, 3, 5, 7, 9, 11, 13, 15, 17, 19])
        harness.submit()
        #expect(harness.kicks == [connection, connection])
    }

    @Test func connectionsOpenOnePerStagger() {
        var harness = PoolHarness(PoolHarness.settings(connections: 3, stagger: .seconds(1)))
        harness.submit()
        #expect(harness.connects.count == 1)
        harness.at(0.5)
        harness.tick()
        #expect(harness.connects.count == 1)
        harness.at(1)
        harness.tick()
        #expect(harness.connects.count == 2)
        harness.at(2)
        harness.tick()
        #expect(harness.connects.count == 3)
    }

    @Test func requestsSpreadOverConnectionsByFreeStreams() {
        var harness = PoolHarness(PoolHarness.settings(connections: 2, stagger: .zero))
        harness.submit()
        #expect(harness.connects.count == 2)
        for id in harness.connects { harness.connected(id, streams: 10) }
        for _ in 0..<9 { harness.submit() }
        let first = PoolHarness.opened(harness.outbox(harness.connects[0])).count
        let second = PoolHarness.opened(harness.outbox(harness.connects[1])).count
        #expect(first == 5 && second == 5)
    }

    @Test func fullQueueRefusesAtOnce() {
        var harness = PoolHarness(PoolHarness.settings(maxPending: 3))
        let waiters = (0..<4).map { _ in harness.submit() }
        #expect(waiters.prefix(3).allSatisfy { harness.outcome($0) == nil })
        #expect(harness.outcome(waiters[3]) == .retry(.transport(.overloaded)))
        #expect(harness.pool.outstanding == 3)
    }

    @Test func streamLimitHoldsRequestsBackUntilAStreamFrees() {
        var harness = PoolHarness()
        let first = harness.submit()
        let connection = harness.connects[0]
        harness.connected(connection, streams: 1)
        let second = harness.submit()
        #expect(PoolHarness.opened(harness.outbox(connection)).map(\.rawValue) == [1])
        #expect(harness.pool.waitingCount == 1)
        harness.respond(connection, 1, status: 400, reason: .badDeviceToken)
        #expect(harness.outcome(first) == .badToken(.badDeviceToken))
        #expect(PoolHarness.opened(harness.outbox(connection)).map(\.rawValue) == [3])
        harness.respond(connection, 3)
        #expect(harness.outcome(second) == .delivered)
    }

    @Test func failedConnectReportsUnreachableThenBacksOff() {
        var harness = PoolHarness()
        let waiter = harness.submit()
        let connection = harness.connects[0]
        harness.event { $0.closed(connection, now: $1, effects: &$2) }
        #expect(harness.outcome(waiter) == .retry(.transport(.unreachable)))
        // Within the back-off: no connection on its way, so refused at once (nothing piles up).
        let during = harness.submit()
        #expect(harness.outcome(during) == .retry(.transport(.unreachable)))
        #expect(harness.connects.count == 1)
        harness.at(1.01)  // the first back-off is at most `base`
        let after = harness.submit()
        #expect(harness.connects.count == 2)
        #expect(harness.outcome(after) == nil)
    }

    @Test func goAwayResendsUnprocessedStreamsOnTheOtherConnection() {
        var harness = PoolHarness(PoolHarness.settings(connections: 2, stagger: .zero))
        var waiters = [harness.submit()]
        let (a, b) = (harness.connects[0], harness.connects[1])
        harness.connected(a)
        harness.connected(b)
        for _ in 0..<3 { waiters.append(harness.submit()) }
        #expect(PoolHarness.opened(harness.outbox(a)).map(\.rawValue) == [1, 3])
        #expect(PoolHarness.opened(harness.outbox(b)).map(\.rawValue) == [1, 3])
        // APNs processed stream 1 of `a`, not 3.
        harness.event { $0.goAway(a, lastStreamID: StreamID(1), errorCode: 0, now: $1, effects: &$2) }
        #expect(PoolHarness.opened(harness.outbox(b)).map(\.rawValue) == [5])
        harness.respond(a, 1)
        #expect(harness.closes == [a])
        harness.respond(b, 1)
        harness.respond(b, 3)
        harness.respond(b, 5)
        #expect(waiters.allSatisfy { harness.outcome($0) == .delivered })
        // The slot of `a` gets a new connection after a short jittered delay.
        harness.at(1)
        harness.tick()
        #expect(harness.connects.count == 3)
    }

    @Test func timedOutStreamIsResetAndReported() {
        var harness = PoolHarness()
        let waiter = harness.submit()
        let connection = harness.connects[0]
        harness.connected(connection)
        _ = harness.outbox(connection)
        harness.at(10)
        harness.tick()
        #expect(harness.outcome(waiter) == .retry(.transport(.timedOut)))
        #expect(harness.outbox(connection).contains(.reset(StreamID(1))))
        // A late answer is ignored.
        harness.respond(connection, 1)
        #expect(harness.outcomes[waiter]?.count == 1)
    }

    @Test func unwrittenStreamIsNotReset() {
        var harness = PoolHarness()
        let waiter = harness.submit()
        let connection = harness.connects[0]
        harness.connected(connection)
        harness.at(10)
        harness.tick()
        #expect(harness.outcome(waiter) == .retry(.transport(.timedOut)))
        // Its HEADERS never went out: no RST_STREAM for an idle stream, and no open either.
        #expect(harness.outbox(connection) == [])
    }

    @Test func waitingRequestsTimeOut() {
        var connection = APNsConnectionStateMachine.Configuration()
        connection.connectTimeout = .seconds(30)
        var harness = PoolHarness(PoolHarness.settings(connection: connection))
        let waiter = harness.submit()
        harness.at(9.9)
        harness.tick()
        #expect(harness.outcome(waiter) == nil)
        harness.at(10)
        harness.tick()
        #expect(harness.outcome(waiter) == .retry(.transport(.timedOut)))
        #expect(harness.pool.waitingCount == 0)
    }

    @Test func refusedStreamIsResentAFewTimesThenReturned() {
        var harness = PoolHarness()
        let waiter = harness.submit()
        let connection = harness.connects[0]
        harness.connected(connection)
        for attempt in 0..<3 {
            let streams = PoolHarness.opened(harness.outbox(connection))
            #expect(streams.count == 1, "attempt \(attempt)")
            harness.event { $0.streamReset(connection, stream: streams[0], refused: true, now: $1, effects: &$2) }
        }
        #expect(harness.outcome(waiter) == .retry(.transport(.refusedStream)))
    }

    @Test func unansweredPingClosesAndResends() {
        var connection = APNsConnectionStateMachine.Configuration()
        connection.pingInterval = .seconds(2)
        connection.pingTimeout = .seconds(1)
        var harness = PoolHarness(PoolHarness.settings(connections: 2, stagger: .zero, connection: connection))
        let waiter = harness.submit()
        let (a, b) = (harness.connects[0], harness.connects[1])
        harness.connected(a)
        _ = harness.outbox(a)
        harness.connected(b, streams: 0)
        harness.at(2)
        harness.tick()
        #expect(harness.outbox(a).contains(.ping))
        #expect(harness.outbox(b).contains(.ping))
        harness.event { pool, now, _ in pool.pingAcknowledged(b, now: now) }
        harness.at(3)
        harness.tick()
        // `a` never answered its PING: presumed dead, closed, its request put back.
        #expect(harness.closes == [a])
        #expect(harness.outcome(waiter) == nil)
        harness.event { $0.settingsChanged(b, maxConcurrentStreams: 10, now: $1, effects: &$2) }
        let resent = PoolHarness.opened(harness.outbox(b))
        #expect(resent.count == 1)
        harness.respond(b, resent[0].rawValue)
        #expect(harness.outcome(waiter) == .delivered)
    }

    @Test func connectionRotatesBeforeStreamIDsRunOut() {
        var connection = APNsConnectionStateMachine.Configuration()
        connection.maximumStreamID = 19  // 10 streams
        connection.rotationFraction = 0.5
        var harness = PoolHarness(PoolHarness.settings(connection: connection))
        harness.submit()
        let first = harness.connects[0]
        harness.connected(first)
        for _ in 0..<5 { harness.submit() }
        #expect(PoolHarness.opened(harness.outbox(first)).map(\.rawValue) == [1, 3, 5, 7, 9, 11])
        harness.tick()
        // Stream 11 crossed the threshold: the slot is handed to a new connection; the old one drains.
        harness.at(1)
        harness.tick()
        #expect(harness.connects.count == 2)
        let second = harness.connects[1]
        harness.connected(second)
        harness.submit()
        #expect(PoolHarness.opened(harness.outbox(second)).map(\.rawValue) == [1])
        for stream in [1, 3, 5, 7, 9] { harness.respond(first, Int32(stream)) }
        #expect(harness.closes.isEmpty)
        harness.respond(first, 11)
        #expect(harness.closes == [first])
    }

    @Test func idleConnectionClosesAndReopensOnDemand() {
        var harness = PoolHarness()
        let first = harness.submit()
        let connection = harness.connects[0]
        harness.connected(connection)
        _ = harness.outbox(connection)
        harness.respond(connection, 1)
        #expect(harness.outcome(first) == .delivered)
        harness.at(599)
        harness.event { pool, now, _ in pool.pingAcknowledged(connection, now: now) }
        harness.tick()
        #expect(harness.closes.isEmpty)
        harness.at(600)
        harness.tick()
        #expect(harness.closes == [connection])
        // No demand, no new connection; the next push opens one.
        harness.at(700)
        harness.tick()
        #expect(harness.connects.count == 1)
        harness.submit()
        #expect(harness.connects.count == 2)
    }

    @Test func shutdownCompletesEverything() {
        var harness = PoolHarness(PoolHarness.settings(connections: 1))
        let inFlight = harness.submit()
        let connection = harness.connects[0]
        harness.connected(connection, streams: 1)
        _ = harness.outbox(connection)
        let waiting = harness.submit()
        harness.event { $0.shutdown(now: $1, effects: &$2) }
        #expect(harness.outcome(inFlight) == .retry(.transport(.connectionReset)))
        #expect(harness.outcome(waiting) == .retry(.transport(.clientShutDown)))
        #expect(harness.closes == [connection])
        let late = harness.submit()
        #expect(harness.outcome(late) == .retry(.transport(.clientShutDown)))
        #expect(harness.pool.outstanding == 0)
    }

    @Test func expiredProviderTokenRetiresTheConnection() {
        var harness = PoolHarness()
        let waiter = harness.submit()
        let connection = harness.connects[0]
        harness.connected(connection)
        _ = harness.outbox(connection)
        var effects = Pool.Effects()
        harness.pool.responseReceived(
            connection, stream: StreamID(1), response: APNsResponse(status: 403, reason: .expiredProviderToken), now: harness.now,
            effects: &effects)
        #expect(effects.providerTokenExpired)
        harness.apply(effects)
        #expect(harness.outcome(waiter) == .pauseTopic(.expiredProviderToken))
        #expect(harness.closes == [connection])
    }

    /// Whatever the network does, in any order, every request ends exactly once.
    @Test(arguments: 0..<20)
    func everyRequestEndsExactlyOnce(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var harness = PoolHarness(PoolHarness.settings(connections: 3, maxPending: 20, stagger: .milliseconds(300)), seed: seed)
        var clock = 0.0
        var connecting: [ConnectionID] = []
        var open: [ConnectionID: [StreamID]] = [:]
        var seenConnects = 0
        for _ in 0..<2_000 {
            connecting += harness.connects[seenConnects...]
            seenConnects = harness.connects.count
            for id in harness.closes { open[id] = nil }
            let ids = Array(open.keys)
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<30:
                harness.submit(pushToken(Int.random(in: 0..<50, using: &random)))
            case 30..<38 where !connecting.isEmpty:
                let id = connecting.remove(at: Int.random(in: 0..<connecting.count, using: &random))
                if Bool.random(using: &random) {
                    harness.connected(id, streams: [nil, 1, 2, 5, 100].randomElement(using: &random)!)
                    open[id] = []
                } else {
                    harness.event { $0.closed(id, now: $1, effects: &$2) }
                }
            case 38..<55 where !ids.isEmpty:
                let id = ids.randomElement(using: &random)!
                open[id, default: []] += PoolHarness.opened(harness.outbox(id))
            case 55..<75 where !ids.isEmpty:
                let id = ids.randomElement(using: &random)!
                if let stream = open[id]?.randomElement(using: &random) {
                    let status = [200, 200, 200, 400, 410, 429, 500, 403].randomElement(using: &random)!
                    harness.respond(id, stream.rawValue, status: status, reason: status == 403 ? .expiredProviderToken : nil)
                }
            case 75..<80 where !ids.isEmpty:
                let id = ids.randomElement(using: &random)!
                if let stream = open[id]?.randomElement(using: &random) {
                    let refused = Bool.random(using: &random)
                    harness.event { $0.streamReset(id, stream: stream, refused: refused, now: $1, effects: &$2) }
                }
            case 80..<83 where !ids.isEmpty:
                let id = ids.randomElement(using: &random)!
                let last = open[id]?.randomElement(using: &random) ?? StreamID(0)
                harness.event { $0.goAway(id, lastStreamID: last, errorCode: 0, now: $1, effects: &$2) }
            case 83..<86 where !ids.isEmpty:
                let id = ids.randomElement(using: &random)!
                harness.event { $0.closed(id, now: $1, effects: &$2) }
                open[id] = nil
            case 86..<89 where !ids.isEmpty:
                let id = ids.randomElement(using: &random)!
                let limit = [nil, 0, 1, 3, 1000].randomElement(using: &random)!
                harness.event { $0.settingsChanged(id, maxConcurrentStreams: limit, now: $1, effects: &$2) }
            default:
                clock += Double.random(in: 0..<3, using: &random)
                harness.at(clock)
                harness.tick()
            }
            for (waiter, outcomes) in harness.outcomes { #expect(outcomes.count == 1, "waiter \(waiter)") }
        }
        #expect(harness.pool.outstanding + harness.outcomes.count == harness.nextWaiter)
        harness.event { $0.shutdown(now: $1, effects: &$2) }
        #expect(harness.pool.outstanding == 0)
        #expect(harness.outcomes.count == harness.nextWaiter)
        #expect(harness.outcomes.values.allSatisfy { $0.count == 1 })
    }
}
