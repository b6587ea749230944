import Core

/// The id of a class or object: `<issuerId>.<suffix>`, the suffix of ASCII letters, digits,
/// `.`, `_` and `-` only (https://developers.google.com/wallet/reference/rest/v1/loyaltyobject,
/// field `id`).
///
/// ``init(issuer:key:)`` makes any key of ours safe by escaping, injectively: every byte outside
/// letters, digits, `.` and `-` becomes `_` and two lowercase hex digits, `_` included, so two
/// different keys never share an id and the same key always gets the same one.
public struct GoogleWalletID: Sendable, Hashable, CustomStringConvertible {
    public let issuer: GoogleIssuerID
    /// Valid as it stands (never empty, only the allowed characters).
    public let suffix: String

    /// `issuer.suffix`, what Google stores.
    public var value: String { issuer.value + "." + suffix }
    public var description: String { value }

    /// The id for `key` (a card number, a template name…), escaped as described above; an empty
    /// key becomes `_`, which no other key escapes to.
    public init(issuer: GoogleIssuerID, key: String) {
        self.issuer = issuer
        suffix = Self.escape(key)
    }

    /// Parses an id as Google sends it: issuer digits, `.`, then a valid suffix; nil otherwise.
    public init?(_ text: String) {
        guard let dot = text.firstIndex(of: "."), let issuer = GoogleIssuerID(String(text[..<dot])) else { return nil }
        let suffix = String(text[text.index(after: dot)...])
        guard !suffix.isEmpty, suffix.utf8.allSatisfy({ Self.isSafe($0) || $0 == UInt8(ascii: "_") }) else { return nil }
        self.issuer = issuer
        self.suffix = suffix
    }

    /// The escaped form of `key` (see the type's description).
    public static func escape(_ key: String) -> String {
        guard !key.isEmpty else { return "_" }
        var out = ""
        out.reserveCapacity(key.utf8.count)
        for byte in key.utf8 {
            if isSafe(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "_" + Hex.encode([byte])
            }
        }
        return out
    }

    /// Bytes kept as they are: `_` is not, since it starts an escape.
    static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}

extension GoogleWalletID: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = GoogleWalletID(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a Google Wallet id (<issuerId>.<suffix>)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
