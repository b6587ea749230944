/// Decides what becomes of a push after one attempt: the dispatcher's rules, free of I/O.
public struct PushResolver: Sendable {
    public var policy: RetryPolicy

    public init(policy: RetryPolicy = RetryPolicy()) {
        self.policy = policy
    }

    /// A token that fails validation is never sent: it is bad for every pass type, so it is final
    /// and its registrations go (as APNs would have answered `BadDeviceToken`).
    public static let malformedToken = FinalOutcome.badToken(.badDeviceToken)

    /// When a push that could not be sent at all (APNs unreachable, the client's queue full) is
    /// due again.
    public static let unsentDelay: Duration = .seconds(5)

    /// The resolution of `push` after `outcome`. A `pauseTopic` outcome is not final for the push:
    /// the configuration is at fault, not the device, so it waits out the pause (`pause`) and is
    /// sent once the pass type works again.
    public func resolve(
        _ push: OutboxPush, after outcome: PushOutcome, pause: Duration, now: ContinuousClock.Instant,
        using generator: inout some RandomNumberGenerator
    ) -> PushResolution {
        switch outcome {
        case .pauseTopic:
            return .deferred(after: pause)
        case .retry(.transport(.unreachable)), .retry(.transport(.overloaded)), .retry(.transport(.clientShutDown)):
            // Never sent: APNs said nothing about this push, so it keeps all its attempts. An
            // outage of any length ends in delivery, not in `failed`.
            return .deferred(after: Self.unsentDelay)
        default:
            break
        }
        var attempts = PushAttempts(policy: policy, attempts: push.attempts)
        switch attempts.record(outcome, now: now, using: &generator) {
        case .final(let final):
            return .finished(final)
        case .retryAt(let at):
            return .retry(after: now.duration(to: at), attempts: attempts.attempts)
        }
    }
}
