import Core
import Crypto
import Foundation

/// Per-pass `authenticationToken`s, derived rather than stored:
/// `base64url(HMAC-SHA256(secret, passTypeIdentifier "\n" serialNumber))` — 43 characters.
///
/// Nothing secret sits in the database, a token never changes for a pass (as Wallet
/// requires), and checking one is a constant-time MAC comparison.
///
/// After the secret is rotated (``SecretRing``) a pass keeps the secret of its generation, which
/// its serial number carries: serials made under generation *n* > 0 start with `g`*n*`-`, and the
/// serials made before any rotation (no prefix) are generation 0. So the token of every pass
/// already in a wallet stays what it was, and new passes are keyed by the newest secret.
public struct AuthenticationTokens: Sendable {
    /// The MAC with each generation's secret already absorbed: each token copies it and hashes
    /// just the pass's name. Setting the key up per call was most of the cost of checking a token,
    /// and a check runs on every device request (8 % of the cached-pass fast path; docs/benchmarks.md).
    private let keyed: [HMAC<SHA256>]

    /// - Parameter secret: at least 32 random bytes, kept in the data directory or configuration.
    public init(secret: [UInt8]) {
        precondition(secret.count >= 32, "the authentication secret must be at least 32 bytes")
        keyed = [HMAC<SHA256>(key: SymmetricKey(data: secret))]
    }

    /// Tokens for every generation of `ring`.
    public init(ring: SecretRing) {
        keyed = (ring.previous + [ring.current]).map { HMAC<SHA256>(key: SymmetricKey(data: $0)) }
    }

    /// The generation new passes are made in.
    public var generation: Int { keyed.count - 1 }

    /// What serial numbers made now start with: nothing before the first rotation.
    public var serialPrefix: String { generation == 0 ? "" : "g\(generation)-" }

    /// The generation a serial number was made in: `g`*n*`-…` with *n* ≥ 1 is *n* when this
    /// server has that generation; anything else is 0 (serials made before any rotation, and
    /// serials a client chose, which may look like anything).
    func generation(of serialNumber: String) -> Int {
        guard let n = Self.prefixedGeneration(serialNumber), n < keyed.count else { return 0 }
        return n
    }

    /// The *n* of a serial starting `g`*n*`-` (*n* ≥ 1), else nil.
    public static func prefixedGeneration(_ serialNumber: String) -> Int? {
        let utf8 = serialNumber.utf8
        guard utf8.first == UInt8(ascii: "g"), let dash = utf8.firstIndex(of: UInt8(ascii: "-")) else { return nil }
        let digits = utf8[utf8.index(after: utf8.startIndex)..<dash]
        guard !digits.isEmpty, digits.count <= 6, digits.first != UInt8(ascii: "0"), digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    /// The MAC of `passTypeIdentifier "\n" serialNumber`, hashed in one update (swift-crypto's
    /// `update(data:)` is generic and costs more per call than the bytes it hashes).
    private func mac(_ hmac: HMAC<SHA256>, _ passTypeIdentifier: String, _ serialNumber: String) -> HashedAuthenticationCode<SHA256> {
        var hmac = hmac
        hmac.update(data: Array("\(passTypeIdentifier)\n\(serialNumber)".utf8))
        return hmac.finalize()
    }

    /// The pass's token, under the secret of its serial's generation.
    public func token(passTypeIdentifier: String, serialNumber: String) -> String {
        Base64URL.encode(mac(keyed[generation(of: serialNumber)], passTypeIdentifier, serialNumber))
    }

    /// Constant-time check of a presented token.
    public func isValid(_ token: String, passTypeIdentifier: String, serialNumber: String) -> Bool {
        // `decode` accepts only the canonical spelling: the last character carries two padding
        // bits, and a token differing there would otherwise decode to the same MAC.
        guard token.utf8.count == 43, let presented = Base64URL.decode(token) else { return false }
        // `==` between a MAC and bytes is swift-crypto's constant-time comparison.
        return mac(keyed[generation(of: serialNumber)], passTypeIdentifier, serialNumber) == presented
    }
}
