// A phone number normalised to E.164. It is the household key: two spellings of one number must
// give the same value, and anything ambiguous is refused rather than guessed.

/// A phone number in E.164 form (`+79123456789`).
///
/// ``init(parsing:)`` is the only way to make one, so every value is normalised and valid.
/// Accepted input, after removing whitespace (any Unicode space), dashes (`-` and the Unicode
/// hyphens and dashes U+2010–U+2015, U+2212), dots and round brackets:
///
/// | Written as | Read as |
/// |---|---|
/// | `8 (912) 345-67-89` (11 digits starting with 8) | `+79123456789` |
/// | `+7 912 345 67 89` | `+79123456789` |
/// | `79123456789` (11 digits starting with 7) | `+79123456789` |
/// | `9123456789` (10 digits starting with 9) | `+79123456789` |
/// | `+44 20 7946 0958` (`+`, 8–15 digits, not starting with 0) | `+442079460958` |
/// | `0044 20 7946 0958` (`00` international prefix) | `+442079460958` |
/// | `8 10 44 20 7946 0958` (`810`, the Russian international prefix) | `+442079460958` |
///
/// Numbers in the +7 zone must have 11 digits and a plausible area code (see
/// ``PhoneNumberError/invalidRussianAreaCode(_:)``). Only ASCII digits are accepted: full-width
/// and other non-ASCII digits are refused, not converted.
///
/// It encodes as its ``e164`` string; decoding parses (and so re-validates) the string.
public struct PhoneNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The number in E.164: `+` and 8–15 digits, e.g. `+79123456789`.
    public let e164: String

    /// The digits without the `+`, e.g. `79123456789`: the stem of virtual card numbers.
    public var digits: String { String(e164.dropFirst()) }

    public var description: String { e164 }

    /// Parses and normalises a phone number as written by a person or a CRM.
    /// - Throws: ``PhoneNumberError`` naming the first reason the text is not a phone number.
    public init(parsing text: String) throws(PhoneNumberError) {
        e164 = try Self.normalise(text)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try PhoneNumber(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(e164)
    }
}

extension PhoneNumber {
    /// The largest number of digits E.164 allows.
    static let maximumDigits = 15
    /// The fewest digits accepted after `+` or `00`.
    static let minimumInternationalDigits = 8

    static func isSeparator(_ c: Character) -> Bool {
        if c.isWhitespace { return true }
        switch c {
        case "-", ".", "(", ")", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}":
            return true
        default:
            return false
        }
    }

    static func normalise(_ text: String) throws(PhoneNumberError) -> String {
        var kept: [Character] = []
        var invalid: [Character] = []
        for c in text where !isSeparator(c) {
            if c == "+" || c.isASCIIDigit { kept.append(c) } else { invalid.append(c) }
        }
        guard invalid.isEmpty else { throw .invalidCharacters(CharacterList.distinct(invalid)) }
        guard !kept.isEmpty else { throw .empty }
        let plusCount = kept.count { $0 == "+" }
        guard plusCount == 0 || (plusCount == 1 && kept.first == "+") else { throw .misplacedPlus }

        let digits = String(kept.filter { $0 != "+" })
        if plusCount == 1 { return try international(Substring(digits)) }
        if digits.hasPrefix("00") { return try international(digits.dropFirst(2)) }
        return try national(Substring(digits))
    }

    /// The digits after `+` or `00`: country code first.
    static func international(_ digits: Substring) throws(PhoneNumberError) -> String {
        let n = digits.count
        guard let first = digits.first else { throw .tooShort(digits: 0) }
        guard first != "0" else { throw .leadingZeroCountryCode }
        guard n <= maximumDigits else { throw .tooLong(digits: n) }
        guard n >= minimumInternationalDigits else { throw .tooShort(digits: n) }
        if first == "7" {
            guard n == 11 else { throw .invalidRussianLength(digits: n) }
            return try russian(digits.dropFirst())
        }
        // "+8 912 345-67-89": 8 is the Russian trunk prefix, not a country code (89x is unassigned).
        if n == 11 && digits.hasPrefix("89") { throw .plusEightInsteadOfSeven }
        return "+" + digits
    }

    /// Digits written without `+` or `00`: only the Russian domestic forms are accepted.
    static func national(_ digits: Substring) throws(PhoneNumberError) -> String {
        let n = digits.count
        guard n <= maximumDigits else { throw .tooLong(digits: n) }
        switch digits.first {
        case "8" where n > 11 && digits.hasPrefix("810"):
            // 8-10 is the Russian international prefix; 10x is no Russian area code, so this is unambiguous.
            return try international(digits.dropFirst(3))
        case "7", "8":
            guard n >= 10 else { throw .tooShort(digits: n) }
            guard n == 11 else { throw .invalidRussianLength(digits: n) }
            return try russian(digits.dropFirst())
        case "9" where n == 10:
            return try russian(digits)
        default:
            guard n >= 10 else { throw .tooShort(digits: n) }
            throw .missingCountryCode(digits: n)
        }
    }

    /// The ten digits after +7.
    static func russian(_ national: Substring) throws(PhoneNumberError) -> String {
        // 3xx, 4xx, 8xx: geographic and freephone; 9xx: mobile; 6xx, 7xx: Kazakhstan, which shares +7.
        // 0xx, 1xx, 2xx, 5xx are not assigned, and usually mean a digit was dropped or doubled.
        guard let first = national.first, "346789".contains(first) else {
            throw .invalidRussianAreaCode(String(national.prefix(3)))
        }
        return "+7" + national
    }
}
