import Core
import Foundation
import HTTPTypes
import OpenAPIRuntime
import PassBuilder
import Storage

/// `Idempotency-Key` on the operations that declare it: the same key and request replay the first
/// answer; the same key with another request is 409. The key's claim, the request's effect and the
/// stored answer commit in one transaction (``IdempotencyStore``), so a crash can't leave a key
/// claimed but unanswered: the retry replays what committed, or runs as if for the first time.
///
/// Refusals (4xx) are answers too, stored and replayed, except 429: a later retry may get past it.
/// A 5xx stores nothing. A broadcast keeps its key in its own row (it is answered before it runs).
struct IdempotencyMiddleware: ServerMiddleware {
    static let header = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    /// The operations whose document declares the header (checked by a test against openapi.json).
    static let operations: Set<String> = [
        Operations.CreateCard.id, Operations.CreateTransaction.id, Operations.CreateCardLink.id, Operations.SendCardLinkSms.id,
    ]

    let store: IdempotencyStore

    init(database: any Database) {
        store = IdempotencyStore(database: database)
    }

    /// How the operation ended: an answer to store, or a refusal that is an answer too.
    private enum Answer: Sendable {
        case response(HTTPResponse, [UInt8])
        case refused(APIError)
    }

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard Self.operations.contains(operationID), let header = request.headerFields[Self.header] else {
            return try await next(request, body, metadata)
        }
        guard let key = IdempotencyKey(header) else { throw APIError.badRequest(IdempotencyKey.rule, field: "Idempotency-Key") }
        guard let caller = APICaller.current, let fingerprint = caller.fingerprint else {
            throw APIError(.unauthorized, "Authorization: Bearer <token> is required")
        }
        // `once` runs the request inside its transaction and returns before this method does.
        let outcome = try await withoutActuallyEscaping(next) { next in
            try await store.once(scope: caller.identity.idempotencyScope, key: key.value, requestHash: fingerprint) {
                () -> (Answer, StoredResponse) in
                do {
                    let (response, responseBody) = try await next(request, body, metadata)
                    var answer: [UInt8] = []
                    if let responseBody { answer = try await [UInt8](collecting: responseBody, upTo: .max) }
                    return (.response(response, answer), StoredResponse(status: response.status.code, body: String(decoding: answer, as: UTF8.self)))
                } catch {
                    // A 429 is not stored: it propagates, the transaction rolls back, and a later retry runs.
                    guard let refusal = try? ProblemMiddleware.problem(for: error, request: request),
                          refusal.status.kind == .clientError, refusal.status != .tooManyRequests
                    else { throw error }
                    return (.refused(refusal), StoredResponse(status: refusal.status.code, body: String(decoding: refusal.json.serialized(), as: UTF8.self)))
                }
            }
        }
        switch outcome {
        case .executed(.response(let response, let answer)):
            return (response, HTTPBody(answer))
        case .executed(.refused(let error)):
            throw error
        case .replay(let stored):
            var fields: HTTPFields = [.contentType: stored.status >= 400 ? "application/problem+json" : "application/json"]
            fields[Self.replayed] = "true"
            return (HTTPResponse(status: .init(code: stored.status), headerFields: fields), HTTPBody(Array(stored.body.utf8)))
        case .mismatch:
            throw APIError(.conflict, "Idempotency-Key \(key) was used with a different request", field: "Idempotency-Key")
        case .abandoned:
            throw APIError(
                .conflict,
                "Idempotency-Key \(key) was claimed by an earlier Passline version that stopped before answering; whether it took effect is unknown: check, then retry with a new key",
                field: "Idempotency-Key")
        }
    }
}

extension APIError {
    /// The RFC 7807 body.
    var json: JSONValue {
        var body: [String: JSONValue] = [
            "type": .string("about:blank"), "title": .string(status.reasonPhrase), "status": .integer(Int64(status.code)), "detail": .string(detail),
        ]
        if let field { body["field"] = .string(field) }
        return .object(body)
    }
}
