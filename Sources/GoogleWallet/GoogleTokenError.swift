import Core

/// Why no access token could be had.
public enum GoogleTokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The JWT assertion could not be made.
    case assertion(GoogleJWTError)
    /// No answer from the token endpoint.
    case transport(OutboundHTTPError)
    /// 429 or 5xx from the token endpoint.
    case unavailable(status: Int)
    /// Any other non-2xx: the grant was refused (`invalid_grant` for a revoked key, a wrong
    /// clock or audience; `invalid_scope`…). Our configuration is wrong; trying again won't help.
    case refused(status: Int, error: String)
    /// A 2xx without a usable `access_token` and `expires_in`.
    case malformedResponse

    /// Whether the same fetch may succeed later.
    public var isRetryable: Bool {
        switch self {
        case .transport(let error): error.isRetryable
        case .unavailable, .malformedResponse: true
        case .assertion, .refused: false
        }
    }

    public var description: String {
        switch self {
        case .assertion(let error): "cannot make the token request: \(error)"
        case .transport(let error): "token endpoint: \(error)"
        case .unavailable(let status): "token endpoint: HTTP \(status)"
        case .refused(let status, let error): "token endpoint refused the service account (HTTP \(status)): \(error)"
        case .malformedResponse: "token endpoint: the answer has no access_token and expires_in"
        }
    }
}
