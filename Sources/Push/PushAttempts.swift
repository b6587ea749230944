#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a push ended. Exactly one of these is reached per push.
public enum FinalOutcome: Hashable, Sendable {
    /// APNs accepted it.
    case delivered
    /// 410: delete the device's registrations made before `since` (all of them when `nil`).
    case unregistered(since: Date?)
    /// Delete the device's registrations: the token is bad for this pass type.
    case badToken(APNsReason)
    /// Pause the pass type and alert: the provider's configuration is wrong.
    case pauseTopic(APNsReason)
    /// APNs refused this request for good.
    case rejected(status: Int, reason: APNsReason?)
    /// Every allowed attempt failed transiently; `lastReason` is the last failure.
    case failed(attempts: Int, lastReason: RetryReason)
}

/// What to do with a push after an attempt.
public enum PushDecision: Hashable, Sendable {
    /// Send it again at this instant (or later).
    case retryAt(ContinuousClock.Instant)
    /// It is over; record this outcome once.
    case final(FinalOutcome)
}

/// The attempts made at one push, driving it to exactly one ``FinalOutcome``.
///
/// A value type so the outbox can persist its two numbers and rebuild it after a restart.
public struct PushAttempts: Hashable, Sendable {
    /// The policy that spaces and bounds the attempts.
    public let policy: RetryPolicy
    /// Attempts whose outcome has been recorded.
    public private(set) var attempts: Int
    /// The final outcome once reached; further records don't change it.
    public private(set) var finalOutcome: FinalOutcome?

    /// - Parameter attempts: attempts already made, e.g. as read back from the outbox.
    public init(policy: RetryPolicy = RetryPolicy(), attempts: Int = 0) {
        self.policy = policy
        self.attempts = max(0, attempts)
        self.finalOutcome = nil
    }

    /// Records the outcome of one attempt and decides what happens next.
    ///
    /// Once final, the push stays final: a late duplicate outcome returns the same final outcome and
    /// is not counted, so the caller can't count one push twice.
    public mutating func record(
        _ outcome: PushOutcome,
        now: ContinuousClock.Instant,
        using generator: inout some RandomNumberGenerator
    ) -> PushDecision {
        if let finalOutcome { return .final(finalOutcome) }
        attempts += 1
        let result: FinalOutcome
        switch outcome {
        case .delivered: result = .delivered
        case .unregistered(let since): result = .unregistered(since: since)
        case .badToken(let reason): result = .badToken(reason)
        case .pauseTopic(let reason): result = .pauseTopic(reason)
        case .rejected(let status, let reason): result = .rejected(status: status, reason: reason)
        case .retry(let reason):
            if attempts >= policy.maxAttempts {
                result = .failed(attempts: attempts, lastReason: reason)
            } else {
                let delay = policy.delay(attempt: attempts - 1, rateLimited: reason.isRateLimited, using: &generator)
                return .retryAt(now.advanced(by: delay))
            }
        }
        finalOutcome = result
        return .final(result)
    }
}
