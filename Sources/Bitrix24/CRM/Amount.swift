import Loyalty

/// Amounts as Bitrix24 writes them: `OPPORTUNITY` is a string (`"1500.00"`), a robot's double
/// property may arrive as `"1500"`, `"1500.5"` or with a comma from a Russian-locale form, and a
/// `{=Document:OPPORTUNITY}` substitution can carry more decimals (`"1500.0000"`).
public enum Amount {
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// The amount in kopecks (two decimals), refusing negatives and anything that is not a plain
    /// decimal; extra decimals must be zeros (no silent rounding of money).
    public static func money(_ text: String) throws(Refusal) -> Money {
        var value = text.replacingOccurrences(of: ",", with: ".")
        if value.hasPrefix("-") { throw Refusal(description: "must not be negative, not \(text)") }
        if let dot = value.firstIndex(of: ".") {
            var decimals = value[value.index(after: dot)...]
            while decimals.count > 2, decimals.last == "0" { decimals = decimals.dropLast() }
            value = String(value[..<dot]) + (decimals.isEmpty ? "" : "." + decimals)
        }
        do { return try Money(parsing: value) } catch { throw Refusal(description: "\(text) is not an amount: \(error)") }
    }
}
