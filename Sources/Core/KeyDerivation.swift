import Crypto

// One server secret keys several things (link tokens, one-time codes, …). Each use gets its own
// sub-key, HMAC-SHA256(secret, label), so a MAC made for one purpose never verifies for another
// (the "one key, one purpose" rule; HMAC as a PRF, RFC 2104). The labels are versioned strings:
// changing one, or this function, changes every token already issued under it.

/// Sub-keys derived from the server secret.
public enum KeyDerivation {
    /// The 32-byte key for `label`: HMAC-SHA256 keyed with `secret`, over the label's UTF-8 bytes.
    public static func derive(_ secret: [UInt8], label: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(label.utf8), using: SymmetricKey(data: secret)))
    }
}
