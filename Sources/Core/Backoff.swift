/// Capped exponential back-off, the one schedule every retrying sender uses: the ceiling for
/// retry `n` (0 for the first) is `min(cap, base × 2^n)`, and the delay is drawn under it by the
/// jitter rule, so a burst of failures does not come back in step.
///
/// Pushes use ``Jitter/full`` (uniform in `[0, ceiling]`, "full jitter" in AWS's *Exponential
/// Backoff And Jitter*); SMS and webhooks ``Jitter/proportional(_:)`` with 0.2 (±20 % around the
/// ceiling), so a message is never retried much sooner than its schedule says.
public struct Backoff: Hashable, Sendable {
    /// How a delay is drawn under the ceiling.
    public enum Jitter: Hashable, Sendable {
        /// Uniform in `[0, ceiling]`.
        case full
        /// Uniform in `[ceiling × (1 − f), ceiling × (1 + f)]`.
        case proportional(Double)
    }

    /// The ceiling of the first retry.
    public var base: Duration
    /// The largest ceiling.
    public var cap: Duration
    public var jitter: Jitter

    /// - Precondition: `0 < base <= cap`.
    public init(base: Duration, cap: Duration, jitter: Jitter) {
        precondition(base > .zero && base <= cap, "Backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.jitter = jitter
    }

    /// `min(cap, base × 2^retry)`; non-decreasing in `retry`, and never overflows.
    public func ceiling(retry: Int) -> Duration {
        let capNanos = cap.wholeNanoseconds
        var ceiling = base.wholeNanoseconds
        for _ in 0..<max(0, retry) {
            if ceiling >= capNanos / 2 { return cap }
            ceiling *= 2
        }
        return .nanoseconds(min(ceiling, capNanos))
    }

    /// The delay before retry `retry`, `unit` (in 0…1, clamped) picking where in the jitter window.
    public func delay(retry: Int, unit: Double) -> Duration {
        let ceiling = Double(ceiling(retry: retry).wholeNanoseconds)
        let u = min(1, max(0, unit))
        switch jitter {
        case .full:
            return .nanoseconds(Int64(ceiling * u))
        case .proportional(let f):
            return .nanoseconds(Int64(ceiling * (1 - f + 2 * f * u)))
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating; back-off durations are minutes at most.
    public var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).overflow
            ? .max : scaled + attoseconds / 1_000_000_000
    }

    /// Seconds as a `Double` (for `Date` arithmetic).
    public var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
