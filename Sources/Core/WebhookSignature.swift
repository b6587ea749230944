import Crypto

// Every webhook Passline sends (CRM events, Android pass updates) carries one signature format,
// timestamped so a receiver can refuse replays (the scheme Stripe documents for its webhooks):
//     X-Passline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." body)>
// The Android webhook shipped with `sha256=<hex HMAC-SHA256(secret, body)>`; for one release it is
// still sent, in X-Passline-Signature-SHA256, so receivers can move over (docs/push.md).

/// Signs and verifies webhook bodies.
public struct WebhookSignature: Sendable {
    /// The header carrying ``sign(_:timestamp:)``'s value.
    public static let header = "X-Passline-Signature"
    /// The header carrying ``legacySHA256(_:)``'s value, for one release.
    public static let legacyHeader = "X-Passline-Signature-SHA256"

    let key: SymmetricKey

    public init(secret: [UInt8]) {
        key = SymmetricKey(data: secret)
    }

    public init(key: SymmetricKey) {
        self.key = key
    }

    /// The header value for `body` sent at `timestamp` (Unix seconds).
    public func sign(_ body: [UInt8], timestamp: Int64) -> String {
        "t=\(timestamp),v1=\(mac(body, timestamp))"
    }

    /// The Android webhook's first format, `sha256=<hex HMAC-SHA256(secret, body)>`: no timestamp.
    public func legacySHA256(_ body: [UInt8]) -> String {
        "sha256=" + Hex.encode(HMAC<SHA256>.authenticationCode(for: body, using: key))
    }

    func mac(_ body: [UInt8], _ t: Int64) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array("\(t).".utf8) + body, using: key))
    }

    /// Whether `header` is a valid signature of `body`, made within `tolerance` seconds of `now`
    /// (Unix seconds). Any `v1=` entry may match, so a receiver can be sent several during a
    /// secret's rotation.
    public func verify(_ header: String, body: [UInt8], now: Int64, tolerance: Int64 = 300) -> Bool {
        var t: Int64?
        var signatures: [Substring] = []
        for part in header.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map(Self.trimmed)
            guard kv.count == 2 else { continue }
            if kv[0] == "t" { t = Int64(kv[1]) } else if kv[0] == "v1" { signatures.append(kv[1]) }
        }
        guard let t, abs(now - t) <= tolerance else { return false }
        let expected = Array(mac(body, t).utf8)
        return signatures.contains { s in
            // Constant time over the digits, so a forger learns nothing from how long a refusal takes.
            let given = Array(s.utf8)
            guard given.count == expected.count else { return false }
            var d: UInt8 = 0
            for (a, b) in zip(given, expected) { d |= a ^ b }
            return d == 0
        }
    }

    private static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
