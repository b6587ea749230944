import Core
import Testing

@Suite struct BackoffTests {
    @Test func ceilingsDoubleThenCapWithoutOverflow() {
        let b = Backoff(base: .seconds(1), cap: .seconds(900), jitter: .full)
        #expect((0...10).map { b.ceiling(retry: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900].map { Duration.seconds($0) })
        #expect(b.ceiling(retry: Int.max) == .seconds(900))
        #expect(b.ceiling(retry: -3) == .seconds(1))
    }

    @Test func fullJitterSpansZeroToTheCeiling() {
        let b = Backoff(base: .seconds(1), cap: .seconds(60), jitter: .full)
        #expect(b.delay(retry: 3, unit: 0) == .zero)
        #expect(b.delay(retry: 3, unit: 1) == .seconds(8))
        #expect(b.delay(retry: 3, unit: 0.25) == .seconds(2))
    }

    @Test func proportionalJitterStaysAroundTheCeiling() {
        let b = Backoff(base: .seconds(10), cap: .seconds(25), jitter: .proportional(0.2))
        #expect(b.delay(retry: 0, unit: 0.5) == .seconds(10))
        #expect(b.delay(retry: 0, unit: 0) == .seconds(8))
        #expect(b.delay(retry: 5, unit: 1) == .seconds(30), "the cap, +20 %")
        #expect(b.delay(retry: 1, unit: 7) == b.delay(retry: 1, unit: 1), "the unit is clamped")
        #expect(Duration.seconds(2.5).timeInterval == 2.5)
    }
}
