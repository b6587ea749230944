import Core
import Crypto
import Foundation
import _CryptoExtras

extension MockWallet {
    static let walletScope = "https://www.googleapis.com/auth/wallet_object.issuer"
    static let jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    /// `POST /token`: the JWT-bearer grant. Checks the assertion as Google does — RS256 signature
    /// by a registered account (and its `kid`), `aud`, a lifetime of at most an hour around `now`,
    /// the Wallet scope — and answers `{"access_token","expires_in","token_type":"Bearer"}`.
    public mutating func token(form body: [UInt8], now: Double) -> MockReply {
        record(.token)
        if down { return .unavailable }
        if !tokenFaults.isEmpty { return Self.fault(tokenFaults.removeFirst()) }
        guard let form = FormBody(body) else { return .oauthError(400, "invalid_request", "The request body is not form-encoded.") }
        guard form["grant_type"] == Self.jwtBearer else {
            return .oauthError(400, "unsupported_grant_type", "Invalid grant_type: \(form["grant_type"] ?? "")")
        }
        guard let assertion = form["assertion"] else { return .oauthError(400, "invalid_request", "Missing required parameter: assertion") }
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let claimBytes = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]), let header = MockJSON(parsing: headerBytes), let claims = MockJSON(parsing: claimBytes)
        else {
            return .oauthError(400, "invalid_grant", "Invalid JWT: the assertion is not a compact JWS.")
        }
        guard header["alg"]?.stringValue == "RS256" else { return .oauthError(400, "invalid_grant", "Invalid JWT: alg must be RS256.") }
        guard let iss = claims["iss"]?.stringValue, let account = serviceAccounts[iss] else {
            return .oauthError(400, "invalid_grant", "Invalid grant: account not found")
        }
        let signingInput = Array(assertion.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let kidMatches = header["kid"].map { $0.stringValue == account.keyID } ?? true
        guard kidMatches, account.publicKey.isValidSignature(.init(rawRepresentation: signature), for: signingInput, padding: .insecurePKCS1v1_5) else {
            return .oauthError(400, "invalid_grant", "Invalid JWT Signature.")
        }
        guard let aud = claims["aud"]?.stringValue, tokenAudiences.contains(aud) else {
            return .oauthError(400, "invalid_grant", "Invalid JWT: Failed audience check.")
        }
        guard let iat = claims["iat"]?.intValue, let exp = claims["exp"]?.intValue, exp > iat, exp - iat <= 3600,
              Double(iat) <= now + 60, Double(exp) > now
        else {
            return .oauthError(
                400, "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
        }
        let scopes = (claims["scope"]?.stringValue ?? "").split(separator: " ").map(String.init)
        guard scopes.contains(Self.walletScope) else { return .oauthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.") }

        tokenSerial += 1
        let token = "ya29.mock-\(tokenSerial)-" + Hex.encode((0..<12).map { _ in UInt8.random(in: 0...255) })
        tokens[token] = now + tokenLifetime
        return MockReply(status: 200, body: .object([
            "access_token": .string(token), "expires_in": .int(Int64(tokenLifetime)), "token_type": .string("Bearer"),
        ]))
    }

    /// Whether `authorization` carries an access token valid at `now`.
    func authorized(_ authorization: String?, now: Double) -> Bool {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
        return tokens[String(authorization.dropFirst(7))].map { $0 > now } ?? false
    }

    static func fault(_ status: Int) -> MockReply {
        switch status {
        case 429: .rateLimited
        case 503: .unavailable
        default: .googleError(status, "INTERNAL", "Injected fault.", reason: "backendError")
        }
    }
}
