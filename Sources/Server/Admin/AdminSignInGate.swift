import Distribution
import Foundation
import Hummingbird
import Synchronization

/// Wrong tokens per client address: a token bucket of ``attempts`` tries regained over
/// ``window``. Only wrong tokens spend from it; while an address's bucket is empty every
/// sign-in from it is refused (429) before the token is even looked at, so guessing gets
/// a handful of tries every few minutes and learns nothing from the answer.
///
/// The buckets live in this server's memory: with several servers behind one proxy each
/// counts its own (docs/admin.md).
final class AdminSignInGate: Sendable {
    static let attempts = 5
    /// 5 tries back over 15 minutes: one every 3 minutes.
    static let window: Double = 15 * 60

    private let limiter: Mutex<RateLimiter<String>>
    private let started = ContinuousClock.now
    let trustForwardedFor: Bool

    init(trustForwardedFor: Bool, attempts: Int = AdminSignInGate.attempts, window: Double = AdminSignInGate.window) {
        limiter = Mutex(RateLimiter(capacity: attempts, per: window, maximumKeys: 50_000))
        self.trustForwardedFor = trustForwardedFor
    }

    /// The client's address, as the other per-address limits take it.
    func address(_ request: Request, _ context: AppRequestContext) -> String {
        ClientAddress.of(request, peer: context.remoteAddress, trustForwardedFor: trustForwardedFor)
    }

    /// Seconds until `address` may try again; nil when it may now.
    func blocked(_ address: String) -> Int? {
        let now = seconds()
        return limiter.withLock { limiter -> Int? in
            guard !limiter.wouldAllow(address, now: now) else { return nil }
            // An empty bucket spends nothing on `consume`: it only says how long until a try is back.
            if case .limited(let after) = limiter.consume(address, now: now) { return max(1, Int(after.rounded(.up))) }
            return nil
        }
    }

    /// Counts a wrong token from `address`.
    func recordFailure(_ address: String) {
        let now = seconds()
        limiter.withLock { _ = $0.consume(address, now: now) }
    }

    private func seconds() -> Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
