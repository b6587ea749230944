import Core
import Crypto
import Foundation

/// Checks `authorization: bearer <JWT>` provider tokens, per connection, as APNs does in token mode.
///
/// - missing header or no bearer token: 403 `MissingProviderToken`;
/// - not a JWT, header without `alg: ES256` or `kid`, claims without `iss` or a numeric `iat`, or (when a key is
///   configured) a signature that does not verify: 403 `InvalidProviderToken`;
/// - `iat` more than an hour ago: 403 `ExpiredProviderToken`.
///
/// The last valid token is remembered, so a connection reusing one token (as Apple asks) pays for one signature check.
struct ProviderTokenCheck {
    /// Tokens older than this are expired (Apple: "more than one hour old").
    static let lifetimeSeconds: Int64 = 3600

    let publicKey: P256.Signing.PublicKey?
    /// The whole `authorization` value last found valid, and its `iat`.
    private var lastValid: (authorization: String, issuedAt: Int64)?

    init(publicKey: P256.Signing.PublicKey?) {
        self.publicKey = publicKey
    }

    mutating func check(authorization: String?, nowSeconds: Int64) -> MockRejection? {
        guard let authorization else {
            return MockRejection(403, "MissingProviderToken", "authorization header is missing (token authentication)")
        }
        let issuedAt: Int64
        if let lastValid, lastValid.authorization == authorization {
            // The common case: a connection reusing its token. No parsing, just its age.
            issuedAt = lastValid.issuedAt
        } else {
            let utf8 = authorization.utf8
            guard utf8.count > 7, utf8.prefix(7).elementsEqual("bearer ".utf8, by: { $0 | 0x20 == $1 | 0x20 }) else {
                return MockRejection(403, "MissingProviderToken", "authorization is not 'bearer <token>'")
            }
            switch validate(authorization.dropFirst(7)) {
            case .failure(let rejection): return rejection
            case .success(let iat): issuedAt = iat
            }
            lastValid = (authorization, issuedAt)
        }
        if nowSeconds - issuedAt > Self.lifetimeSeconds {
            return MockRejection(403, "ExpiredProviderToken", "provider token was issued \(nowSeconds - issuedAt) s ago (more than an hour)")
        }
        return nil
    }

    /// Parses and (with a key) verifies one JWT; returns its `iat`.
    private func validate(_ token: Substring) -> Result<Int64, MockRejection> {
        func invalid(_ problem: String) -> Result<Int64, MockRejection> {
            .failure(MockRejection(403, "InvalidProviderToken", "provider token \(problem)"))
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerBytes = Base64URL.decode(parts[0]),
              let claimsBytes = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2])
        else { return invalid("is not three base64url parts") }
        guard let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any],
              let claims = (try? JSONSerialization.jsonObject(with: Data(claimsBytes))) as? [String: Any]
        else { return invalid("header or claims are not JSON objects") }
        guard header["alg"] as? String == "ES256" else { return invalid("header alg is not ES256") }
        guard let kid = header["kid"] as? String, !kid.isEmpty else { return invalid("header has no kid") }
        guard let iss = claims["iss"] as? String, !iss.isEmpty else { return invalid("claims have no iss") }
        guard let iat = (claims["iat"] as? NSNumber)?.int64Value else { return invalid("claims have no numeric iat") }
        if let publicKey {
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else {
                return invalid("signature is not a 64-byte ES256 signature")
            }
            let signingInput = Data(token[..<parts[1].endIndex].utf8)
            guard publicKey.isValidSignature(ecdsa, for: signingInput) else {
                return invalid("signature does not verify with the configured key")
            }
        }
        return .success(iat)
    }
}
