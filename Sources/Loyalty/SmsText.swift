// How many SMS parts a text costs: GSM 03.38 texts fit 160 characters (153 per part when split),
// anything else (Cyrillic, emoji) goes as UCS-2 with 70 (67 per part). Providers bill per part.

/// The encoding and part count of an SMS text.
public struct SmsText: Sendable, Hashable {
    public enum Encoding: String, Sendable, Hashable {
        case gsm7, ucs2
    }

    public let encoding: Encoding
    /// Septets (GSM-7, escapes count twice) or UTF-16 code units (UCS-2).
    public let units: Int
    /// Parts the text is sent as (1 for an empty text).
    public var parts: Int {
        let (single, multi) = encoding == .gsm7 ? (160, 153) : (70, 67)
        return units <= single ? 1 : (units + multi - 1) / multi
    }

    public init(_ text: String) {
        var septets = 0
        var gsm = true
        for scalar in text.unicodeScalars {
            if Self.basic.contains(scalar) {
                septets += 1
            } else if Self.extended.contains(scalar) {
                septets += 2
            } else {
                gsm = false
                break
            }
        }
        if gsm {
            encoding = .gsm7
            units = septets
        } else {
            encoding = .ucs2
            units = text.utf16.count
        }
    }

    /// The GSM 03.38 basic character set.
    static let basic: Set<Unicode.Scalar> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà".unicodeScalars)
    /// Characters sent as an escape plus one septet.
    static let extended: Set<Unicode.Scalar> = Set("^{}\\[~]|€\u{0C}".unicodeScalars)
}
