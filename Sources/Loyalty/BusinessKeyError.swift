// Why a business key is refused; one case per reason.

/// Why ``BusinessKey/validate(_:)`` refused a key.
public enum BusinessKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    /// White space or a control character before or after the key: keys are never trimmed.
    case surroundingWhitespace
    /// Characters outside `[A-Za-z0-9:_./-]` (spaces included); each listed once, in order.
    case invalidCharacters(String)
    /// More than 128 characters; the associated value is how many.
    case tooLong(length: Int)

    public var description: String {
        switch self {
        case .empty: return "business key is empty"
        case .surroundingWhitespace:
            return "business key starts or ends with white space or a control character (keys are matched byte for byte and never trimmed)"
        case .invalidCharacters(let c): return "business key contains invalid characters \(CharacterList.quoted(c)) (allowed: A-Z a-z 0-9 : _ . / -)"
        case .tooLong(let n): return "business key is too long: \(n) characters, at most 128"
        }
    }
}
