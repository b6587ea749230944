import Core
import HTTPTypes
import OpenAPIRuntime

/// Reads a request body whole, up to a limit (413 past it), and records the request's
/// fingerprint (method, path and body) for idempotency.
struct BodyLimitMiddleware: ServerMiddleware {
    let maxBodyBytes: Int
    /// Operations that take more than the general limit (a broadcast's CSV of phones).
    let overrides: [String: Int]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let limit = overrides[operationID].map { max($0, maxBodyBytes) } ?? maxBodyBytes
        var bytes: [UInt8] = []
        if let body {
            do { bytes = try await [UInt8](collecting: body, upTo: limit) } catch {
                throw APIError(.contentTooLarge, "the request body is larger than \(limit) bytes")
            }
        }
        var caller = APICaller.current
        caller?.fingerprint = IdempotencyKey.fingerprint(method: request.method.rawValue, path: Self.pathWithoutQuery(request.path), body: bytes)
        // An empty (or blank) body is no body: optional bodies take their defaults, required ones are 400.
        let blank = bytes.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        let collected = blank ? nil : HTTPBody(bytes)
        return try await APICaller.$current.withValue(caller) {
            try await next(request, collected, metadata)
        }
    }

    /// The path as the fingerprint has always used it: without the query.
    static func pathWithoutQuery(_ path: String?) -> String {
        guard let path else { return "" }
        return path.firstIndex(of: "?").map { String(path[..<$0]) } ?? path
    }
}
