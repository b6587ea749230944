// Why a text is not a percentage; one case per reason, as for money.

/// Why ``Percent/init(parsing:)`` refused a text.
public enum PercentError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case containsWhitespace
    /// `+` or `-`: percentages here are 0…100.
    case signNotAllowed
    case exponentNotAllowed
    /// `7,5`: write `7.5`.
    case commaNotAllowed
    /// Any other character that is not an ASCII digit or `.`, including a `%` sign.
    case invalidCharacter(Character)
    case multipleDecimalPoints
    /// `.5`, `5.` or `.`.
    case missingDigits
    /// More than two digits after the point; the associated value is how many.
    case tooManyDecimals(Int)
    /// More than 100.
    case aboveHundred

    public var description: String {
        switch self {
        case .empty: return "percentage is empty"
        case .containsWhitespace: return "percentage contains whitespace"
        case .signNotAllowed: return "percentage must not have a sign"
        case .exponentNotAllowed: return "percentage must be written without an exponent"
        case .commaNotAllowed: return "percentage must use a dot for decimals (7.5, not 7,5)"
        case .invalidCharacter(let c): return "percentage contains the invalid character \(CharacterList.quoted(String(c))) (write the number only, e.g. 7.5)"
        case .multipleDecimalPoints: return "percentage has more than one decimal point"
        case .missingDigits: return "percentage needs digits on both sides of the decimal point (0.5, not .5)"
        case .tooManyDecimals(let n): return "percentage has \(n) decimals; at most 2 are allowed"
        case .aboveHundred: return "percentage is above 100"
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
        case .tooLarge: self = .aboveHundred
        }
    }
}
