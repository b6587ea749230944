import Core
import Foundation
import HTTPTypes
import Hummingbird
import PassBuilder
import Storage

/// `Idempotency-Key` on POST: the same key and body replay the first response; the same key with
/// another body is 409. The key's claim, the request's effect and the stored response commit in
/// one transaction (``IdempotencyStore``), so a crash can't leave a key claimed but unanswered:
/// the retry replays what committed, or runs as if for the first time.
struct Idempotency: Sendable {
    static let header = HTTPField.Name("Idempotency-Key")!
    let store: IdempotencyStore

    init(database: any Database) {
        store = IdempotencyStore(database: database)
    }

    /// How `execute` ended: a response, or a refusal that is an answer too (the same request
    /// gets the same refusal; a 429 is not final, so it is not stored).
    private enum Answer: Sendable {
        case response(HTTPResponse.Status, JSONValue)
        case refused(APIError)
    }

    /// Runs `execute` at most once per (caller, key, body) and returns its JSON response.
    /// `execute` runs inside the key's transaction: every store it calls joins it.
    func run(
        _ request: Request, context: AppRequestContext, body: [UInt8], identity: APIIdentity,
        execute: @escaping @Sendable () async throws -> (HTTPResponse.Status, JSONValue)
    ) async throws -> Response {
        guard let header = request.headers[Self.header] else {
            let (status, json) = try await execute()
            return .json(json, status: status)
        }
        guard let key = IdempotencyKey(header) else {
            throw APIError.badRequest(IdempotencyKey.rule, field: "Idempotency-Key")
        }
        let hash = IdempotencyKey.fingerprint(method: request.method.rawValue, path: request.uri.path, body: body)
        let outcome = try await store.once(scope: identity.idempotencyScope, key: key.value, requestHash: hash) { () -> (Answer, StoredResponse) in
            do {
                let (status, json) = try await execute()
                return (.response(status, json), StoredResponse(status: Int(status.code), body: String(decoding: json.serialized(), as: UTF8.self)))
            } catch let error as APIError where error.status.code < 500 && error.status != .tooManyRequests {
                // A 429 is not stored: it propagates, the transaction rolls back, and a later retry runs.
                return (.refused(error), StoredResponse(status: Int(error.status.code), body: String(decoding: error.json.serialized(), as: UTF8.self)))
            }
        }
        switch outcome {
        case .executed(.response(let status, let json)):
            return .json(json, status: status)
        case .executed(.refused(let error)):
            throw error
        case .replay(let stored):
            var response = Response.json(try JSONValue(parsing: Array(stored.body.utf8)), status: HTTPResponse.Status(code: stored.status))
            response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
            if stored.status >= 400 { response.headers[.contentType] = "application/problem+json" }
            return response
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
    var json: JSONValue {
        var body: [String: JSONValue] = [
            "type": .string("about:blank"), "title": .string(status.reasonPhrase), "status": .integer(Int64(status.code)), "detail": .string(detail),
        ]
        if let field { body["field"] = .string(field) }
        return .object(body)
    }
}
