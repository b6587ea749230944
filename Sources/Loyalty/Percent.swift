// A percentage as integer basis points, so "7.5 % of an amount" is exact integer arithmetic.

/// A percentage from 0 to 100 with at most two decimals, stored as basis points
/// (1 % = 100 basis points: 5 % = 500, 7.5 % = 750, 10.25 % = 1025).
///
/// It encodes as its ``description``, a JSON string such as `"7.5"`, and decodes from such a string.
public struct Percent: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Hundredths of a percent, 0…10 000.
    public let basisPoints: Int

    /// 0 %.
    public static let zero = Percent(basisPoints: 0)
    /// 100 %.
    public static let hundred = Percent(basisPoints: 10_000)

    /// - Precondition: `0...10_000` contains `basisPoints`; use ``init(exactly:)`` for values that may be out of range.
    public init(basisPoints: Int) {
        precondition((0...10_000).contains(basisPoints), "Percent(basisPoints: \(basisPoints)) is out of range 0...10000")
        self.basisPoints = basisPoints
    }

    /// A percentage from basis points, or nil outside 0…10 000.
    public init?(exactly basisPoints: Int) {
        guard (0...10_000).contains(basisPoints) else { return nil }
        self.basisPoints = basisPoints
    }

    /// Parses `"5"`, `"7.5"`, `"10.25"`: 0…100, at most two decimals, no `%` sign, sign, exponent or whitespace.
    /// - Throws: ``PercentError`` naming what is wrong.
    public init(parsing text: String) throws(PercentError) {
        do {
            basisPoints = Int(try DecimalText.scaled(text, decimals: 2, maximum: 10_000))
        } catch {
            throw PercentError(error)
        }
    }

    /// The shortest exact form: `"5"`, `"7.5"`, `"10.25"`, `"0.05"`.
    public var description: String {
        let whole = basisPoints / 100, hundredths = basisPoints % 100
        if hundredths == 0 { return "\(whole)" }
        if hundredths % 10 == 0 { return "\(whole).\(hundredths / 10)" }
        return "\(whole).\(hundredths < 10 ? "0" : "")\(hundredths)"
    }

    public static func < (lhs: Percent, rhs: Percent) -> Bool { lhs.basisPoints < rhs.basisPoints }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Percent(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
