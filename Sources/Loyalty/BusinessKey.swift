// Business keys make a ledger operation idempotent per account: re-running a CRM robot or a
// campaign finds the key and does not post twice.

/// Business keys (unique per account) such as `"deal:123:accrual"` or `"broadcast:42"`.
public enum BusinessKey {
    /// The longest key, in characters.
    public static let maximumLength = 128

    /// Checks a business key: 1–128 characters of `[A-Za-z0-9:_./-]`. Returns it unchanged
    /// (keys are case-sensitive and never normalised, so a stored key always matches byte for byte).
    /// - Throws: ``BusinessKeyError`` naming the first reason.
    public static func validate(_ text: String) throws(BusinessKeyError) -> String {
        guard !text.isEmpty else { throw .empty }
        // A reason of its own, so the sender is fixed rather than the key trimmed: a trimmed key
        // would not be the one the CRM sends next time.
        if let first = text.unicodeScalars.first, let last = text.unicodeScalars.last, isSurrounding(first) || isSurrounding(last) {
            throw .surroundingWhitespace
        }
        let invalid = text.filter { !($0.isASCIILetterOrDigit || ":_./-".contains($0)) }
        guard invalid.isEmpty else { throw .invalidCharacters(CharacterList.distinct(invalid)) }
        guard text.count <= maximumLength else { throw .tooLong(length: text.count) }
        return text
    }

    /// White space (Unicode's White_Space: spaces, tabs, line breaks, no-break spaces) or a control character.
    static func isSurrounding(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
    }
}
