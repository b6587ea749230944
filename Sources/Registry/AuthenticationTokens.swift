import Crypto
import Foundation

/// Per-pass `authenticationToken`s, derived rather than stored:
/// `base64url(HMAC-SHA256(secret, passTypeIdentifier "\n" serialNumber))` — 43 characters.
///
/// Nothing secret sits in the database, a token never changes for a pass (as Wallet
/// requires), and checking one is a constant-time MAC comparison.
public struct AuthenticationTokens: Sendable {
    private let key: SymmetricKey

    /// - Parameter secret: at least 32 random bytes, kept in the data directory or configuration.
    public init(secret: [UInt8]) {
        precondition(secret.count >= 32, "the authentication secret must be at least 32 bytes")
        key = SymmetricKey(data: secret)
    }

    private static func message(_ passTypeIdentifier: String, _ serialNumber: String) -> [UInt8] {
        Array("\(passTypeIdentifier)\n\(serialNumber)".utf8)
    }

    public func token(passTypeIdentifier: String, serialNumber: String) -> String {
        Self.encode(Data(HMAC<SHA256>.authenticationCode(for: Self.message(passTypeIdentifier, serialNumber), using: key)))
    }

    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Constant-time check of a presented token.
    public func isValid(_ token: String, passTypeIdentifier: String, serialNumber: String) -> Bool {
        // Only the canonical spelling: the last character carries two padding bits, and a token
        // differing there would otherwise decode to the same MAC.
        guard token.utf8.count == 43, let mac = Self.decode(token), Self.encode(mac) == token else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Self.message(passTypeIdentifier, serialNumber), using: key)
    }

    static func decode(_ token: String) -> Data? {
        var s = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.utf8.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}
