import Core
import Foundation

/// Access tokens for the Wallet API from a service account, by OAuth 2.0's JWT-bearer grant
/// (https://developers.google.com/identity/protocols/oauth2/service-account#httprest): a signed
/// assertion is exchanged at the token endpoint for a bearer token valid about an hour.
///
/// A token is reused until five minutes before it expires (half its lifetime, for a short one), so
/// a burst of calls costs one exchange; callers arriving while one is under way wait for it
/// rather than start their own. After a 401, ``invalidate(_:)`` drops the token so the next
/// caller fetches a fresh one.
public actor GoogleAccessTokens {
    /// The scope of the Wallet API (https://developers.google.com/wallet/retail/loyalty-cards/use-cases/auth).
    public static let scope = "https://www.googleapis.com/auth/wallet_object.issuer"
    /// Seconds before expiry at which a token is renewed.
    static let renewalMargin: Double = 300

    let account: GoogleServiceAccount
    let tokenURL: String
    let send: GoogleSend
    let timeout: Duration
    let now: @Sendable () -> Date
    private var cached: GoogleAccessToken?
    private var inFlight: Task<Result<GoogleAccessToken, GoogleTokenError>, Never>?

    /// - Parameters:
    ///   - tokenURL: the endpoint and the assertion's `aud`.
    ///   - now: the clock for the assertion's `iat` and the token's renewal.
    public init(
        account: GoogleServiceAccount, tokenURL: String, send: @escaping GoogleSend, timeout: Duration = .seconds(30),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.account = account
        self.tokenURL = tokenURL
        self.send = send
        self.timeout = timeout
        self.now = now
    }

    /// A token that is not stale, fetched if needed.
    public func token() async throws(GoogleTokenError) -> GoogleAccessToken {
        if let cached, now() < cached.renewAt { return cached }
        let task: Task<Result<GoogleAccessToken, GoogleTokenError>, Never>
        if let inFlight {
            task = inFlight
        } else {
            task = Task { await self.fetch() }
            inFlight = task
        }
        let result = await task.value
        // Only the first waiter to resume clears it; a newer fetch is left alone.
        if inFlight == task { inFlight = nil }
        let token = try result.get()
        cached = token
        return token
    }

    /// Forgets `token` (Google answered 401 to it); a newer token is kept.
    public func invalidate(_ token: GoogleAccessToken) {
        if cached?.value == token.value { cached = nil }
    }

    private func fetch() async -> Result<GoogleAccessToken, GoogleTokenError> {
        let issued = now()
        let iat = Int64(issued.timeIntervalSince1970.rounded(.down))
        let claims = Claims(iss: account.clientEmail, scope: Self.scope, aud: tokenURL, iat: iat, exp: iat + 3600)
        let assertion: String
        do {
            assertion = try GoogleJWT.sign(claims, with: account)
        } catch {
            return .failure(.assertion(error))
        }
        let request = OutboundRequest(
            method: "POST", url: tokenURL, headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: FormBody.encode([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)]), timeout: timeout)
        let response: OutboundResponse
        do {
            response = try await send(request)
        } catch let error as OutboundHTTPError {
            return .failure(.transport(error))
        } catch {
            return .failure(.transport(.transport("the sender failed: \(type(of: error))")))
        }
        switch response.status {
        case 200..<300:
            guard let answer = try? GoogleJSON.decode(Answer.self, from: response.body), !answer.access_token.isEmpty, answer.expires_in > 0 else {
                return .failure(.malformedResponse)
            }
            let lifetime = Double(answer.expires_in)
            let margin = min(Self.renewalMargin, lifetime / 2)
            return .success(GoogleAccessToken(value: answer.access_token, renewAt: issued.addingTimeInterval(lifetime - margin)))
        case 408, 429, 500..<600:
            return .failure(.unavailable(status: response.status))
        default:
            return .failure(.refused(status: response.status, error: Self.describeError(response.body)))
        }
    }

    /// `error: error_description` of an OAuth error answer (RFC 6749 §5.2), one line.
    static func describeError(_ body: [UInt8]) -> String {
        struct OAuthError: Decodable {
            var error: String
            var error_description: String?
        }
        guard let e = try? GoogleJSON.decode(OAuthError.self, from: body) else { return "no OAuth error in the answer" }
        return oneLine(e.error_description.map { "\(e.error): \($0)" } ?? e.error)
    }

    struct Claims: Encodable {
        var iss: String
        var scope: String
        var aud: String
        var iat: Int64
        var exp: Int64
    }

    struct Answer: Decodable {
        var access_token: String
        var expires_in: Int
    }
}
