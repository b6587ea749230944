import Core

/// Capped exponential back-off with full jitter, with APNs's own rules on top (attempts, 429s).
///
/// Full jitter (a uniform draw from zero to the ceiling) spreads a burst of failed pushes across the
/// whole window, so a recovering APNs is not hit by synchronised retries.
public struct RetryPolicy: Hashable, Sendable {
    /// The ceiling for the first retry.
    public var base: Duration
    /// The largest ceiling; Apple asks for 5xx retries after a back-off of up to 15 minutes.
    public var cap: Duration
    /// Sends allowed for one push, the first included; after the last failure the push fails.
    public var maxAttempts: Int
    /// The least delay after a 429, which is per device token: hammering it again soon is useless.
    public var rateLimitedMinimum: Duration

    /// - Precondition: `base` and `cap` are positive, `base <= cap`, `maxAttempts >= 1`,
    ///   `rateLimitedMinimum` is not negative.
    public init(
        base: Duration = .seconds(1),
        cap: Duration = .seconds(15 * 60),
        maxAttempts: Int = 12,
        rateLimitedMinimum: Duration = .seconds(60)
    ) {
        precondition(base > .zero && base <= cap, "RetryPolicy needs 0 < base <= cap")
        precondition(maxAttempts >= 1, "RetryPolicy needs at least one attempt")
        precondition(rateLimitedMinimum >= .zero, "RetryPolicy needs a non-negative 429 minimum")
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
        self.rateLimitedMinimum = rateLimitedMinimum
    }

    /// The schedule: full jitter under `min(cap, base × 2^attempt)` (see ``Backoff``).
    public var backoff: Backoff { Backoff(base: base, cap: cap, jitter: .full) }

    /// The upper bound of the delay before retry number `attempt` (0 for the first retry):
    /// `min(cap, base × 2^attempt)`. Non-decreasing in `attempt`.
    public func ceiling(attempt: Int) -> Duration {
        backoff.ceiling(retry: attempt)
    }

    /// A jittered delay before retry number `attempt`: uniform in `[0, ceiling(attempt)]`, or for a
    /// rate-limited failure uniform in `[rateLimitedMinimum, max(rateLimitedMinimum, ceiling)]`.
    public func delay(
        attempt: Int,
        rateLimited: Bool = false,
        using generator: inout some RandomNumberGenerator
    ) -> Duration {
        let ceilingNanos = ceiling(attempt: attempt).wholeNanoseconds
        let floorNanos = rateLimited ? rateLimitedMinimum.wholeNanoseconds : 0
        let upper = max(floorNanos, ceilingNanos)
        return .nanoseconds(Int64.random(in: floorNanos...upper, using: &generator))
    }
}
