// Why a text is not a phone number. One case per reason, so the HTTP layer can map them to
// field errors and tests can pin the exact reason.

/// Why ``PhoneNumber/init(parsing:)`` refused a text.
///
/// Digit counts are of the digits that remain after separators and the `+` or `00` prefix are removed.
public enum PhoneNumberError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing but whitespace and separators.
    case empty
    /// Characters other than ASCII digits, `+` and separators (spaces, dashes, dots, brackets):
    /// letters, emoji, full-width or other non-ASCII digits. The associated text lists each
    /// offending character once, in order of appearance.
    case invalidCharacters(String)
    /// A `+` that is not the first character, or more than one `+`.
    case misplacedPlus
    /// Fewer digits than any accepted form: 8 after `+`/`00`, 10 for a Russian number without a prefix.
    case tooShort(digits: Int)
    /// More than the 15 digits E.164 allows.
    case tooLong(digits: Int)
    /// `+0…` (or `000…`): no E.164 country code starts with 0.
    case leadingZeroCountryCode
    /// Digits without `+` or `00` that are not a Russian form (10 digits starting with 9, or 11 starting with 7 or 8).
    case missingCountryCode(digits: Int)
    /// A number in the +7 zone (or written with a leading 8) that has not exactly 11 digits.
    case invalidRussianLength(digits: Int)
    /// A +7 number whose area code is neither mobile (9xx), landline or freephone (3xx, 4xx, 8xx),
    /// nor Kazakhstan (6xx, 7xx, which shares +7). The associated text is the three-digit code.
    case invalidRussianAreaCode(String)
    /// `+8 9xx xxx-xx-xx`: the domestic trunk prefix 8 written after a `+`. Country code 89 does not exist;
    /// the writer meant `8 9xx…` or `+7 9xx…`, and guessing would create a second household.
    case plusEightInsteadOfSeven

    public var description: String {
        switch self {
        case .empty:
            return "phone number is empty"
        case .invalidCharacters(let characters):
            return "phone number contains invalid characters \(CharacterList.quoted(characters)) (only ASCII digits, a leading +, spaces, dashes, dots and brackets are allowed)"
        case .misplacedPlus:
            return "phone number has a + that is not at the start"
        case .tooShort(let digits):
            return "phone number is too short: only \(digits) digit\(digits == 1 ? "" : "s")"
        case .tooLong(let digits):
            return "phone number is too long: \(digits) digits (E.164 allows at most 15)"
        case .leadingZeroCountryCode:
            return "phone number has a country code starting with 0"
        case .missingCountryCode(let digits):
            return "phone number has \(digits) digits but no + and country code, and is not a Russian number (10 digits starting with 9, or 11 starting with 7 or 8)"
        case .invalidRussianLength(let digits):
            return "Russian phone number must have 11 digits (7 or 8 and ten more), not \(digits)"
        case .invalidRussianAreaCode(let code):
            return "Russian phone number has area code \(code), which is neither mobile (9xx) nor landline (3xx, 4xx, 8xx)"
        case .plusEightInsteadOfSeven:
            return "phone number starts with +8, which is not a country code: write 8 9xx… or +7 9xx…"
        }
    }
}
