import Core

/// What one Wallet API call came to, and so what the caller does next.
public enum GoogleCallOutcome: Sendable, Hashable {
    /// 2xx, with Google's answer (the resource as stored, JSON).
    case ok(body: [UInt8])
    /// 409: an insert of an id that exists. Update or patch it instead.
    case conflict
    /// 404: no class or object with that id.
    case notFound
    /// Transient: 408, 429, 5xx, no answer, or no token for now. Try again after a back-off.
    case retryLater(GoogleRetryReason)
    /// Final: sending the same call again gets the same answer. `status` is Google's (a second
    /// 401 included), nil when the call never reached the API (the token endpoint refused the
    /// service account, or the request could not be sent); `message` is one line from Google's
    /// error body (`STATUS: message`) or says what went wrong.
    case rejected(status: Int?, message: String)

    /// The decoded body of ``ok(body:)``; nil for other outcomes or a body that doesn't decode.
    public func decoded<T: Decodable>(_ type: T.Type) -> T? {
        guard case .ok(let body) = self else { return nil }
        return try? GoogleJSON.decode(type, from: body)
    }
}

/// Why a call is worth trying again.
public enum GoogleRetryReason: Sendable, Hashable, CustomStringConvertible {
    /// The API answered 408, 429 or 5xx; `message` as in ``GoogleCallOutcome/rejected(status:message:)``.
    case status(Int, message: String)
    /// No answer arrived.
    case transport(OutboundHTTPError)
    /// No access token for now (the token endpoint is unreachable or failing).
    case token(GoogleTokenError)

    /// `true` for 429: Google asks for a slower pace (or a quota, such as the notification limit, is spent).
    public var isRateLimited: Bool {
        if case .status(429, _) = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .status(let status, let message): "HTTP \(status): \(message)"
        case .transport(let error): error.description
        case .token(let error): error.description
        }
    }
}

extension GoogleCallOutcome {
    /// Classifies an API response (401 is handled before this, by renewing the token).
    init(_ response: OutboundResponse) {
        switch response.status {
        case 200..<300: self = .ok(body: response.body)
        case 404: self = .notFound
        case 409: self = .conflict
        case 408, 429, 500..<600: self = .retryLater(.status(response.status, message: Self.message(response)))
        default: self = .rejected(status: response.status, message: Self.message(response))
        }
    }

    /// `STATUS: message` from Google's error body
    /// (https://cloud.google.com/apis/design/errors#http_mapping), else `HTTP <status>`.
    static func message(_ response: OutboundResponse) -> String {
        struct Body: Decodable {
            struct Inner: Decodable {
                var code: Int?
                var message: String?
                var status: String?
            }
            var error: Inner
        }
        guard let error = try? GoogleJSON.decode(Body.self, from: response.body).error, error.message != nil || error.status != nil else {
            return "HTTP \(response.status)"
        }
        return oneLine([error.status, error.message].compactMap { $0 }.joined(separator: ": "), limit: 300)
    }
}
