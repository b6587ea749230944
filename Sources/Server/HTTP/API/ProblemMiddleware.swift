import Foundation
import HTTPTypes
import OpenAPIRuntime
import PassBuilder

/// The outermost `/api/v1` middleware: every refusal becomes an RFC 7807 `application/problem+json`
/// answer that names the field at fault. A request the generated decoder refuses is 400 when it is
/// not JSON (or a query parameter is wrong) and 422 naming the field when a value is missing or of
/// the wrong type. Anything else is rethrown unwrapped, so the server's 500 handler logs the cause
/// itself, never the request (its headers hold the bearer token).
struct ProblemMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch {
            let problem = try Self.problem(for: error, request: request)
            return (HTTPResponse(status: problem.status, headerFields: problem.headers), HTTPBody(problem.json.serialized()))
        }
    }

    /// The API error an error stands for; rethrows errors that are not the client's.
    static func problem(for error: any Error, request: HTTPRequest) throws -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as ServerError:
            if error.operationInput == nil, error.httpStatus.kind == .clientError {
                return refusal(error, request: request)
            }
            return try problem(for: error.underlyingError, request: request)
        default:
            throw error
        }
    }

    /// A request the generated code refused before the handler ran.
    static func refusal(_ error: ServerError, request: HTTPRequest) -> APIError {
        guard let decoding = error.underlyingError as? DecodingError else {
            if error.causeDescription == "Missing required request body" { return APIError.badRequest("a JSON object body is required") }
            return APIError(error.httpStatus, error.causeDescription)
        }
        // Only GET operations take query parameters; the others' decoding errors are the body's.
        if request.method == .get {
            let field = PassTemplate.field(decoding)
            return APIError(.badRequest, PassTemplate.describe(decoding), field: field.isEmpty ? nil : field)
        }
        let field = PassTemplate.field(decoding)
        if field.isEmpty {
            // Not JSON, or not an object: the request's form, not a field's value.
            return APIError(.badRequest, "malformed JSON: the body must be a JSON object (\(PassTemplate.describe(decoding)))")
        }
        return APIError(.unprocessableContent, PassTemplate.describe(decoding), field: field)
    }
}

