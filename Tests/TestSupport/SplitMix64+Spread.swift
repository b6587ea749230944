import Core

extension SplitMix64 {
    /// A value in `range` whose magnitude is spread over all orders of magnitude (uniform values
    /// would almost all be near the top of a wide range and never exercise small amounts).
    package mutating func spread(in range: ClosedRange<Int64>) -> Int64 {
        let digits = Int64.random(in: 0...19, using: &self)
        var limit: Int64 = 1
        for _ in 0..<digits where limit <= range.upperBound / 10 { limit *= 10 }
        let upper = min(range.upperBound, max(range.lowerBound, limit))
        return Int64.random(in: range.lowerBound...upper, using: &self)
    }
}
