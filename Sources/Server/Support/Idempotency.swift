import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import PassBuilder
import Registry

/// `Idempotency-Key` on POST: the same key and body replay the first response; the same key with
/// another body is 409. The key is claimed before executing, so concurrent retries execute once.
struct Idempotency: Sendable {
    static let header = HTTPField.Name("Idempotency-Key")!
    let ledger: LedgerStore

    /// Runs `execute` at most once per (caller, key, body) and returns its JSON response.
    func run(
        _ request: Request, context: AppRequestContext, body: [UInt8], identity: APIIdentity,
        execute: () async throws -> (HTTPResponse.Status, JSONValue)
    ) async throws -> Response {
        guard let key = request.headers[Self.header] else {
            let (status, json) = try await execute()
            return .json(json, status: status)
        }
        guard (1...255).contains(key.utf8.count), key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x21 && $0.value < 0x7F }) else {
            throw APIError.badRequest("Idempotency-Key must be 1–255 visible ASCII characters", field: "Idempotency-Key")
        }
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hasher.update(data: body)
        let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let scope = identity.idempotencyScope
        switch try await ledger.claim(scope: scope, key: key, requestHash: hash) {
        case .replay(let stored):
            var response = Response.json(try JSONValue(parsing: Array(stored.body.utf8)), status: HTTPResponse.Status(code: stored.status))
            response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
            if stored.status >= 400 { response.headers[.contentType] = "application/problem+json" }
            return response
        case .mismatch:
            throw APIError(.conflict, "Idempotency-Key \(key) was used with a different request", field: "Idempotency-Key")
        case .inProgress:
            throw APIError(.conflict, "a request with Idempotency-Key \(key) is still being processed; retry later", field: "Idempotency-Key")
        case .claimed:
            do {
                let (status, json) = try await execute()
                try await ledger.complete(scope: scope, key: key, StoredResponse(requestHash: hash, status: Int(status.code), body: String(decoding: json.serialized(), as: UTF8.self)))
                return .json(json, status: status)
            } catch let error as APIError where error.status.code < 500 {
                // A refusal is an answer too: the same request gets the same refusal.
                try await ledger.complete(scope: scope, key: key, StoredResponse(requestHash: hash, status: Int(error.status.code), body: String(decoding: error.json.serialized(), as: UTF8.self)))
                throw error
            } catch {
                try? await ledger.release(scope: scope, key: key)
                throw error
            }
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
