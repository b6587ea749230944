import Bitrix24
import Core
import Crypto
import PassBuilder
import Storage

extension Bitrix24Actions {
    /// `passline_promo`: a broadcast through the broadcast runner, checked as `POST /api/v1/broadcasts`
    /// checks one. The robot's event token is its idempotency key: a call acted on twice (a crash
    /// before its answer was recorded) finds the broadcast it made.
    func promo(message: String, points: Int64, tier: String?, eventToken: String) async throws -> [String: JSONValue] {
        let body: [String: JSONValue] = [
            "message": .string(message), "points": .integer(points),
            "audience": tier.map { .object(["type": .string("tiers"), "tiers": .array([.string($0)])]) } ?? .object(["type": .string("all")]),
        ]
        let parsed: BroadcastRequest
        do {
            parsed = try BroadcastRequest(body, program: loyalty.program, languages: BroadcastMessage.languages(of: try loyalty.cardTemplate()))
        } catch let refusal as APIError {
            throw Refused(message: refusal.detail)
        }
        var broadcast = parsed.broadcast
        broadcast.idempotencyKey = "bitrix24 " + eventToken
        broadcast.requestHash = Hex.encode(SHA256.hash(data: JSONValue.object(body).serialized()))
        switch try await broadcasts.create(broadcast) {
        case .created(let b), .replayed(let b): return ["broadcast_id": .string(String(b.id))]
        case .keyMismatch: throw Refused(message: "this robot call already made a different broadcast")
        case .emptyAudience: throw Refused(message: "no household with an active card\(tier.map { " in tier \($0)" } ?? "")")
        }
    }
}
