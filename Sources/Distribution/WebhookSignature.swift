// Signed webhooks: the receiver checks that a notification comes from this server and is fresh.
// Header `X-Passline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

import Crypto
import Foundation

/// Signs and verifies webhook bodies.
public struct WebhookSignature: Sendable {
    public static let header = "X-Passline-Signature"
    let key: SymmetricKey

    public init(secret: [UInt8]) {
        key = SymmetricKey(data: secret)
    }

    /// The header value for `body` sent at `time`.
    public func sign(_ body: [UInt8], at time: Date) -> String {
        let t = Int64(time.timeIntervalSince1970.rounded(.down))
        return "t=\(t),v1=\(mac(body, t))"
    }

    func mac(_ body: [UInt8], _ t: Int64) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array("\(t).".utf8) + body, using: key)
        return code.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// Whether `header` is a valid signature of `body`, made within `tolerance` of `now`.
    public func verify(_ header: String, body: [UInt8], now: Date, tolerance: TimeInterval = 300) -> Bool {
        var t: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { continue }
            if kv[0] == "t" { t = Int64(kv[1]) } else if kv[0] == "v1" { signatures.append(kv[1]) }
        }
        guard let t, abs(now.timeIntervalSince1970 - TimeInterval(t)) <= tolerance else { return false }
        let expected = Array(mac(body, t).utf8)
        return signatures.contains { s in
            let given = Array(s.utf8)
            guard given.count == expected.count else { return false }
            var d: UInt8 = 0
            for (a, b) in zip(given, expected) { d |= a ^ b }
            return d == 0
        }
    }
}
