import Crypto
import Hummingbird
import Storage

/// Authenticates `Authorization: Bearer <token>`: the admin token (compared in constant time)
/// or an API key (looked up by the hash of its secret). Routes then require a scope.
struct APIAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let adminDigest: SHA256.Digest
    let keys: APIKeyStore

    init(adminToken: String, keys: APIKeyStore) {
        adminDigest = SHA256.hash(data: Array(adminToken.utf8))
        self.keys = keys
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, "Authorization: Bearer <token> is required")
        }
        let token = String(header.dropFirst(7))
        var context = context
        // Comparing digests keeps the comparison constant-time whatever the lengths.
        if SHA256.hash(data: Array(token.utf8)) == adminDigest {
            context.identity = .adminToken
        } else if let key = try await keys.authenticate(token) {
            context.identity = .key(id: key.id, scopes: key.scopes)
        } else {
            throw APIError(.unauthorized, "unknown or revoked token")
        }
        return try await next(request, context)
    }
}

/// Counts requests by route pattern and status (never the concrete path: serials are unbounded).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code)
            return response
        } catch let error as HTTPResponseError {
            metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: error.status.code)
            throw error
        } catch {
            metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: 500)
            throw error
        }
    }
}

/// Turns an unexpected error (anything that is not already an HTTP answer) into a logged
/// `application/problem+json` 500 that names an incident id, instead of Hummingbird's empty 500:
/// the client can quote the id, the log line with it says what failed.
struct UnexpectedErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPResponseError {
            throw error
        } catch {
            let incident = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            // The route pattern, not the path: paths carry serial numbers and tokens.
            context.logger.error("unexpected error", metadata: [
                "incident": .string(incident), "method": .string(request.method.rawValue),
                "route": .string(context.endpointPath ?? "unmatched"), "error": .string(String(reflecting: error)),
            ])
            throw APIError(.internalServerError, "an unexpected error occurred (incident \(incident)); it was logged")
        }
    }
}
