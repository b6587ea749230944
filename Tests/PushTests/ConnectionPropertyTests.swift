import Core
import Push
import Testing
import TestSupport

/// Random event sequences against the connection machine, checking its invariants throughout.
@Suite struct ConnectionPropertyTests {
    /// How each request ended, counted, so "exactly once" can be checked.
    struct Ledger {
        var ends: [RequestID: Int] = [:]
        mutating func end(_ requests: [RequestID]) { for r in requests { ends[r, default: 0] += 1 } }
        mutating func apply(_ action: Machine.Action) {
            switch action {
            case .none, .sendPing, .openReplacement: break
            case .close(_, let requests), .retryElsewhere(let requests), .timedOut(let requests): end(requests)
            }
        }
    }

    @Test(arguments: UInt64(0)..<8)
    func randomSequencesKeepInvariants(seedBlock: UInt64) {
        for run in UInt64(0)..<500 {
            runOnce(seed: seedBlock * 10_000 + run)
        }
    }

    func runOnce(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let cap = Int.random(in: 1...8, using: &rng)
        let configuration = Machine.Configuration(
            maximumConcurrentStreams: cap,
            pingInterval: .seconds(Int.random(in: 1...5, using: &rng)),
            pingTimeout: .seconds(Int.random(in: 1...3, using: &rng)),
            connectTimeout: .seconds(5),
            tokenAuthentication: Bool.random(using: &rng),
            maximumStreamID: Int32.random(in: 1...61, using: &rng),
            rotationFraction: 0.9
        )
        var machine = Machine(configuration: configuration)
        let start = ContinuousClock.now
        var now = start
        var ledger = Ledger()
        var reserved: Set<RequestID> = []
        var open: [StreamID] = []  // streams we believe may be live, including stale ones
        var nextRequest: UInt64 = 0
        var lastPhase = machine.phase

        for _ in 0..<Int.random(in: 1...120, using: &rng) {
            now = now.advanced(by: .milliseconds(Int.random(in: 0...700, using: &rng)))
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<3:
                machine.connect(now: now)
            case 3..<8:
                ledger.apply(machine.connected(maxConcurrentStreams: Int.random(in: 0...10, using: &rng), now: now))
            case 8..<16:
                let limit: Int? = Bool.random(using: &rng) ? Int.random(in: 0...10, using: &rng) : nil
                ledger.apply(machine.settingsChanged(maxConcurrentStreams: limit, now: now))
            case 16..<46:
                let request = RequestID(nextRequest)
                nextRequest += 1
                let deadline = now.advanced(by: .milliseconds(Int.random(in: 0...5000, using: &rng)))
                let before = machine.inFlightCount
                let limit = machine.streamLimit
                if let id = machine.reserveStream(for: request, deadline: deadline, now: now) {
                    #expect(id.rawValue % 2 == 1)
                    #expect(id.rawValue <= configuration.maximumStreamID)
                    #expect(!open.contains(id), "stream ID reused")
                    #expect(before < limit)
                    #expect(machine.inFlightCount <= limit)
                    reserved.insert(request)
                    open.append(id)
                } else {
                    #expect(machine.inFlightCount == before)
                }
            case 46..<68:
                guard let id = open.randomElement(using: &rng) else { continue }
                let completion = machine.responseReceived(streamID: id, accepted: Int.random(in: 0..<4, using: &rng) > 0, now: now)
                if let request = completion.request { ledger.end([request]) }
                ledger.apply(completion.action)
            case 68..<74:
                guard let id = open.randomElement(using: &rng) else { continue }
                ledger.apply(machine.streamReset(streamID: id, now: now))
            case 74..<78:
                let last = StreamID(Int32.random(in: 0...61, using: &rng))
                ledger.apply(machine.goAway(lastStreamID: last, now: now))
            case 78..<84:
                machine.pingAcknowledged(now: now)
            case 84..<86:
                ledger.apply(machine.drain(now: now))
            case 86..<88:
                ledger.apply(machine.closed(now: now))
            default:
                for action in machine.tick(now: now) { ledger.apply(action) }
            }
            #expect(machine.inFlightCount <= cap)
            #expect(ledger.ends.values.allSatisfy { $0 == 1 }, "a request ended twice (seed \(seed))")
            // Phases only move forward; closed is terminal.
            #expect(order(machine.phase) >= order(lastPhase) || (lastPhase == .draining && machine.phase == .closed))
            if machine.phase == .closed { #expect(machine.inFlightCount == 0) }
            lastPhase = machine.phase
        }
        // Tear down: the network reports the close; everything still in flight comes back.
        ledger.apply(machine.closed(now: now))
        #expect(machine.inFlightCount == 0)
        #expect(Set(ledger.ends.keys) == reserved, "a request never ended (seed \(seed))")
        #expect(ledger.ends.values.allSatisfy { $0 == 1 }, "a request ended twice (seed \(seed))")
    }

    func order(_ phase: Machine.Phase) -> Int {
        switch phase {
        case .idle: 0
        case .connecting: 1
        case .active: 2
        case .draining: 3
        case .closed: 4
        }
    }
}
