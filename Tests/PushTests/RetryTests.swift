import Core
import Push
import Testing
import TestSupport

@Suite struct RetryPolicyTests {
    @Test func ceilingsDoubleThenCap() {
        let policy = RetryPolicy()
        #expect(policy.ceiling(attempt: 0) == .seconds(1))
        #expect(policy.ceiling(attempt: 1) == .seconds(2))
        #expect(policy.ceiling(attempt: 9) == .seconds(512))
        #expect(policy.ceiling(attempt: 10) == .seconds(900))
        #expect(policy.ceiling(attempt: 1_000_000) == .seconds(900))
        var previous = Duration.zero
        for attempt in 0..<200 {
            let ceiling = policy.ceiling(attempt: attempt)
            #expect(ceiling >= previous && ceiling <= policy.cap)
            previous = ceiling
        }
    }

    @Test func delaysStayWithinBounds() {
        let policy = RetryPolicy()
        for seed in UInt64(0)..<50 {
            var rng = SplitMix64(seed: seed)
            for attempt in 0..<40 {
                let delay = policy.delay(attempt: attempt, using: &rng)
                #expect(delay >= .zero && delay <= policy.ceiling(attempt: attempt))
                let limited = policy.delay(attempt: attempt, rateLimited: true, using: &rng)
                #expect(limited >= policy.rateLimitedMinimum)
                #expect(limited <= max(policy.rateLimitedMinimum, policy.ceiling(attempt: attempt)))
            }
        }
    }

    @Test func jitterSpreadsDraws() {
        let policy = RetryPolicy()
        var rng = SplitMix64(seed: 42)
        let draws = (0..<1000).map { _ in policy.delay(attempt: 10, using: &rng) }
        // Full jitter: draws cover the window, not cluster at the ceiling.
        #expect(draws.contains { $0 < .seconds(90) })
        #expect(draws.contains { $0 > .seconds(810) })
        #expect(Set(draws).count > 990)
    }

    @Test func sameSeedSameDelays() {
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
        let policy = RetryPolicy()
        for attempt in 0..<20 {
            #expect(policy.delay(attempt: attempt, using: &a) == policy.delay(attempt: attempt, using: &b))
        }
    }
}

@Suite struct PushAttemptsTests {
    let now = ContinuousClock.now

    @Test func transientFailuresEndInFailedAfterMaxAttempts() {
        var attempts = PushAttempts(policy: RetryPolicy(maxAttempts: 12))
        var rng = SplitMix64(seed: 1)
        for n in 1...11 {
            let decision = attempts.record(.retry(.apns(status: 503, reason: .serviceUnavailable)), now: now, using: &rng)
            guard case .retryAt(let at) = decision else {
                Issue.record("attempt \(n) should retry, got \(decision)")
                return
            }
            #expect(at >= now && at <= now.advanced(by: RetryPolicy().ceiling(attempt: n - 1)))
        }
        let last = attempts.record(.retry(.transport(.timedOut)), now: now, using: &rng)
        #expect(last == .final(.failed(attempts: 12, lastReason: .transport(.timedOut))))
        #expect(attempts.attempts == 12)
    }

    @Test(arguments: [
        (PushOutcome.delivered, FinalOutcome.delivered),
        (.unregistered(since: nil), .unregistered(since: nil)),
        (.badToken(.badDeviceToken), .badToken(.badDeviceToken)),
        (.pauseTopic(.badCertificate), .pauseTopic(.badCertificate)),
        (.rejected(status: 413, reason: .payloadTooLarge), .rejected(status: 413, reason: .payloadTooLarge)),
    ])
    func finalOutcomesAreImmediate(outcome: PushOutcome, expected: FinalOutcome) {
        var attempts = PushAttempts()
        var rng = SplitMix64(seed: 2)
        #expect(attempts.record(outcome, now: now, using: &rng) == .final(expected))
    }

    @Test func finalIsReachedOnceAndSticks() {
        var attempts = PushAttempts()
        var rng = SplitMix64(seed: 3)
        _ = attempts.record(.retry(.transport(.connectionReset)), now: now, using: &rng)
        #expect(attempts.record(.delivered, now: now, using: &rng) == .final(.delivered))
        // A late duplicate answer doesn't change or recount the outcome.
        #expect(attempts.record(.badToken(.badDeviceToken), now: now, using: &rng) == .final(.delivered))
        #expect(attempts.attempts == 2)
        #expect(attempts.finalOutcome == .delivered)
    }

    @Test func rateLimitedWaitsAtLeastTheMinimum() {
        var attempts = PushAttempts()
        var rng = SplitMix64(seed: 4)
        guard case .retryAt(let at) = attempts.record(.retry(.apns(status: 429, reason: .tooManyRequests)), now: now, using: &rng) else {
            Issue.record("429 should retry")
            return
        }
        #expect(now.duration(to: at) >= .seconds(60))
    }

    @Test func resumesFromPersistedCount() {
        var attempts = PushAttempts(policy: RetryPolicy(maxAttempts: 3), attempts: 2)
        var rng = SplitMix64(seed: 5)
        #expect(attempts.record(.retry(.transport(.timedOut)), now: now, using: &rng)
            == .final(.failed(attempts: 3, lastReason: .transport(.timedOut))))
    }
}
