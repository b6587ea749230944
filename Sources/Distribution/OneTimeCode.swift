// One-time confirmation codes: 6 digits, valid 5 minutes, 5 attempts. Only a keyed hash is kept,
// bound to its challenge, so a stolen table reveals no code and a hash can't be replayed
// against another challenge.

import Core
import Crypto
import Foundation

/// The rules and the state of one code challenge.
public struct OneTimeCode: Sendable, Hashable {
    public static let digits = 6
    public static let lifetime: TimeInterval = 5 * 60
    public static let attempts = 5

    /// Hex HMAC-SHA256 of the challenge id and the code.
    public var hash: String
    public var expiresAt: Date
    /// Wrong entries still allowed.
    public var attemptsLeft: Int

    public init(hash: String, expiresAt: Date, attemptsLeft: Int) {
        self.hash = hash
        self.expiresAt = expiresAt
        self.attemptsLeft = attemptsLeft
    }

    /// A fresh random code and the state to store for `challenge`.
    public static func issue<G: RandomNumberGenerator>(challenge: String, key: [UInt8], now: Date, using generator: inout G) -> (code: String, state: OneTimeCode) {
        let n = UInt32.random(in: 0..<1_000_000, using: &generator)
        let code = String(n).leftPadded(to: digits)
        return (code, OneTimeCode(hash: hash(code, challenge: challenge, key: key), expiresAt: now.addingTimeInterval(lifetime), attemptsLeft: attempts))
    }

    public static func issue(challenge: String, key: [UInt8], now: Date) -> (code: String, state: OneTimeCode) {
        var g = SystemRandomNumberGenerator()
        return issue(challenge: challenge, key: key, now: now, using: &g)
    }

    static func hash(_ code: String, challenge: String, key: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("otp\n\(challenge)\n\(code)".utf8), using: SymmetricKey(data: key))
        return Hex.encode(mac)
    }

    /// The outcome of entering a code.
    public enum Outcome: Sendable, Hashable {
        case accepted
        /// Wrong; this many tries remain (0: the challenge is spent).
        case wrong(attemptsLeft: Int)
        case expired
        /// No tries were left before this one.
        case exhausted
    }

    /// Checks `entered` (spaces and dashes ignored) and returns the outcome with the state to
    /// store: a wrong code uses up a try; nothing changes once expired or exhausted.
    public func check(_ entered: String, challenge: String, key: [UInt8], now: Date) -> (Outcome, OneTimeCode) {
        guard attemptsLeft > 0 else { return (.exhausted, self) }
        guard now < expiresAt else { return (.expired, self) }
        let normalized = entered.filter { !$0.isWhitespace && $0 != "-" }
        var next = self
        // Compare hashes in constant time; a malformed entry is simply wrong.
        let candidate = Self.hash(normalized, challenge: challenge, key: key)
        var difference: UInt8 = 0
        for (a, b) in zip(candidate.utf8, hash.utf8) { difference |= a ^ b }
        if difference == 0 && candidate.utf8.count == hash.utf8.count && normalized.count == Self.digits && normalized.allSatisfy(\.isASCIIDigit) {
            next.attemptsLeft = 0
            return (.accepted, next)
        }
        next.attemptsLeft -= 1
        return (.wrong(attemptsLeft: next.attemptsLeft), next)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
