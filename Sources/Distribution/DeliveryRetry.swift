// When to try an undelivered message or webhook again: growing waits with jitter, a fixed number
// of attempts, and a deadline after which a message is worthless (a code after it expired).

import Core
import Foundation

/// Retry rules for outbox deliveries.
public struct DeliveryRetry: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var maximumAttempts: Int
    /// The wait after the first failure; it doubles per attempt up to ``maximumDelay``.
    public var initialDelay: TimeInterval
    public var maximumDelay: TimeInterval

    public init(maximumAttempts: Int = 6, initialDelay: TimeInterval = 5, maximumDelay: TimeInterval = 1800) {
        precondition(maximumAttempts >= 1 && initialDelay > 0 && maximumDelay >= initialDelay)
        self.maximumAttempts = maximumAttempts
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The schedule: ±20 % around `min(maximumDelay, initialDelay × 2^(attempt − 1))` (see ``Backoff``).
    public var backoff: Backoff {
        Backoff(base: .nanoseconds(Int64(initialDelay * 1e9)), cap: .nanoseconds(Int64(maximumDelay * 1e9)), jitter: .proportional(0.2))
    }

    /// What to do after a failed attempt.
    public enum Next: Sendable, Hashable {
        /// Try again at this time.
        case retry(at: Date)
        /// Stop: the failure is final.
        case giveUp
    }

    /// After attempt number `attempt` (1-based) failed at `now`: retry at a time with ±20 %
    /// jitter (`jitter` in 0…1 picks it), unless the failure is permanent, attempts are spent or
    /// the retry would come after `deadline`.
    public func next(afterAttempt attempt: Int, retryable: Bool, now: Date, deadline: Date? = nil, jitter: Double) -> Next {
        guard retryable, attempt < maximumAttempts else { return .giveUp }
        let at = now.addingTimeInterval(backoff.delay(retry: attempt - 1, unit: jitter).timeInterval)
        if let deadline, at >= deadline { return .giveUp }
        return .retry(at: at)
    }
}
