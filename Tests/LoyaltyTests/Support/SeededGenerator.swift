// A deterministic generator, so a failing property test fails again with the same numbers.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast and good enough for test inputs.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `range` whose magnitude is spread over all orders of magnitude (uniform values would
    /// almost all be near the top of a wide range and never exercise small amounts).
    mutating func spread(in range: ClosedRange<Int64>) -> Int64 {
        let digits = Int64.random(in: 0...19, using: &self)
        var limit: Int64 = 1
        for _ in 0..<digits where limit <= range.upperBound / 10 { limit *= 10 }
        let upper = min(range.upperBound, max(range.lowerBound, limit))
        return Int64.random(in: range.lowerBound...upper, using: &self)
    }
}
