import Core
import Crypto
import Foundation

/// Makes APNs provider tokens (ES256 JWTs) for clients of a token-mode ``MockAPNs``: tests, and tools such as `h2load`
/// that take a fixed `authorization` header.
public enum MockProviderToken {
    /// `header.claims.signature` with header `{"alg":"ES256","kid":keyID}` and claims `{"iss":teamID,"iat":issuedAt}`.
    public static func make(privateKey: P256.Signing.PrivateKey, keyID: String, teamID: String, issuedAt: Date = Date()) throws -> String {
        let header = try JSONSerialization.data(withJSONObject: ["alg": "ES256", "kid": keyID], options: [.sortedKeys])
        let claims = try JSONSerialization.data(
            withJSONObject: ["iss": teamID, "iat": Int64(issuedAt.timeIntervalSince1970)] as [String: Any], options: [.sortedKeys])
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(claims)
        let signature = try privateKey.signature(for: Data(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }
}
