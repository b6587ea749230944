import Core
import Foundation
import PassBuilder
import Storage

/// The body of `POST /api/v1/broadcasts` as a JSON object: its `oneOf` message and audience are
/// read by ``BroadcastRequest``, which names the exact field at fault (`audience.tiers`), where a
/// generated `oneOf` decoder could only say that no alternative matched.
struct BroadcastCreateBody: Codable, Hashable, Sendable {
    var object: [String: JSONValue]

    init(from decoder: any Decoder) throws {
        object = try decoder.singleValueContainer().decode([String: JSONValue].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(object)
    }
}

/// `/api/v1/broadcasts`: promotions to many cards at once (scope `admin`).
enum BroadcastsAPI {
    /// A CSV of phones can be large: this operation takes up to 16 MiB (≈ a million phones) whatever the general limit.
    static let maxBody = 16 * 1024 * 1024

    static func view(_ b: BroadcastRecord) -> Components.Schemas.Broadcast {
        Components.Schemas.Broadcast(
            audience: b.audience, cardsUpdated: Int(b.cardsUpdated), createdAt: b.createdAt, error: b.error, fetched: Int(b.fetched),
            finishedAt: b.finishedAt, householdsDone: Int(b.householdsDone), householdsGranted: Int(b.householdsGranted), id: Int(b.id),
            message: .init(additionalProperties: b.messages), percent: (b.percent * 10).rounded() / 10, points: Int(b.points),
            promo: b.promo, pushesFailed: Int(b.pushesFailed), pushesRecorded: Int(b.pushesRecorded), pushesSent: Int(b.pushesSent),
            startedAt: b.startedAt, state: .init(rawValue: b.state.rawValue) ?? .failed, targetedCards: Int(b.targetedCards),
            targetedHouseholds: Int(b.targetedHouseholds), unmatched: Int(b.unmatched))
    }
}

extension PasslineAPI {
    func createBroadcast(_ input: Operations.CreateBroadcast.Input) async throws -> Operations.CreateBroadcast.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("a JSON object body is required") }
        let caller = try APICaller.identity()
        let template = try loyalty.cardTemplate()
        var parsed = try BroadcastRequest(body.object, program: loyalty.program, languages: BroadcastMessage.languages(of: template))
        if let header = input.headers.idempotencyKey {
            guard IdempotencyKey(header) != nil else { throw APIError.badRequest(IdempotencyKey.rule, field: "Idempotency-Key") }
            if let inBody = parsed.idempotencyKey, inBody != header {
                throw APIError.badRequest("the Idempotency-Key header and idempotencyKey differ", field: "Idempotency-Key")
            }
            parsed.idempotencyKey = header
        }
        if let key = parsed.idempotencyKey {
            // Keys are per caller, and fingerprint method, path and body, like every Idempotency-Key of the API.
            parsed.broadcast.idempotencyKey = "\(caller.idempotencyScope) \(key)"
            parsed.broadcast.requestHash = APICaller.current?.fingerprint
        }
        let accepted = { (b: BroadcastRecord, replayed: Bool) -> Operations.CreateBroadcast.Output in
            .accepted(.init(
                headers: .init(idempotentReplayed: replayed ? ._true : nil, location: "/api/v1/broadcasts/\(b.id)"),
                body: .json(BroadcastsAPI.view(b))))
        }
        switch try await broadcasts.create(parsed.broadcast) {
        case .created(let b): return accepted(b, false)
        case .replayed(let b): return accepted(b, true)
        case .keyMismatch:
            throw APIError(.conflict, "Idempotency-Key \(parsed.idempotencyKey ?? "") was used with a different request", field: "Idempotency-Key")
        case .emptyAudience(let unmatched):
            throw APIError.unprocessable(
                "the audience is empty: no household with an active card matches\(unmatched > 0 ? " (\(unmatched) listed entries matched nothing)" : "")",
                field: "audience")
        }
    }

    func getBroadcast(_ input: Operations.GetBroadcast.Input) async throws -> Operations.GetBroadcast.Output {
        let id = try broadcastID(input.path.id)
        guard let b = try await broadcasts.broadcast(id: id) else { throw APIError.notFound("no broadcast \(id)") }
        return .ok(.init(body: .json(BroadcastsAPI.view(b))))
    }

    func cancelBroadcast(_ input: Operations.CancelBroadcast.Input) async throws -> Operations.CancelBroadcast.Output {
        let id = try broadcastID(input.path.id)
        switch try await broadcasts.cancel(id: id) {
        case .cancelled(let b): return .ok(.init(body: .json(BroadcastsAPI.view(b))))
        case .final(let b): throw APIError(.conflict, "broadcast \(id) is already \(b.state.rawValue)")
        case .notFound: throw APIError.notFound("no broadcast \(id)")
        }
    }

    func broadcastID(_ raw: String) throws -> Int64 {
        guard let id = Int64(raw), id > 0 else { throw APIError.notFound("no broadcast \(raw)") }
        return id
    }
}
