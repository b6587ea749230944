// How many SMS parts (segments) a text costs, as providers bill it. A text in the GSM 7-bit
// default alphabet (3GPP TS 23.038 §6.2.1) goes as septets: 160 in one message; characters of
// the extension table (§6.2.1.1: ^ { } \ [ ~ ] | € and form feed) take an escape septet too.
// Anything else goes as UCS-2/UTF-16: 70 code units, a character outside the BMP taking two. A
// longer text is split into parts that each carry a 6-octet concatenation header (TS 23.040
// §9.2.3.24.1), leaving 153 septets or 67 units per part; an escape and its character, or a
// surrogate pair, are never split between two parts (the receiver could not join the halves), so
// a part may carry one unit less. It lives beside the program's SMS settings: the hourly budget
// counts parts, and storage charges them.

/// The encoding and part count of an SMS text.
public struct SmsText: Sendable, Hashable {
    public enum Encoding: String, Sendable, Hashable {
        case gsm7, ucs2
    }

    /// The most parts one message may have; a longer text is refused. Ten parts are 1,530 GSM
    /// characters or 670 Cyrillic ones: more than any message here needs, and a bound on what one
    /// message can cost.
    public static let maximumParts = 10

    public let encoding: Encoding
    /// Septets (GSM-7, extension characters count twice) or UTF-16 code units (UCS-2).
    public let units: Int
    /// Parts the text is sent as (1 for an empty text).
    public let parts: Int

    public init(_ text: String) {
        var septets = 0
        var gsm = true
        for scalar in text.unicodeScalars {
            guard let cost = Self.septets(scalar) else {
                gsm = false
                break
            }
            septets += cost
        }
        encoding = gsm ? .gsm7 : .ucs2
        units = gsm ? septets : text.utf16.count
        let (single, perPart) = gsm ? (160, 153) : (70, 67)
        guard units > single else {
            parts = 1
            return
        }
        // Fill parts in order; a character that does not fit whole starts the next part.
        var count = 1
        var used = 0
        for scalar in text.unicodeScalars {
            let cost = gsm ? Self.septets(scalar)! : scalar.utf16.count
            if used + cost > perPart {
                count += 1
                used = 0
            }
            used += cost
        }
        parts = count
    }

    /// Whether the text may be sent at all (at most ``maximumParts`` parts).
    public var isSendable: Bool { parts <= Self.maximumParts }

    /// Septets of a scalar in GSM-7, nil when it has none (the text goes as UCS-2).
    static func septets(_ scalar: Unicode.Scalar) -> Int? {
        if basic.contains(scalar) { return 1 }
        if extended.contains(scalar) { return 2 }
        return nil
    }

    /// The GSM 7-bit default alphabet (TS 23.038 §6.2.1), but the escape itself.
    static let basic: Set<Unicode.Scalar> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà".unicodeScalars)
    /// Characters of the extension table (§6.2.1.1), each sent as the escape plus one septet.
    static let extended: Set<Unicode.Scalar> = Set("^{}\\[~]|€\u{0C}".unicodeScalars)
}
