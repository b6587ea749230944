import Core
import Foundation
import Loyalty
import PassBuilder
import Storage

/// Reads the body of `POST /api/v1/broadcasts` into a ``NewBroadcast``; every refusal is a 422
/// naming the field.
///
/// ```json
/// {"message": {"ru": "…", "en": "…"} | "…",
///  "points": 100,                                   // optional, 0 = message only
///  "audience": {"type": "all"}
///            | {"type": "tiers", "tiers": ["silver", "gold"]}
///            | {"type": "cards", "cards": ["79123456789-1", …]}
///            | {"type": "phones", "csv": "phone\n+79123456789\n…"},
///  "idempotencyKey": "…"}                           // optional; or the Idempotency-Key header
/// ```
struct BroadcastRequest: Sendable {
    /// The largest grant per household.
    static let maxPoints: Int64 = 1_000_000
    /// The most card numbers in a `cards` audience (bigger lists: upload a CSV of phones).
    static let maxCards = 100_000

    var broadcast: NewBroadcast
    var idempotencyKey: String?

    init(_ body: [String: JSONValue], program: LoyaltyProgram, languages: Set<String>) throws(APIError) {
        let message = try BroadcastMessage(body["message"], languages: languages)
        var points: Int64 = 0
        switch body["points"] {
        case nil, .null?: break
        case .integer(let n)? where (0...Self.maxPoints).contains(n): points = n
        case .integer?: throw APIError.unprocessable("points must be 0…\(Self.maxPoints)", field: "points")
        default: throw APIError.unprocessable("points must be a whole number", field: "points")
        }
        let audience = try Self.audience(body["audience"], program: program)
        switch body["idempotencyKey"] {
        case nil, .null?: idempotencyKey = nil
        case .string(let k)? where IdempotencyKey(k) != nil: idempotencyKey = k
        default: throw APIError.unprocessable("idempotencyKey must be 1–255 visible ASCII characters", field: "idempotencyKey")
        }
        broadcast = NewBroadcast(messages: message.texts, promo: message.promo, points: points, audience: audience)
    }

    static func audience(_ value: JSONValue?, program: LoyaltyProgram) throws(APIError) -> BroadcastAudience {
        guard case .object(let a)? = value else {
            throw APIError.unprocessable("audience is required: {\"type\": \"all\" | \"tiers\" | \"cards\" | \"phones\", …}", field: "audience")
        }
        switch a["type"]?.stringValue {
        case "all":
            return .all
        case "tiers":
            guard case .array(let list)? = a["tiers"], !list.isEmpty else {
                throw APIError.unprocessable("audience.tiers must be a non-empty array of tier codes", field: "audience.tiers")
            }
            var tiers: [String] = []
            for item in list {
                guard let code = item.stringValue else { throw APIError.unprocessable("audience.tiers must hold strings", field: "audience.tiers") }
                guard program.tier(code) != nil else {
                    throw APIError.unprocessable(
                        "audience.tiers: unknown tier \(code) (the program has \(program.tiers.map(\.code).joined(separator: ", ")))", field: "audience.tiers")
                }
                if !tiers.contains(code) { tiers.append(code) }
            }
            return .tiers(tiers)
        case "cards":
            guard case .array(let list)? = a["cards"], !list.isEmpty else {
                throw APIError.unprocessable("audience.cards must be a non-empty array of card numbers", field: "audience.cards")
            }
            guard list.count <= maxCards else {
                throw APIError.unprocessable("audience.cards has \(list.count) numbers; at most \(maxCards) (upload a CSV of phones for more)", field: "audience.cards")
            }
            var numbers: [String] = []
            numbers.reserveCapacity(list.count)
            for (i, item) in list.enumerated() {
                guard let n = item.stringValue, (1...64).contains(n.utf8.count),
                      !n.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
                else {
                    throw APIError.unprocessable("audience.cards[\(i)] must be a card number (1–64 characters, no control characters)", field: "audience.cards")
                }
                numbers.append(n)
            }
            return .cards(numbers)
        case "phones":
            guard case .string(let csv)? = a["csv"] else {
                throw APIError.unprocessable("audience.csv must be the CSV text of phones", field: "audience.csv")
            }
            let phones: [PhoneNumber]
            do { phones = try BroadcastCSV.phones(csv) } catch { throw APIError.unprocessable("audience.csv: \(error)", field: "audience.csv") }
            guard !phones.isEmpty else { throw APIError.unprocessable("audience.csv holds no phones", field: "audience.csv") }
            return .phones(phones)
        case let other:
            throw APIError.unprocessable(
                "audience.type \(other.map { "\"\($0)\"" } ?? "(missing)") is not one of all, tiers, cards, phones", field: "audience.type")
        }
    }
}
