import Foundation
import Hummingbird
import PassBuilder

/// A client error answered as RFC 7807 `application/problem+json`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var detail: String
    /// The request field or path segment at fault, if one is.
    public var field: String?

    public init(_ status: HTTPResponse.Status, _ detail: String, field: String? = nil) {
        self.status = status
        self.detail = detail
        self.field = field
    }

    public var headers: HTTPFields { [.contentType: "application/problem+json"] }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.serialized())))
    }

    static func badRequest(_ detail: String, field: String? = nil) -> APIError { APIError(.badRequest, detail, field: field) }
    static func notFound(_ detail: String) -> APIError { APIError(.notFound, detail) }
    static func unprocessable(_ detail: String, field: String? = nil) -> APIError { APIError(.unprocessableContent, detail, field: field) }
}

extension Request {
    /// The body parsed as a JSON object, with size limit and clear errors.
    func jsonObject(limit: Int) async throws -> [String: JSONValue] {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "the request body is larger than \(limit) bytes")
        }
        return try Self.parseObject(Array(buffer.readableBytesView))
    }

    static func parseObject(_ bytes: [UInt8]) throws -> [String: JSONValue] {
        guard !bytes.isEmpty else { throw APIError.badRequest("a JSON object body is required") }
        do {
            guard case .object(let o) = try JSONValue(parsing: bytes) else { throw APIError.badRequest("the body must be a JSON object") }
            return o
        } catch let error as JSONParseError {
            throw APIError.badRequest("malformed JSON: \(error)")
        }
    }
}

extension Response {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }
}
