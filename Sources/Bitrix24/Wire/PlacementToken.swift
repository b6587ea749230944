import Core
import Crypto
import Foundation
import PassBuilder

/// What a tab's action may do: act for this user of this portal on this record, until it expires.
/// The tab lives in the portal's iframe on another site, where cookies are third-party (and
/// blocked), so each form carries this instead.
public struct PlacementClaims: Sendable, Hashable {
    public var memberID: String
    /// The portal's origin the tab may be framed by (checked when the tab opened).
    public var origin: String
    public var userID: Int64
    public var document: CRMDocument
    public var expiresAt: Date
    /// Unique per tab opened: a one-off action (texting the link) is done once per token.
    public var nonce: String

    public init(memberID: String, origin: String, userID: Int64, document: CRMDocument, expiresAt: Date, nonce: String) {
        self.memberID = memberID
        self.origin = origin
        self.userID = userID
        self.document = document
        self.expiresAt = expiresAt
        self.nonce = nonce
    }
}

/// Signs and checks ``PlacementClaims``: `base64url(JSON) "." base64url(HMAC-SHA256)` under a
/// key derived from the server secret for this use alone.
public struct PlacementTokens: Sendable {
    private let key: SymmetricKey
    static let label = "passline.bitrix24.placement.v1"

    public init(secret: [UInt8]) {
        key = SymmetricKey(data: KeyDerivation.derive(secret, label: Self.label))
    }

    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        case malformed
        case forged
        case expired
        public var description: String {
            switch self {
            case .malformed: "the action token is malformed"
            case .forged: "the action token is not this server's"
            case .expired: "the action token has expired: reopen the tab"
            }
        }
    }

    public func token(for claims: PlacementClaims) -> String {
        let payload = JSONValue.object([
            "m": .string(claims.memberID), "o": .string(claims.origin), "u": .integer(claims.userID), "d": .array(claims.document.parts.map(JSONValue.string)),
            "e": .integer(Int64(claims.expiresAt.timeIntervalSince1970)), "n": .string(claims.nonce),
        ]).serialized()
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return Base64URL.encode(payload) + "." + Base64URL.encode(Array(mac))
    }

    public func verify(_ token: String, now: Date = Date()) throws(Refusal) -> PlacementClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(String(parts[0])), let mac = Base64URL.decode(String(parts[1])) else { throw .malformed }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key) else { throw .forged }
        guard let json = try? JSONValue(parsing: payload), let member = json["m"]?.stringValue, let origin = json["o"]?.stringValue, case .integer(let user)? = json["u"],
              let document = try? CRMDocument(json["d"]?.arrayValue?.compactMap(\.stringValue) ?? []), case .integer(let expires)? = json["e"],
              let nonce = json["n"]?.stringValue
        else { throw .malformed }
        let claims = PlacementClaims(memberID: member, origin: origin, userID: user, document: document, expiresAt: Date(timeIntervalSince1970: TimeInterval(expires)), nonce: nonce)
        guard claims.expiresAt > now else { throw .expired }
        return claims
    }
}
