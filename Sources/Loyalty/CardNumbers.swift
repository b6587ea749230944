// Card numbers. A household (one phone) holds one balance, but each person gets a card with its
// own number, so a parent and two children show "…-1", "…-2", "…-3" on their passes.

/// Card numbers: virtual ones made from a phone, and supplied (plastic) ones.
public enum CardNumbers {
    /// The virtual number of the person with `suffix` in the household of `phone`:
    /// the phone's digits, `-`, the suffix (`"79123456789-1"`, `"79123456789-2"`).
    /// - Precondition: `suffix >= 1`.
    public static func virtual(phone: PhoneNumber, suffix: Int) -> String {
        precondition(suffix >= 1, "card number suffixes start at 1")
        return "\(phone.digits)-\(suffix)"
    }

    /// The suffix for the next person in a household: one more than the largest in use (1 when none).
    ///
    /// Gaps are not filled: a number once given to a person (whose card may have been deleted, and whose
    /// pass may still sit in a wallet) is never given to someone else. Values below 1 are ignored.
    public static func nextSuffix(inUse: [Int]) -> Int {
        max(0, inUse.max() ?? 0) + 1
    }

    /// Checks a supplied (plastic) card number and returns it upper-cased.
    ///
    /// 4–32 ASCII letters, digits and `-`, not starting or ending with `-`. Nothing is trimmed: a space
    /// is an invalid character. Upper-casing makes `ab-1234` and `AB-1234` the same card.
    /// - Throws: ``CardNumberError`` naming the first reason.
    public static func validateSupplied(_ text: String) throws(CardNumberError) -> String {
        guard !text.isEmpty else { throw .empty }
        let invalid = text.filter { !($0.isASCIILetterOrDigit || $0 == "-") }
        guard invalid.isEmpty else { throw .invalidCharacters(CharacterList.distinct(invalid)) }
        guard text.count >= 4 else { throw .tooShort(length: text.count) }
        guard text.count <= 32 else { throw .tooLong(length: text.count) }
        guard !text.hasPrefix("-"), !text.hasSuffix("-") else { throw .edgeDash }
        return text.uppercased()
    }
}
