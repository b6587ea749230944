import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Writes the documented response headers as plain text. The generated serializer writes a string
/// header with URI percent-encoding (`Location: %2Fapi%2Fv1%2Fbroadcasts%2F1`), which no client
/// reads back; these headers are never percent-encoded text, so decoding them restores the value.
struct PlainHeadersMiddleware: ServerMiddleware {
    static let names: [HTTPField.Name] = [.location, .lastModified, .contentDisposition]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var (response, responseBody) = try await next(request, body, metadata)
        for name in Self.names {
            if let value = response.headerFields[name], let plain = value.removingPercentEncoding { response.headerFields[name] = plain }
        }
        return (response, responseBody)
    }
}
