/// Decides what becomes of a push after one attempt: the dispatcher's rules, free of I/O.
public struct PushResolver: Sendable {
    public var policy: RetryPolicy

    public init(policy: RetryPolicy = RetryPolicy()) {
        self.policy = policy
    }

    /// A token that fails validation is never sent: it is bad for every pass type, so it is final
    /// and its registrations go (as APNs would have answered `BadDeviceToken`).
    public static let malformedToken = FinalOutcome.badToken(.badDeviceToken)

    /// The resolution of `push` after `outcome`. A `pauseTopic` outcome is not final for the push:
    /// the configuration is at fault, not the device, so it waits out the pause (`pause`) and is
    /// sent once the pass type works again.
    public func resolve(
        _ push: OutboxPush, after outcome: PushOutcome, pause: Duration, now: ContinuousClock.Instant,
        using generator: inout some RandomNumberGenerator
    ) -> PushResolution {
        if case .pauseTopic = outcome { return .deferred(after: pause) }
        var attempts = PushAttempts(policy: policy, attempts: push.attempts)
        switch attempts.record(outcome, now: now, using: &generator) {
        case .final(let final):
            return .finished(final)
        case .retryAt(let at):
            return .retry(after: now.duration(to: at), attempts: attempts.attempts)
        }
    }
}
