// Outboxes and broadcasts hand work to a worker by moving its due time forward by a lease instead
// of holding a transaction across the network: a worker that dies loses nothing, its work falls
// due again when the lease ends. Due times are whole epoch seconds, so the end is rounded up: a
// lease may last up to a second longer than asked, never shorter, or a second worker could take
// work the first still holds.

/// How long claimed work stays hidden from other claims.
public struct Lease: Sendable, Hashable {
    /// The lease's length in whole seconds, at least one.
    public let seconds: Int64

    /// A lease of `seconds` (at least one: a zero lease would hand the work out again at once).
    public init(seconds: Int64) {
        self.seconds = max(1, seconds)
    }

    /// A lease of `duration`, rounded up to whole seconds.
    public init(_ duration: Duration) {
        let (whole, attoseconds) = duration.components
        self.init(seconds: attoseconds > 0 ? whole + 1 : whole)
    }

    /// A lease of `timeInterval` seconds (fractional, as `TimeInterval`), rounded up to whole seconds.
    public init(timeInterval: Double) {
        self.init(seconds: timeInterval.isFinite ? Int64(timeInterval.rounded(.up)) : 1)
    }

    /// When a lease taken at `now` (seconds since 1970, as `Date.timeIntervalSince1970`) ends, in
    /// whole seconds: `now` rounded up plus the lease, so it never ends early.
    public func until(now: Double) -> Int64 {
        Int64(now.rounded(.up)) + seconds
    }
}
