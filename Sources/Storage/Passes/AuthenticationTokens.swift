import Crypto
import Foundation

/// Per-pass `authenticationToken`s, derived rather than stored:
/// `base64url(HMAC-SHA256(secret, passTypeIdentifier "\n" serialNumber))` — 43 characters.
///
/// Nothing secret sits in the database, a token never changes for a pass (as Wallet
/// requires), and checking one is a constant-time MAC comparison.
public struct AuthenticationTokens: Sendable {
    /// The MAC with the secret already absorbed: each token copies it and hashes just the pass's
    /// name. Setting the key up per call was most of the cost of checking a token, and a check
    /// runs on every device request (8 % of the cached-pass fast path; docs/benchmarks.md).
    private let keyed: HMAC<SHA256>

    /// - Parameter secret: at least 32 random bytes, kept in the data directory or configuration.
    public init(secret: [UInt8]) {
        precondition(secret.count >= 32, "the authentication secret must be at least 32 bytes")
        keyed = HMAC<SHA256>(key: SymmetricKey(data: secret))
    }

    /// The MAC of `passTypeIdentifier "\n" serialNumber`, hashed in one update (swift-crypto's
    /// `update(data:)` is generic and costs more per call than the bytes it hashes).
    private func mac(_ passTypeIdentifier: String, _ serialNumber: String) -> HashedAuthenticationCode<SHA256> {
        var hmac = keyed
        hmac.update(data: Array("\(passTypeIdentifier)\n\(serialNumber)".utf8))
        return hmac.finalize()
    }

    public func token(passTypeIdentifier: String, serialNumber: String) -> String {
        Self.encode(Array(mac(passTypeIdentifier, serialNumber)))
    }

    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// Unpadded base64url (RFC 4648 §5). Hand-rolled: it runs on every device request.
    static func encode(_ data: some Collection<UInt8>) -> String {
        let bytes = Array(data)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        if bytes.count - i == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
        } else if bytes.count - i == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes canonical unpadded base64url; nil for anything else (bad characters, non-zero padding bits).
    static func decode(_ token: String) -> [UInt8]? {
        let chars = Array(token.utf8)
        guard chars.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in chars {
            let v = reverse[Int(c)]
            guard v != 0xFF else { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero: exactly one spelling per MAC.
        guard acc & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }

    /// Constant-time check of a presented token.
    public func isValid(_ token: String, passTypeIdentifier: String, serialNumber: String) -> Bool {
        // `decode` accepts only the canonical spelling: the last character carries two padding
        // bits, and a token differing there would otherwise decode to the same MAC.
        guard token.utf8.count == 43, let presented = Self.decode(token) else { return false }
        // `==` between a MAC and bytes is swift-crypto's constant-time comparison.
        return mac(passTypeIdentifier, serialNumber) == presented
    }

}
