/// One answer of the mock: status, JSON body and any extra headers.
public struct MockReply: Sendable, Hashable {
    public var status: Int
    public var body: MockJSON
    public var headers: [String: String]

    public init(status: Int, body: MockJSON, headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    /// Google's error shape (https://cloud.google.com/apis/design/errors#http_mapping):
    /// `{"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}`.
    static func googleError(_ code: Int, _ status: String, _ message: String, reason: String) -> MockReply {
        MockReply(status: code, body: .object([
            "error": .object([
                "code": .int(Int64(code)), "message": .string(message), "status": .string(status),
                "errors": .array([.object(["message": .string(message), "domain": .string("global"), "reason": .string(reason)])]),
            ])
        ]))
    }

    /// An OAuth token endpoint error (RFC 6749 §5.2).
    static func oauthError(_ code: Int, _ error: String, _ description: String) -> MockReply {
        MockReply(status: code, body: .object(["error": .string(error), "error_description": .string(description)]))
    }

    static func invalidArgument(_ message: String) -> MockReply { googleError(400, "INVALID_ARGUMENT", message, reason: "invalid") }
    static func notFound(_ id: String) -> MockReply { googleError(404, "NOT_FOUND", "Resource not found: \(id)", reason: "resourceNotFound") }
    static let unauthenticated = MockReply(
        status: 401,
        body: googleError(
            401, "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            reason: "authError").body,
        headers: ["WWW-Authenticate": #"Bearer realm="https://accounts.google.com/", error="invalid_token""#])
    static let unavailable = googleError(503, "UNAVAILABLE", "The service is currently unavailable.", reason: "backendError")
    static let rateLimited = googleError(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests'.", reason: "rateLimitExceeded")
}
