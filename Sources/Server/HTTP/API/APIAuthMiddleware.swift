import Crypto
import HTTPTypes
import OpenAPIRuntime
import Storage

/// Authenticates `Authorization: Bearer <token>` for every `/api/v1` operation: the admin token
/// (compared as digests, so in constant time whatever the lengths) or an API key (looked up by
/// the hash of its secret); then checks the operation's scope (``OperationScopes``), before the
/// body is read.
struct APIAuthMiddleware: ServerMiddleware {
    let adminDigest: SHA256.Digest
    let keys: APIKeyStore

    init(adminToken: String, keys: APIKeyStore) {
        adminDigest = SHA256.hash(data: Array(adminToken.utf8))
        self.keys = keys
    }

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let identity = try await authenticate(request.headerFields[.authorization])
        let scope = OperationScopes.required(for: operationID)
        guard identity.allows(scope) else { throw APIError(.forbidden, "this key lacks the \(scope.rawValue) scope") }
        return try await APICaller.$current.withValue(APICaller(identity: identity)) {
            try await next(request, body, metadata)
        }
    }

    func authenticate(_ header: String?) async throws -> APIIdentity {
        guard let header, header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, "Authorization: Bearer <token> is required")
        }
        let token = String(header.dropFirst(7))
        if SHA256.hash(data: Array(token.utf8)) == adminDigest { return .adminToken }
        if let key = try await keys.authenticate(token) { return .key(id: key.id, scopes: key.scopes) }
        throw APIError(.unauthorized, "unknown or revoked token")
    }
}
