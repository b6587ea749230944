import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// Every path parameter of an `/api/v1` operation passes the rule the web service's segments
/// pass (``Parameters/segment(_:)``: 1–255 bytes, no control characters, `/`, `\` or `..`;
/// otherwise 400 naming it), before the handler stores or echoes it.
struct PathSegmentsMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        for (name, raw) in metadata.pathParameters.sorted(by: { $0.key < $1.key }) {
            _ = try Parameters.segment(name, raw: raw)
        }
        return try await next(request, body, metadata)
    }
}
