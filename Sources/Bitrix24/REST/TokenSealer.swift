import Core
import Crypto
import PassBuilder

/// Seals a portal's OAuth tokens for storage (AES-GCM under a key derived from the server
/// secret), so a copy of the database alone does not let anyone act as the app in the portal.
public struct TokenSealer: Sendable {
    /// The current secret's key first, then the earlier secrets': tokens sealed before a rotation
    /// still open (and are sealed again with the current key the next time they are renewed).
    private let keys: [SymmetricKey]

    /// The sub-key's label; changing it makes every stored token unreadable.
    static let label = "passline.bitrix24.tokens.v1"

    public init(secret: [UInt8]) {
        keys = [SymmetricKey(data: KeyDerivation.derive(secret, label: Self.label))]
    }

    /// Seals with the ring's current secret; opens with any of its secrets.
    public init(ring: SecretRing) {
        keys = ring.keys(label: Self.label)
    }

    public func seal(_ tokens: OAuthTokens) throws -> [UInt8] {
        let json = JSONValue.object([
            "access": .string(tokens.accessToken), "refresh": .string(tokens.refreshToken),
            "expires_in": .integer(Int64(tokens.expiresIn)), "endpoint": .string(tokens.clientEndpoint),
        ]).serialized()
        guard let combined = try AES.GCM.seal(json, using: keys[0]).combined else { throw SealError() }
        return Array(combined)
    }

    public func open(_ sealed: [UInt8]) throws -> OAuthTokens {
        let box = try AES.GCM.SealedBox(combined: sealed)
        guard let plain = keys.lazy.compactMap({ try? AES.GCM.open(box, using: $0) }).first else { throw SealError() }
        let json = try JSONValue(parsing: Array(plain))
        guard let access = json["access"]?.stringValue, let refresh = json["refresh"]?.stringValue, let endpoint = json["endpoint"]?.stringValue,
              case .integer(let expires)? = json["expires_in"] else { throw SealError() }
        return OAuthTokens(accessToken: access, refreshToken: refresh, expiresIn: Int(expires), clientEndpoint: endpoint)
    }

    public struct SealError: Error, CustomStringConvertible {
        public var description: String { "the stored Bitrix24 tokens cannot be read with this server's secret" }
    }
}
