import NIOConcurrencyHelpers

/// What every connection of one ``MockAPNs`` shares: the behaviour, its consumption (scripted faults, the random
/// generator) and the statistics. One lock, taken briefly per request and per answer.
final class MockState: Sendable {
    private struct Shared {
        var behavior: MockBehavior
        var scriptedLeft: [String: ArraySlice<MockFault>]
        var random: MockRandom
        var stats = MockAPNsStats()
    }

    /// What happens to one complete request.
    struct Decision {
        /// The injected fault, or nil for the normal answer.
        var fault: MockFault?
        var latency: Duration
        var dropStreamLimitAfterRejection: Bool
        var refuseInFlightStreamsOnDrop: Bool
    }

    let recordTokens: Bool
    /// Told of every accepted push's device token (a device fleet acts on it), outside the lock.
    let onAccepted: (@Sendable (String) -> Void)?
    private let shared: NIOLockedValueBox<Shared>

    init(behavior: MockBehavior, recordTokens: Bool, onAccepted: (@Sendable (String) -> Void)? = nil) {
        self.recordTokens = recordTokens
        self.onAccepted = onAccepted
        shared = NIOLockedValueBox(Shared(behavior: behavior, scriptedLeft: Self.slices(behavior), random: MockRandom(seed: behavior.seed)))
    }

    private static func slices(_ behavior: MockBehavior) -> [String: ArraySlice<MockFault>] {
        behavior.scripted.mapValues { ArraySlice($0) }
    }

    /// Replaces the behaviour; scripted lists and the random generator start afresh.
    func setBehavior(_ behavior: MockBehavior) {
        shared.withLockedValue {
            $0.behavior = behavior
            $0.scriptedLeft = Self.slices(behavior)
            $0.random = MockRandom(seed: behavior.seed)
        }
    }

    var behavior: MockBehavior { shared.withLockedValue { $0.behavior } }

    /// Counts one complete request and decides its fate. `token` is nil for a request refused by the checks, which
    /// takes no fault (and `problem` says what was wrong with it).
    func received(token: String?, problem: String? = nil) -> Decision {
        shared.withLockedValue { shared in
            shared.stats.requests += 1
            if let problem { Self.note(problem, in: &shared.stats) }
            let behavior = shared.behavior
            var fault: MockFault?
            if let token {
                if var left = shared.scriptedLeft[token], let next = left.popFirst() {
                    fault = next
                    shared.scriptedLeft[token] = left.isEmpty ? nil : left
                } else if let permanent = behavior.permanent[token] {
                    fault = permanent
                } else if behavior.randomFaultRate > 0, !behavior.randomFaults.isEmpty {
                    let roll = Double(shared.random.next() >> 11) * 0x1p-53
                    if roll < behavior.randomFaultRate {
                        fault = behavior.randomFaults[Int(shared.random.next() % UInt64(behavior.randomFaults.count))]
                    }
                }
            }
            return Decision(
                fault: fault, latency: behavior.latency,
                dropStreamLimitAfterRejection: behavior.dropStreamLimitAfterRejection,
                refuseInFlightStreamsOnDrop: behavior.refuseInFlightStreamsOnDrop)
        }
    }

    /// Counts an answer written.
    func answered(status: Int, token: String?) {
        shared.withLockedValue { shared in
            shared.stats.byStatus[status, default: 0] += 1
            if status == 200 {
                shared.stats.accepted += 1
                if recordTokens, let token { shared.stats.acceptedByToken[token, default: 0] += 1 }
            }
        }
        if status == 200, let token, let onAccepted { onAccepted(token) }
    }

    /// Bumps one counter of the statistics.
    func count(_ counter: WritableKeyPath<MockAPNsStats, Int>) {
        shared.withLockedValue { $0.stats[keyPath: counter] += 1 }
    }

    /// Records a problem that is not a request (a failed handshake, a protocol error on the connection).
    func note(_ problem: String) {
        shared.withLockedValue { Self.note(problem, in: &$0.stats) }
    }

    private static func note(_ problem: String, in stats: inout MockAPNsStats) {
        if stats.protocolErrors.count < MockAPNsStats.protocolErrorLimit { stats.protocolErrors.append(problem) }
    }

    func stats(includingTokens: Bool) -> MockAPNsStats {
        shared.withLockedValue { shared in
            if includingTokens { return shared.stats }
            var copy = shared.stats
            copy.acceptedByToken = [:]
            return copy
        }
    }

    func resetStats() {
        shared.withLockedValue { $0.stats = MockAPNsStats() }
    }
}
