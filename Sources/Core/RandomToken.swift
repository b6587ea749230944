// Secrets and unguessable identifiers: always from the system's cryptographically secure generator
// (`SystemRandomNumberGenerator` reads getrandom(2)/arc4random), never a seeded one.

/// Random bytes and the tokens made of them.
public enum RandomToken {
    /// `count` random bytes from `generator` (the system's CSPRNG unless a test passes its own).
    public static func bytes(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// `count` random bytes from the system's CSPRNG.
    public static func bytes(_ count: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return bytes(count, using: &g)
    }

    /// `bytes` random bytes as lowercase hex (twice as many characters).
    public static func hex(bytes count: Int) -> String {
        Hex.encode(bytes(count))
    }

    /// `bytes` random bytes as unpadded base64url (RFC 4648 §5): URL- and header-safe.
    public static func base64URL(bytes count: Int) -> String {
        Base64URL.encode(bytes(count))
    }

    /// `count` characters drawn uniformly from `alphabet` (e.g. one without look-alike characters).
    public static func string(_ count: Int, alphabet: [Character]) -> String {
        precondition(!alphabet.isEmpty, "an alphabet needs characters")
        var g = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] })
    }
}
