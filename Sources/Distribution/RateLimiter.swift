// Token buckets: each key (an IP address, a phone) may spend `capacity` at once and regains
// `refillPerSecond`; pure, with the clock passed in, so tests need no waiting.

/// Token-bucket rate limits per key.
public struct RateLimiter<Key: Hashable & Sendable>: Sendable {
    public let capacity: Double
    public let refillPerSecond: Double
    /// Keys tracked at most; beyond it, full buckets are forgotten first (they hold no
    /// information), then the oldest.
    public let maximumKeys: Int
    var buckets: [Key: Bucket] = [:]

    struct Bucket: Sendable, Hashable {
        var tokens: Double
        var updated: Double
    }

    /// - Parameters:
    ///   - capacity: requests allowed in a burst (≥ 1).
    ///   - per: the time in which `capacity` is regained, in seconds.
    public init(capacity: Int, per seconds: Double, maximumKeys: Int = 100_000) {
        precondition(capacity >= 1 && seconds > 0 && maximumKeys >= 1)
        self.capacity = Double(capacity)
        refillPerSecond = Double(capacity) / seconds
        self.maximumKeys = maximumKeys
    }

    /// The decision for one request.
    public enum Decision: Sendable, Hashable {
        case allowed
        /// Refused; a token is back after this many seconds.
        case limited(retryAfter: Double)

        public var isAllowed: Bool { self == .allowed }
    }

    /// Spends `cost` tokens of `key` at time `now` (seconds, any monotonic origin) if it has them.
    public mutating func consume(_ key: Key, cost: Double = 1, now: Double) -> Decision {
        var bucket = buckets[key].map { b in
            Bucket(tokens: min(capacity, b.tokens + max(0, now - b.updated) * refillPerSecond), updated: max(now, b.updated))
        } ?? Bucket(tokens: capacity, updated: now)
        guard bucket.tokens >= cost else {
            buckets[key] = bucket
            return .limited(retryAfter: (cost - bucket.tokens) / refillPerSecond)
        }
        bucket.tokens -= cost
        buckets[key] = bucket
        if buckets.count > maximumKeys { evict(now: now) }
        return .allowed
    }

    /// Whether `key` could spend `cost` now, without spending it.
    public func wouldAllow(_ key: Key, cost: Double = 1, now: Double) -> Bool {
        guard let b = buckets[key] else { return capacity >= cost }
        return min(capacity, b.tokens + max(0, now - b.updated) * refillPerSecond) >= cost
    }

    mutating func evict(now: Double) {
        buckets = buckets.filter { _, b in b.tokens + max(0, now - b.updated) * refillPerSecond < capacity }
        while buckets.count > maximumKeys, let oldest = buckets.min(by: { $0.value.updated < $1.value.updated })?.key {
            buckets[oldest] = nil
        }
    }

    /// Keys currently tracked.
    public var trackedKeys: Int { buckets.count }
}
