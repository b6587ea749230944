import Crypto
import Hummingbird

/// Requires `Authorization: Bearer <admin token>` (compared in constant time).
struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokenDigest: SHA256.Digest

    init(token: String) {
        tokenDigest = SHA256.hash(data: Array(token.utf8))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, "Authorization: Bearer <token> is required")
        }
        // Comparing digests keeps the comparison constant-time whatever the lengths.
        let presented = SHA256.hash(data: Array(header.dropFirst(7).utf8))
        guard presented == tokenDigest else { throw APIError(.unauthorized, "wrong token") }
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
