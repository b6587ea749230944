import Core
import Testing

@Suite struct ChangeSignalTests {
    @Test func aSignalBeforeTheWaitIsKept() async {
        let signal = ChangeSignal()
        signal.signal()
        #expect(await signal.wait(timeout: .seconds(30)))
    }

    @Test func signalsCoalesce() async {
        let signal = ChangeSignal()
        for _ in 0..<100 { signal.signal() }
        #expect(await signal.wait(timeout: .seconds(30)))
        // The hundred counted as one: the next wait times out.
        #expect(await signal.wait(timeout: .milliseconds(50)) == false)
    }

    @Test func aSignalWakesAWaiter() async {
        let signal = ChangeSignal()
        async let woke = signal.wait(timeout: .seconds(300))
        try? await Task.sleep(for: .milliseconds(50))
        signal.signal()
        // true is the signal's answer (a timeout answers false): no clock needed.
        #expect(await woke)
    }

    @Test func aWaitTimesOutAndLeavesNothingPending() async {
        let signal = ChangeSignal()
        #expect(await signal.wait(timeout: .milliseconds(50)) == false)
        // The timer's expiry is not a signal: the next wait times out too.
        #expect(await signal.wait(timeout: .milliseconds(50)) == false)
        signal.signal()
        #expect(await signal.wait(timeout: .seconds(30)))
    }

    @Test func cancellationEndsAWaitWithoutConsumingASignal() async {
        let signal = ChangeSignal()
        let waiter = Task { await signal.wait(timeout: .seconds(60)) }
        try? await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        #expect(await waiter.value == false)
        let untimed = Task { await signal.wait() }
        untimed.cancel()
        #expect(await untimed.value == false)
        signal.signal()
        #expect(await signal.wait(timeout: .seconds(30)))
    }

    @Test func notificationsYieldPerCoalescedSignalAndEndOnCancel() async {
        let signal = ChangeSignal()
        signal.signal()
        signal.signal()
        var iterator = signal.notifications.makeAsyncIterator()
        #expect(await iterator.next() != nil)
        let consumer = Task {
            var count = 0
            for await _ in signal.notifications { count += 1 }
            return count
        }
        try? await Task.sleep(for: .milliseconds(50))
        signal.signal()
        try? await Task.sleep(for: .milliseconds(50))
        consumer.cancel()
        #expect(await consumer.value == 1)
    }

    /// Many signals racing one waiter: every round ends signalled, none hangs.
    @Test func signalsRacingAWaiterAreNeverLost() async {
        let signal = ChangeSignal()
        for _ in 0..<200 {
            async let woke = signal.wait(timeout: .seconds(30))
            signal.signal()
            #expect(await woke)
        }
    }
}
