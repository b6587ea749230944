import Core
import Foundation
import HTTPTypes
import Hummingbird
import PassBuilder
import Storage

/// `/api/v1/broadcasts`: promotions to many cards at once (scope `admin`).
struct BroadcastRoutes: Sendable {
    typealias Context = AppRequestContext
    let loyalty: LoyaltyService
    let broadcasts: BroadcastRunner
    let maxBodyBytes: Int

    /// A CSV of phones can be large: this route takes up to 16 MiB (≈ a million phones) whatever the general limit.
    static let maxBroadcastBody = 16 * 1024 * 1024

    func register(on router: some RouterMethods<Context>) {
        router.post("broadcasts", use: create)
        router.get("broadcasts/:id", use: show)
        router.post("broadcasts/:id/cancel", use: cancel)
    }

    static func describe(_ b: BroadcastRecord) -> JSONValue {
        func date(_ d: Date?) -> JSONValue { d.map { .string($0.formatted(.iso8601)) } ?? .null }
        return .object([
            "id": .integer(b.id), "state": .string(b.state.rawValue),
            "message": .object(b.messages.mapValues(JSONValue.string)), "promo": .string(b.promo), "points": .integer(b.points),
            "audience": b.audience,
            "targetedCards": .integer(b.targetedCards), "targetedHouseholds": .integer(b.targetedHouseholds), "unmatched": .integer(b.unmatched),
            "householdsDone": .integer(b.householdsDone), "percent": .number((b.percent * 10).rounded() / 10),
            "householdsGranted": .integer(b.householdsGranted), "cardsUpdated": .integer(b.cardsUpdated),
            "pushesRecorded": .integer(b.pushesRecorded), "pushesSent": .integer(b.pushesSent), "pushesFailed": .integer(b.pushesFailed),
            "fetched": .integer(b.fetched), "error": b.error.map(JSONValue.string) ?? .null,
            "createdAt": date(b.createdAt), "startedAt": date(b.startedAt), "finishedAt": date(b.finishedAt),
        ])
    }

    func id(_ context: Context) throws -> Int64 {
        let raw = try context.parameters.segment("id")
        guard let id = Int64(raw), id > 0 else { throw APIError.notFound("no broadcast \(raw)") }
        return id
    }

    static func accepted(_ b: BroadcastRecord, replayed: Bool) -> Response {
        var response = Response.json(describe(b), status: .accepted)
        response.headers[.location] = "/api/v1/broadcasts/\(b.id)"
        if replayed { response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return response
    }

    // MARK: handlers

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.require(.admin)
        let (bytes, body) = try await request.jsonBody(limit: max(maxBodyBytes, Self.maxBroadcastBody))
        let template = try loyalty.cardTemplate()
        var parsed = try BroadcastRequest(body, program: loyalty.program, languages: BroadcastMessage.languages(of: template))
        if let header = request.headers[Idempotency.header] {
            guard IdempotencyKey(header) != nil else {
                throw APIError.badRequest(IdempotencyKey.rule, field: "Idempotency-Key")
            }
            if let inBody = parsed.idempotencyKey, inBody != header {
                throw APIError.badRequest("the Idempotency-Key header and idempotencyKey differ", field: "Idempotency-Key")
            }
            parsed.idempotencyKey = header
        }
        if let key = parsed.idempotencyKey {
            // Keys are per caller, like every Idempotency-Key of the API.
            parsed.broadcast.idempotencyKey = "\(identity.idempotencyScope) \(key)"
            // The fingerprint every idempotent route uses (method, path and body), so a key means
            // the same here as on the rest of the API.
            parsed.broadcast.requestHash = IdempotencyKey.fingerprint(method: request.method.rawValue, path: request.uri.path, body: bytes)
        }
        switch try await broadcasts.create(parsed.broadcast) {
        case .created(let b):
            return Self.accepted(b, replayed: false)
        case .replayed(let b):
            return Self.accepted(b, replayed: true)
        case .keyMismatch:
            throw APIError(.conflict, "Idempotency-Key \(parsed.idempotencyKey ?? "") was used with a different request", field: "Idempotency-Key")
        case .emptyAudience(let unmatched):
            throw APIError.unprocessable(
                "the audience is empty: no household with an active card matches\(unmatched > 0 ? " (\(unmatched) listed entries matched nothing)" : "")",
                field: "audience")
        }
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.admin)
        let id = try id(context)
        guard let b = try await broadcasts.broadcast(id: id) else { throw APIError.notFound("no broadcast \(id)") }
        return .json(Self.describe(b))
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> Response {
        _ = try context.require(.admin)
        let id = try id(context)
        switch try await broadcasts.cancel(id: id) {
        case .cancelled(let b): return .json(Self.describe(b))
        case .final(let b): throw APIError(.conflict, "broadcast \(id) is already \(b.state.rawValue)")
        case .notFound: throw APIError.notFound("no broadcast \(id)")
        }
    }
}
