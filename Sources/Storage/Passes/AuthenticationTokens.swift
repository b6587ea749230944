import Core
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
        Base64URL.encode(mac(passTypeIdentifier, serialNumber))
    }

    /// Constant-time check of a presented token.
    public func isValid(_ token: String, passTypeIdentifier: String, serialNumber: String) -> Bool {
        // `decode` accepts only the canonical spelling: the last character carries two padding
        // bits, and a token differing there would otherwise decode to the same MAC.
        guard token.utf8.count == 43, let presented = Base64URL.decode(token) else { return false }
        // `==` between a MAC and bytes is swift-crypto's constant-time comparison.
        return mac(passTypeIdentifier, serialNumber) == presented
    }

}
