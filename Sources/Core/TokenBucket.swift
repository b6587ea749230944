/// Paces work to a rate: `rate` tokens a second, at most `burst` saved up while idle.
///
/// A plain value: its loop (the push dispatcher's, the Bitrix24 worker's) owns it, so taking a token costs no lock or actor hop.
public struct TokenBucket: Sendable, Hashable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var updatedAt: ContinuousClock.Instant?

    /// - Parameters:
    ///   - rate: tokens per second, > 0.
    ///   - burst: the most that can be taken at once after idling (≥ 1).
    public init(rate: Double, burst: Double) {
        precondition(rate > 0 && burst >= 1, "a token bucket needs a positive rate and a burst of at least 1")
        self.rate = rate
        self.burst = burst
        self.tokens = burst
    }

    /// Takes one token; returns how long to wait before using it (zero when one was available).
    public mutating func take(now: ContinuousClock.Instant) -> Duration {
        if let updatedAt {
            let elapsed = updatedAt.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            tokens = min(burst, tokens + max(0, seconds) * rate)
        }
        updatedAt = now
        tokens -= 1
        if tokens >= 0 { return .zero }
        // In debt: the token is ours once the debt is paid back at `rate`.
        return .nanoseconds(Int64((-tokens / rate * 1e9).rounded(.up)))
    }
}
