// Why a text was refused by a ``TextLimit``: which field, in which unit, by how much.

/// A text longer than its field allows.
public struct TextLimitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The unit that was over its limit.
    public enum Unit: String, Sendable, Hashable {
        case characters
        case codePoints = "Unicode code points"
        case bytes = "bytes of UTF-8"
    }

    /// The request field (or JSON path) at fault.
    public let field: String
    public let unit: Unit
    public let limit: Int
    public let actual: Int

    public init(field: String, unit: Unit, limit: Int, actual: Int) {
        self.field = field
        self.unit = unit
        self.limit = limit
        self.actual = actual
    }

    public var description: String {
        "\(field) is too long: \(actual) \(unit.rawValue), at most \(limit)"
    }
}
