// Money as an integer count of minor units: sums and percentages of it must be exact, and
// floating point cannot represent 0.10.

/// An amount of money in minor units (kopecks for RUB): never negative, at most ``maximum``.
///
/// Every currency is taken to have two decimals (1 unit = 100 minor units), which holds for RUB,
/// USD, EUR, KZT and most others. It encodes as its ``description`` (a JSON string such as
/// `"1500.00"`, so hand-edited files cannot lose precision through a JSON number) and decodes
/// from such a string with ``init(parsing:)``.
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in minor units: 1500.00 RUB is 150 000.
    public let minorUnits: Int64

    /// Zero.
    public static let zero = Money(minorUnits: 0)
    /// The largest amount: 10 000 000 000 000.00 (10^13 units). Far beyond any purchase, and small
    /// enough that turnovers and `amount × percent` products are easy to keep exact.
    public static let maximum = Money(minorUnits: 1_000_000_000_000_000)

    /// An amount from minor units (as stored).
    /// - Precondition: `0 <= minorUnits <= Money.maximum.minorUnits`; use ``init(exactly:)`` for
    ///   values that may be out of range.
    public init(minorUnits: Int64) {
        precondition((0...1_000_000_000_000_000).contains(minorUnits), "Money(minorUnits: \(minorUnits)) is out of range 0...10^15")
        self.minorUnits = minorUnits
    }

    /// An amount from minor units, or nil if they are negative or above ``maximum``.
    public init?(exactly minorUnits: Int64) {
        guard (0...Self.maximum.minorUnits).contains(minorUnits) else { return nil }
        self.minorUnits = minorUnits
    }

    /// Parses a plain decimal: ASCII digits, optionally a `.` and one or two digits
    /// (`"1500"`, `"1500.5"`, `"1500.00"`, `"0.05"`).
    ///
    /// No sign, exponent, whitespace, grouping or comma; at most ``maximum``.
    /// - Throws: ``MoneyError`` naming what is wrong.
    public init(parsing text: String) throws(MoneyError) {
        do {
            minorUnits = try DecimalText.scaled(text, decimals: 2, maximum: Self.maximum.minorUnits)
        } catch {
            throw MoneyError(error)
        }
    }

    /// Units, a dot and exactly two decimals: `"1500.00"`, `"0.05"`. ``init(parsing:)`` reads it back.
    public var description: String {
        let cents = minorUnits % 100
        return "\(minorUnits / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.minorUnits < rhs.minorUnits }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Money(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
