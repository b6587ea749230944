import Crypto

// One rule for `Idempotency-Key` (the IETF httpapi draft "The Idempotency-Key HTTP Header
// Field"): what a valid key is, and what makes two requests "the same" so the second replays the
// first's answer. Every route that honours keys uses this type, so a key behaves alike everywhere.

/// A client's `Idempotency-Key`: 1–255 visible ASCII characters (0x21–0x7E).
public struct IdempotencyKey: Hashable, Sendable {
    /// Said to a client whose key is refused.
    public static let rule = "Idempotency-Key must be 1–255 visible ASCII characters"

    public let value: String

    /// Nil unless `value` is 1–255 visible ASCII characters: no spaces or control characters,
    /// which a key must survive being logged and stored as text.
    public init?(_ value: String) {
        guard (1...255).contains(value.utf8.count), value.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) else { return nil }
        self.value = value
    }

    /// The fingerprint of a request: lowercase hex SHA-256 of `"<METHOD> <path>\n"` then the body.
    /// The same key with another fingerprint is a different request (409), not a retry: method and
    /// path count, so a key reused on another route is refused rather than replayed.
    public static func fingerprint(method: String, path: String, body: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("\(method) \(path)\n".utf8))
        hasher.update(data: Array(body))
        return Hex.encode(hasher.finalize())
    }
}
