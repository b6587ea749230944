import Core
import Testing

@Suite struct LeaseTests {
    @Test func endsOnAWholeSecondNeverEarly() {
        let lease = Lease(seconds: 60)
        #expect(lease.until(now: 1_000) == 1_060, "a whole second: exactly the lease")
        #expect(lease.until(now: 1_000.25) == 1_061, "rounded up: at least 60 s from now")
        for now in stride(from: 0.0, through: 3.0, by: 0.125) {
            #expect(Double(lease.until(now: now)) >= now + 60)
        }
    }

    @Test func lengthsRoundUpToAtLeastOneSecond() {
        #expect(Lease(seconds: 0).seconds == 1)
        #expect(Lease(seconds: -5).seconds == 1)
        #expect(Lease(.seconds(60)).seconds == 60)
        #expect(Lease(.milliseconds(1_500)).seconds == 2)
        #expect(Lease(.milliseconds(10)).seconds == 1)
        #expect(Lease(timeInterval: 2.5).seconds == 3)
        #expect(Lease(timeInterval: 30).seconds == 30)
        #expect(Lease(timeInterval: .infinity).seconds == 1)
    }
}
