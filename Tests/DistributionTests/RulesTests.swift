import Core
import Foundation
import Testing
import TestSupport

@testable import Distribution

/// One-time codes, rate limits, the budget window, retries, webhook signatures, device detection.
@Suite struct RulesTests {
    let key = Array("0123456789abcdef0123456789abcdef".utf8)
    let t0 = Date(timeIntervalSince1970: 1_760_000_000)

    @Test func codesAreSixDigitsAndStoredOnlyAsAHash() {
        var rng = SplitMix64(seed: 1)
        var seen = Set<String>()
        for _ in 0..<200 {
            let (code, state) = OneTimeCode.issue(challenge: "c1", key: key, now: t0, using: &rng)
            #expect(code.count == 6 && code.allSatisfy(\.isNumber))
            #expect(!state.hash.contains(code) && state.hash.count == 64)
            #expect(state.expiresAt == t0.addingTimeInterval(300) && state.attemptsLeft == 5)
            seen.insert(code)
        }
        #expect(seen.count > 190)
    }

    @Test func aCodeAcceptsOnceWithinFiveMinutes() {
        let (code, state) = OneTimeCode.issue(challenge: "c1", key: key, now: t0)
        let (ok, after) = state.check(code, challenge: "c1", key: key, now: t0.addingTimeInterval(299))
        #expect(ok == .accepted)
        #expect(after.check(code, challenge: "c1", key: key, now: t0).0 == .exhausted)
        // Spaces and dashes as people type them.
        let spaced = String(code.prefix(3)) + " - " + String(code.suffix(3))
        #expect(state.check(spaced, challenge: "c1", key: key, now: t0).0 == .accepted)
        // Bound to its challenge and key.
        #expect(state.check(code, challenge: "c2", key: key, now: t0).0 == .wrong(attemptsLeft: 4))
        #expect(state.check(code, challenge: "c1", key: Array(key.reversed()), now: t0).0 == .wrong(attemptsLeft: 4))
        #expect(state.check(code, challenge: "c1", key: key, now: t0.addingTimeInterval(300)).0 == .expired)
    }

    @Test func fiveWrongCodesExhaustTheChallenge() {
        let (code, initial) = OneTimeCode.issue(challenge: "c", key: key, now: t0)
        let wrong = code == "000000" ? "111111" : "000000"
        var state = initial
        for left in stride(from: 4, through: 0, by: -1) {
            let (outcome, next) = state.check(wrong, challenge: "c", key: key, now: t0)
            #expect(outcome == .wrong(attemptsLeft: left))
            state = next
        }
        #expect(state.check(code, challenge: "c", key: key, now: t0).0 == .exhausted)
        #expect(initial.check("12345", challenge: "c", key: key, now: t0).0 == .wrong(attemptsLeft: 4))
        #expect(initial.check("abcdef", challenge: "c", key: key, now: t0).0 == .wrong(attemptsLeft: 4))
    }

    @Test func tokenBucketsLimitBurstsAndRefill() {
        var limiter = RateLimiter<String>(capacity: 3, per: 3600)
        for _ in 0..<3 { #expect(limiter.consume("1.2.3.4", now: 0) == .allowed) }
        guard case .limited(let after) = limiter.consume("1.2.3.4", now: 0) else { Issue.record("fourth request allowed"); return }
        #expect(abs(after - 1200) < 0.001)
        // Another key is independent.
        #expect(limiter.consume("5.6.7.8", now: 0) == .allowed)
        // A token comes back after 1200 s.
        #expect(limiter.consume("1.2.3.4", now: 1199) != .allowed)
        #expect(limiter.consume("1.2.3.4", now: 1200.001) == .allowed)
        #expect(!limiter.wouldAllow("1.2.3.4", now: 1200.001))
        // A clock that goes backwards refills nothing.
        #expect(limiter.consume("1.2.3.4", now: 0) != .allowed)
    }

    @Test func rateLimiterMemoryIsBounded() {
        var limiter = RateLimiter<Int>(capacity: 2, per: 60, maximumKeys: 100)
        for k in 0..<1000 { _ = limiter.consume(k, now: Double(k)) }
        #expect(limiter.trackedKeys <= 100)
        // The newest keys are still limited (not forgotten).
        _ = limiter.consume(999, now: 999)
        #expect(limiter.consume(999, now: 999) != .allowed)
    }

    @Test func budgetWindowsAreClockHours() {
        let d = Date(timeIntervalSince1970: 3600 * 100 + 1799)
        #expect(SmsBudget.window(d) == 100)
        #expect(SmsBudget.windowEnd(d) == Date(timeIntervalSince1970: 3600 * 101))
        #expect(SmsBudget.allows(used: 99, parts: 1, limit: 100))
        #expect(!SmsBudget.allows(used: 100, parts: 1, limit: 100))
        #expect(!SmsBudget.allows(used: 0, parts: 1, limit: 0))
        // The budget counts parts: a two-part message needs two left.
        #expect(SmsBudget.allows(used: 98, parts: 2, limit: 100))
        #expect(!SmsBudget.allows(used: 99, parts: 2, limit: 100))
    }

    @Test func retriesBackOffAndStop() {
        let retry = DeliveryRetry(maximumAttempts: 4, initialDelay: 10, maximumDelay: 25)
        #expect(retry.next(afterAttempt: 1, retryable: true, now: t0, jitter: 0.5) == .retry(at: t0.addingTimeInterval(10)))
        #expect(retry.next(afterAttempt: 2, retryable: true, now: t0, jitter: 0.5) == .retry(at: t0.addingTimeInterval(20)))
        #expect(retry.next(afterAttempt: 3, retryable: true, now: t0, jitter: 1) == .retry(at: t0.addingTimeInterval(30)))
        #expect(retry.next(afterAttempt: 4, retryable: true, now: t0, jitter: 0.5) == .giveUp)
        #expect(retry.next(afterAttempt: 1, retryable: false, now: t0, jitter: 0.5) == .giveUp)
        #expect(retry.next(afterAttempt: 1, retryable: true, now: t0, deadline: t0.addingTimeInterval(5), jitter: 0.5) == .giveUp)
    }

    @Test func appleDevicesGetThePass() {
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
        let ipad = "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0 Mobile/15E148 Safari/604.1"
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36"
        #expect(DeviceKind(userAgent: iphone) == .appleWallet)
        #expect(DeviceKind(userAgent: ipad) == .appleWallet)
        #expect(DeviceKind(userAgent: android) == .other)
        #expect(DeviceKind(userAgent: chrome) == .other)
        #expect(DeviceKind(userAgent: nil) == .other)
    }
}
