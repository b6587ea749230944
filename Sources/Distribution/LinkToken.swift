// Download-link tokens: short, unguessable and self-verifying. The server keeps one row per link
// (a card's or a household's) with a generation number; a token names the row, carries the
// generation it was issued under and its expiry, and is sealed with a truncated HMAC-SHA256.
// Bumping the row's generation revokes every token issued before.

import Core
import Crypto
import Foundation

/// What a download link delivers.
public enum LinkScope: UInt8, Sendable, Hashable, CaseIterable {
    /// One card's pass (`.pkpass`).
    case card = 0
    /// Every card of a household (`.pkpasses`).
    case household = 1
}

/// What a link token says, once its seal is verified.
public struct LinkClaims: Sendable, Hashable {
    public var scope: LinkScope
    /// The link row's id (positive).
    public var linkID: Int64
    /// The generation of the link row the token was issued under; a different current
    /// generation means the token was revoked.
    public var generation: UInt32
    /// The end of validity, in whole minutes (tokens carry minutes to stay short).
    public var expiresAt: Date

    public init(scope: LinkScope, linkID: Int64, generation: UInt32, expiresAt: Date) {
        self.scope = scope
        self.linkID = linkID
        self.generation = generation
        self.expiresAt = expiresAt
    }
}

/// Why a link token is refused.
public enum LinkTokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not a token of this server at all: wrong characters, length or layout.
    case malformed
    /// Shaped like a token, but its seal does not match: altered, or made with another secret.
    case tampered
    /// Genuine, but past its expiry.
    case expired(LinkClaims)

    public var description: String {
        switch self {
        case .malformed: return "the link is not a valid download link"
        case .tampered: return "the link has been altered"
        case .expired(let claims): return "the link expired at \(claims.expiresAt.formatted(.iso8601))"
        }
    }
}

/// Issues and verifies link tokens with a key derived from the server secret.
///
/// Layout, before base64url: one byte `0x10 | scope`, the link id and the generation as LEB128
/// varints around a 4-byte big-endian expiry (minutes since 2020-01-01 UTC), then the first 12
/// bytes (96 bits) of HMAC-SHA256 over everything before. A card link with an id below 2²¹ is
/// 20 bytes: 27 characters.
public struct LinkTokenSigner: Sendable {
    /// Bytes of MAC kept: 96 bits, so guessing a valid token takes ~2⁹⁵ tries.
    static let macLength = 12
    static let version: UInt8 = 0x10
    /// 2020-01-01T00:00:00Z.
    static let epoch = Date(timeIntervalSince1970: 1_577_836_800)

    /// The current secret's key first, then the earlier secrets': links issued before a rotation still open.
    let keys: [SymmetricKey]
    static let label = "passline download links v1"

    /// - Parameter secret: the server secret; a key for links alone is derived from it, so a link
    ///   MAC never equals any other MAC the server makes with the same secret.
    public init(secret: [UInt8]) {
        keys = [SymmetricKey(data: KeyDerivation.derive(secret, label: Self.label))]
    }

    /// Signs with the ring's current secret; verifies with any of its secrets.
    public init(ring: SecretRing) {
        keys = ring.keys(label: Self.label)
    }

    /// The token for `claims`. The expiry is rounded up to a whole minute and clamped to what
    /// four bytes of minutes hold; a link id must be positive.
    public func token(for claims: LinkClaims) -> String {
        precondition(claims.linkID > 0, "link ids are positive")
        var payload: [UInt8] = [Self.version | claims.scope.rawValue]
        Self.appendVarint(UInt64(claims.linkID), to: &payload)
        let minutes = Self.minutes(claims.expiresAt)
        payload += [UInt8(minutes >> 24), UInt8(minutes >> 16 & 0xFF), UInt8(minutes >> 8 & 0xFF), UInt8(minutes & 0xFF)]
        Self.appendVarint(UInt64(claims.generation), to: &payload)
        return Base64URL.encode(payload + mac(payload))
    }

    /// The claims of a genuine, unexpired token.
    /// - Throws: ``LinkTokenError``: `.malformed`, `.tampered`, or `.expired` (with the claims).
    public func verify(_ token: some StringProtocol, now: Date) throws(LinkTokenError) -> LinkClaims {
        // 1 + 1 + 4 + 1 + 12 bytes at least; ids up to 2⁶³ and 32-bit generations at most.
        guard (26...44).contains(token.utf8.count), let bytes = Base64URL.decode(token), bytes.count >= 19 else { throw .malformed }
        let payload = Array(bytes.dropLast(Self.macLength))
        let given = bytes.suffix(Self.macLength)
        // Constant time: every byte is compared whatever the first difference.
        func matches(_ key: SymmetricKey) -> Bool {
            var difference: UInt8 = 0
            for (a, b) in zip(mac(payload, key: key), given) { difference |= a ^ b }
            return difference == 0
        }
        guard keys.contains(where: matches) else { throw .tampered }
        guard let claims = Self.parse(payload) else { throw .malformed }
        guard now < claims.expiresAt else { throw .expired(claims) }
        return claims
    }

    func mac(_ payload: [UInt8], key: SymmetricKey? = nil) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: payload, using: key ?? keys[0])).prefix(Self.macLength).map { $0 }
    }

    static func parse(_ payload: [UInt8]) -> LinkClaims? {
        guard let first = payload.first, first & 0xF0 == version, let scope = LinkScope(rawValue: first & 0x0F) else { return nil }
        var i = 1
        guard let id = readVarint(payload, &i), id > 0, id <= UInt64(Int64.max), i + 4 <= payload.count else { return nil }
        let minutes = UInt32(payload[i]) << 24 | UInt32(payload[i + 1]) << 16 | UInt32(payload[i + 2]) << 8 | UInt32(payload[i + 3])
        i += 4
        guard let generation = readVarint(payload, &i), generation <= UInt64(UInt32.max), i == payload.count else { return nil }
        return LinkClaims(
            scope: scope, linkID: Int64(id), generation: UInt32(generation),
            expiresAt: epoch.addingTimeInterval(TimeInterval(minutes) * 60))
    }

    /// Whole minutes since ``epoch``, rounded up, clamped to 0…UInt32.max.
    static func minutes(_ date: Date) -> UInt32 {
        let m = (date.timeIntervalSince(epoch) / 60).rounded(.up)
        if !(m > 0) { return 0 }
        return m >= Double(UInt32.max) ? UInt32.max : UInt32(m)
    }

    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A minimal LEB128 varint (no redundant continuation bytes), at most 10 bytes.
    static func readVarint(_ bytes: [UInt8], _ i: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count, shift < 64 {
            let b = bytes[i]
            i += 1
            if shift == 63 && b > 1 { return nil }
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 {
                // A last byte of 0 after others would be a second spelling of the same number.
                if b == 0 && shift > 0 { return nil }
                return value
            }
            shift += 7
        }
        return nil
    }
}
