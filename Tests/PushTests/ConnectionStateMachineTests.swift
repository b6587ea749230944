import Push
import Testing

typealias Machine = APNsConnectionStateMachine

@Suite struct ConnectionStateMachineTests {
    let t0 = ContinuousClock.now
    func at(_ seconds: Double) -> ContinuousClock.Instant { t0.advanced(by: .seconds(seconds)) }
    var far: ContinuousClock.Instant { at(3600) }

    func activeMachine(_ configuration: Machine.Configuration = .init(), streams: Int? = 1000) -> Machine {
        var machine = Machine(configuration: configuration)
        machine.connect(now: t0)
        #expect(machine.connected(maxConcurrentStreams: streams, now: t0) == .none)
        return machine
    }

    @Test func streamIDsAreOddAndIncreasing() {
        var machine = activeMachine()
        let ids = (0..<5).compactMap { machine.reserveStream(for: RequestID(UInt64($0)), deadline: far, now: t0) }
        #expect(ids.map(\.rawValue) == [1, 3, 5, 7, 9])
    }

    @Test func notActiveRefusesStreams() {
        var machine = Machine()
        #expect(machine.reserveStream(for: RequestID(1), deadline: far, now: t0) == nil)
        machine.connect(now: t0)
        #expect(machine.reserveStream(for: RequestID(1), deadline: far, now: t0) == nil)
    }

    @Test func concurrencyLimitFollowsSettingsDownToOneAndBack() {
        var machine = activeMachine(streams: 3)
        let ids = (1...3).compactMap { machine.reserveStream(for: RequestID($0), deadline: far, now: t0) }
        #expect(ids.count == 3)
        #expect(machine.reserveStream(for: RequestID(4), deadline: far, now: t0) == nil)

        // A rejected push: APNs drops to one stream. Open streams keep running; no new ones.
        _ = machine.responseReceived(streamID: ids[0], accepted: false, now: t0)
        _ = machine.settingsChanged(maxConcurrentStreams: 1, now: t0)
        #expect(machine.reserveStream(for: RequestID(5), deadline: far, now: t0) == nil)
        #expect(machine.responseReceived(streamID: ids[1], accepted: true, now: t0).request == RequestID(2))
        #expect(machine.reserveStream(for: RequestID(6), deadline: far, now: t0) == nil)
        #expect(machine.responseReceived(streamID: ids[2], accepted: true, now: t0).request == RequestID(3))
        let single = machine.reserveStream(for: RequestID(7), deadline: far, now: t0)
        #expect(single != nil)
        #expect(machine.reserveStream(for: RequestID(8), deadline: far, now: t0) == nil)

        // Restored after an accepted push.
        _ = machine.settingsChanged(maxConcurrentStreams: 1000, now: t0)
        #expect(machine.availableStreams == 999)
        #expect(machine.reserveStream(for: RequestID(9), deadline: far, now: t0) != nil)
    }

    @Test func localCapBoundsAnUnlimitedPeer() {
        var machine = activeMachine(.init(maximumConcurrentStreams: 4), streams: nil)
        #expect(machine.streamLimit == 4)
        let ids = (1...10).compactMap { machine.reserveStream(for: RequestID($0), deadline: far, now: t0) }
        #expect(ids.count == 4)
    }

    @Test func tokenAuthAllowsOneStreamUntilFirstSuccess() {
        var machine = activeMachine(.init(tokenAuthentication: true))
        let first = machine.reserveStream(for: RequestID(1), deadline: far, now: t0)!
        #expect(machine.reserveStream(for: RequestID(2), deadline: far, now: t0) == nil)
        _ = machine.responseReceived(streamID: first, accepted: true, now: t0)
        #expect(machine.streamLimit == 1000)
        #expect(machine.reserveStream(for: RequestID(3), deadline: far, now: t0) != nil)
        #expect(machine.reserveStream(for: RequestID(4), deadline: far, now: t0) != nil)
    }

    @Test func refusedStreamGoesElsewhere() {
        var machine = activeMachine()
        let id = machine.reserveStream(for: RequestID(1), deadline: far, now: t0)!
        #expect(machine.streamReset(streamID: id, now: t0) == .retryElsewhere([RequestID(1)]))
        #expect(machine.inFlightCount == 0)
    }

    @Test func goAwaySplitsInFlightStreams() {
        var machine = activeMachine()
        let ids = (1...6).compactMap { machine.reserveStream(for: RequestID($0), deadline: far, now: t0) }
        // Streams 1, 3, 5 processed; 7, 9, 11 never seen by APNs.
        #expect(machine.goAway(lastStreamID: StreamID(5), now: t0)
            == .retryElsewhere([RequestID(4), RequestID(5), RequestID(6)]))
        #expect(machine.phase == .draining)
        #expect(machine.reserveStream(for: RequestID(7), deadline: far, now: t0) == nil)
        #expect(machine.responseReceived(streamID: ids[0], accepted: true, now: t0) == .init(request: RequestID(1), action: .none))
        #expect(machine.responseReceived(streamID: ids[1], accepted: true, now: t0).request == RequestID(2))
        let last = machine.responseReceived(streamID: ids[2], accepted: false, now: t0)
        #expect(last == .init(request: RequestID(3), action: .close(.goAway(errorCode: 0), retryElsewhere: [])))
        #expect(machine.phase == .closed)
        #expect(machine.closed(now: t0) == .none)
    }

    @Test func goAwayWithNothingProcessedClosesAtOnce() {
        var machine = activeMachine()
        _ = machine.reserveStream(for: RequestID(1), deadline: far, now: t0)
        #expect(machine.goAway(lastStreamID: StreamID(0), errorCode: 0, now: t0)
            == .close(.goAway(errorCode: 0), retryElsewhere: [RequestID(1)]))
        #expect(machine.phase == .closed)
    }

    @Test func streamIDExhaustionSignalsReplacementThenDrains() {
        // IDs 1...21 → 11 streams; rotate after 90 % (ID 19).
        var machine = activeMachine(.init(maximumStreamID: 21, rotationFraction: 0.9))
        var ids: [StreamID] = []
        for n in 1...9 {
            ids.append(machine.reserveStream(for: RequestID(UInt64(n)), deadline: far, now: t0)!)
            #expect(!machine.needsReplacement)
        }
        ids.append(machine.reserveStream(for: RequestID(10), deadline: far, now: t0)!)
        #expect(machine.needsReplacement)
        #expect(machine.tick(now: t0) == [.openReplacement])
        #expect(machine.tick(now: t0) == [])  // signalled once
        ids.append(machine.reserveStream(for: RequestID(11), deadline: far, now: t0)!)
        #expect(ids.last == StreamID(21))
        #expect(machine.phase == .draining)
        #expect(machine.reserveStream(for: RequestID(12), deadline: far, now: t0) == nil)
        for id in ids.dropLast() { _ = machine.responseReceived(streamID: id, accepted: true, now: t0) }
        #expect(machine.responseReceived(streamID: ids.last!, accepted: true, now: t0).action
            == .close(.streamIDsExhausted, retryElsewhere: []))
    }

    @Test func defaultRotationThresholdIsBelowInt32Max() {
        let machine = activeMachine()
        #expect(machine.configuration.maximumStreamID == Int32.max)
        #expect(!machine.needsReplacement)
    }

    @Test func pingAfterIdleAndTimeoutCloses() {
        var machine = activeMachine(.init(pingInterval: .seconds(15), pingTimeout: .seconds(5)))
        _ = machine.reserveStream(for: RequestID(1), deadline: far, now: t0)
        #expect(machine.tick(now: at(14)) == [])
        #expect(machine.tick(now: at(15)) == [.sendPing])
        #expect(machine.tick(now: at(19)) == [])  // one PING outstanding at a time
        #expect(machine.tick(now: at(20)) == [.close(.pingTimeout, retryElsewhere: [RequestID(1)])])
        #expect(machine.phase == .closed)
        #expect(machine.reserveStream(for: RequestID(2), deadline: far, now: at(20)) == nil)
    }

    @Test func pingAcknowledgedKeepsConnection() {
        var machine = activeMachine(.init(pingInterval: .seconds(15), pingTimeout: .seconds(5)))
        #expect(machine.tick(now: at(15)) == [.sendPing])
        machine.pingAcknowledged(now: at(16))
        #expect(machine.tick(now: at(30)) == [])
        #expect(machine.tick(now: at(31)) == [.sendPing])
        #expect(machine.phase == .active)
    }

    @Test func trafficDefersPing() {
        var machine = activeMachine(.init(pingInterval: .seconds(15)))
        let id = machine.reserveStream(for: RequestID(1), deadline: far, now: t0)!
        _ = machine.responseReceived(streamID: id, accepted: true, now: at(10))
        #expect(machine.tick(now: at(20)) == [])
        #expect(machine.tick(now: at(25)) == [.sendPing])
    }

    @Test func deadlinesProduceTimeoutsAndLateResponsesAreIgnored() {
        var machine = activeMachine(.init(pingInterval: .seconds(1000)))
        let a = machine.reserveStream(for: RequestID(1), deadline: at(5), now: t0)!
        _ = machine.reserveStream(for: RequestID(2), deadline: at(10), now: t0)
        _ = machine.reserveStream(for: RequestID(3), deadline: at(5), now: t0)
        #expect(machine.tick(now: at(4)) == [])
        #expect(machine.tick(now: at(5)) == [.timedOut([RequestID(1), RequestID(3)])])
        #expect(machine.inFlightCount == 1)
        #expect(machine.responseReceived(streamID: a, accepted: true, now: at(6)) == .init(request: nil, action: .none))
        #expect(machine.tick(now: at(10)) == [.timedOut([RequestID(2)])])
    }

    @Test func connectTimeout() {
        var machine = Machine(configuration: .init(connectTimeout: .seconds(10)))
        machine.connect(now: t0)
        #expect(machine.tick(now: at(9)) == [])
        #expect(machine.tick(now: at(10)) == [.close(.connectTimeout, retryElsewhere: [])])
        #expect(machine.connected(maxConcurrentStreams: 10, now: at(11)) == .none)
        #expect(machine.phase == .closed)
    }

    @Test func closedHandsBackEverythingAndRefusesNewStreams() {
        var machine = activeMachine()
        _ = machine.reserveStream(for: RequestID(1), deadline: far, now: t0)
        _ = machine.reserveStream(for: RequestID(2), deadline: far, now: t0)
        #expect(machine.closed(now: t0) == .retryElsewhere([RequestID(1), RequestID(2)]))
        #expect(machine.phase == .closed)
        #expect(machine.reserveStream(for: RequestID(3), deadline: far, now: t0) == nil)
        #expect(machine.tick(now: far) == [])
        #expect(machine.closed(now: t0) == .none)
        #expect(machine.goAway(lastStreamID: StreamID(0), now: t0) == .none)
    }

    @Test func drainClosesWhenIdle() {
        var machine = activeMachine()
        let id = machine.reserveStream(for: RequestID(1), deadline: far, now: t0)!
        #expect(machine.drain(now: t0) == .none)
        #expect(machine.reserveStream(for: RequestID(2), deadline: far, now: t0) == nil)
        #expect(machine.responseReceived(streamID: id, accepted: true, now: t0)
            == .init(request: RequestID(1), action: .close(.drained, retryElsewhere: [])))
    }
}
