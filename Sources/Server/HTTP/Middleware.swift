import Hummingbird
import OpenAPIRuntime

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
            // The generated API wraps errors in `ServerError`, whose description holds the whole
            // request, bearer token included: log only the cause.
            var cause: any Error = error
            while let wrapped = cause as? ServerError { cause = wrapped.underlyingError }
            // The route pattern, not the path: paths carry serial numbers and tokens.
            context.logger.error("unexpected error", metadata: [
                "incident": .string(incident), "method": .string(request.method.rawValue),
                "route": .string(context.endpointPath ?? "unmatched"), "error": .string(String(reflecting: cause)),
            ])
            throw APIError(.internalServerError, "an unexpected error occurred (incident \(incident)); it was logged")
        }
    }
}
