// Why a text is not an amount of money; one case per reason.

/// Why ``Money/init(parsing:)`` refused a text.
public enum MoneyError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    /// Spaces anywhere, including leading and trailing ones (the caller trims if it wants to).
    case containsWhitespace
    /// `+` or `-`: amounts are never negative, and a `+` is not needed.
    case signNotAllowed
    /// `1e3`: exponent notation.
    case exponentNotAllowed
    /// `1,5` or `1,500`: a comma is either a decimal or a grouping separator, so it is refused.
    case commaNotAllowed
    /// Any other character that is not an ASCII digit or `.`.
    case invalidCharacter(Character)
    /// More than one `.`.
    case multipleDecimalPoints
    /// `.5`, `5.` or `.`: digits are required on both sides of the point.
    case missingDigits
    /// More than two digits after the point; the associated value is how many.
    case tooManyDecimals(Int)
    /// More than ``Money/maximum``.
    case tooLarge

    public var description: String {
        switch self {
        case .empty: return "amount is empty"
        case .containsWhitespace: return "amount contains whitespace"
        case .signNotAllowed: return "amount must not have a sign (amounts are never negative)"
        case .exponentNotAllowed: return "amount must be written without an exponent (1000, not 1e3)"
        case .commaNotAllowed: return "amount must use a dot for decimals and no grouping (1500.50, not 1,500.50 or 1500,50)"
        case .invalidCharacter(let c): return "amount contains the invalid character \(CharacterList.quoted(String(c)))"
        case .multipleDecimalPoints: return "amount has more than one decimal point"
        case .missingDigits: return "amount needs digits on both sides of the decimal point (0.50, not .50)"
        case .tooManyDecimals(let n): return "amount has \(n) decimals; at most 2 are allowed"
        case .tooLarge: return "amount is larger than \(Money.maximum)"
        }
    }

    init(_ failure: DecimalText.Failure) {
        switch failure {
        case .empty: self = .empty
        case .whitespace: self = .containsWhitespace
        case .sign: self = .signNotAllowed
        case .exponent: self = .exponentNotAllowed
        case .comma: self = .commaNotAllowed
        case .invalidCharacter(let c): self = .invalidCharacter(c)
        case .multipleDecimalPoints: self = .multipleDecimalPoints
        case .missingDigits: self = .missingDigits
        case .tooManyDecimals(let n): self = .tooManyDecimals(n)
        case .tooLarge: self = .tooLarge
        }
    }
}
