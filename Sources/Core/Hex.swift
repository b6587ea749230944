// Base16 (RFC 4648 §8): digests, secrets and tokens as text. Written once so hashes stored in the
// database (API keys, idempotency fingerprints, code hashes) keep one spelling: lowercase.

/// Hexadecimal encoding and decoding.
public enum Hex {
    @usableFromInline static let lower: [UInt8] = Array("0123456789abcdef".utf8)
    @usableFromInline static let upper: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// The hex digits of `bytes` as ASCII bytes, two per byte (for writing straight into a buffer).
    @inlinable
    public static func encodeBytes(_ bytes: some Sequence<UInt8>, uppercase: Bool = false) -> [UInt8] {
        let digits = uppercase ? upper : lower
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return out
    }

    /// The hex text of `bytes`, lowercase unless `uppercase`.
    @inlinable
    public static func encode(_ bytes: some Sequence<UInt8>, uppercase: Bool = false) -> String {
        String(decoding: encodeBytes(bytes, uppercase: uppercase), as: UTF8.self)
    }

    /// The bytes of `text` (either case); nil for an odd length or a non-hex character.
    @inlinable
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count / 2)
        var it = text.utf8.makeIterator()
        while let a = it.next() {
            guard let b = it.next(), let hi = value(of: a), let lo = value(of: b) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    /// The value of one hex digit (either case), or nil.
    @inlinable
    public static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
