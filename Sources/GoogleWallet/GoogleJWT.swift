import Core
import Foundation

/// Compact JWS with RS256, as Google's OAuth token endpoint and save links take them
/// (https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests,
/// https://developers.google.com/wallet/reference/rest/v1/Jwt).
public enum GoogleJWT {
    struct Header: Encodable {
        var alg = "RS256"
        var typ = "JWT"
        var kid: String
    }

    /// `header.claims.signature`, each part unpadded base64url; the header names the account's
    /// key id as `kid`.
    public static func sign(_ claims: some Encodable, with account: GoogleServiceAccount) throws(GoogleJWTError) -> String {
        let header: [UInt8], body: [UInt8]
        do {
            header = try GoogleJSON.encode(Header(kid: account.privateKeyID))
            body = try GoogleJSON.encode(claims)
        } catch {
            throw .unencodableClaims
        }
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(body)
        let signature: [UInt8]
        do {
            signature = try account.sign(Array(signingInput.utf8))
        } catch {
            throw .signingFailed
        }
        return signingInput + "." + Base64URL.encode(signature)
    }
}

/// Why a JWT could not be made (never for a well-formed account and claims).
public enum GoogleJWTError: Error, Sendable, Hashable, CustomStringConvertible {
    case unencodableClaims
    case signingFailed

    public var description: String {
        switch self {
        case .unencodableClaims: "the JWT's claims cannot be encoded as JSON"
        case .signingFailed: "the service account's key could not sign the JWT"
        }
    }
}
