// Why a supplied card number is refused; one case per reason.

/// Why ``CardNumbers/validateSupplied(_:)`` refused a card number.
public enum CardNumberError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    /// Characters other than ASCII letters, digits and `-` (spaces included); each listed once, in order.
    case invalidCharacters(String)
    /// Fewer than 4 characters; the associated value is how many.
    case tooShort(length: Int)
    /// More than 32 characters; the associated value is how many.
    case tooLong(length: Int)
    /// A `-` at the start or the end.
    case edgeDash

    public var description: String {
        switch self {
        case .empty: return "card number is empty"
        case .invalidCharacters(let c): return "card number contains invalid characters \(CharacterList.quoted(c)) (only A-Z, 0-9 and - are allowed)"
        case .tooShort(let n): return "card number is too short: \(n) characters, at least 4"
        case .tooLong(let n): return "card number is too long: \(n) characters, at most 32"
        case .edgeDash: return "card number must not start or end with -"
        }
    }
}
