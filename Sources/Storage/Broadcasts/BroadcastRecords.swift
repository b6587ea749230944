import Foundation
import Loyalty
import PassBuilder

/// Who a broadcast reaches. A broadcast targets households (accounts): points go to the
/// household's balance, and every active card of a targeted household shows the message.
public enum BroadcastAudience: Sendable, Hashable {
    /// Every household with an active card.
    case all
    /// Households in these tiers (codes of the program's tiers).
    case tiers([String])
    /// The households of these card numbers.
    case cards([String])
    /// The households of these phones (an uploaded CSV).
    case phones([PhoneNumber])

    /// How the audience is stored and shown: explicit lists are kept in `broadcast_targets`, so
    /// only their kind and size are described here.
    var summary: JSONValue {
        switch self {
        case .all: return .object(["type": .string("all")])
        case .tiers(let t): return .object(["type": .string("tiers"), "tiers": .array(t.map(JSONValue.string))])
        case .cards(let c): return .object(["type": .string("cards"), "count": .integer(Int64(c.count))])
        case .phones(let p): return .object(["type": .string("phones"), "count": .integer(Int64(p.count))])
        }
    }
}

/// A broadcast to create.
public struct NewBroadcast: Sendable, Hashable {
    /// The message by language (`ru`, `en`, …).
    public var messages: [String: String]
    /// The text the passes show in their promo field (derived from `messages`).
    public var promo: String
    /// Points granted to each targeted household; 0 for a message only.
    public var points: Int64
    public var audience: BroadcastAudience
    /// With ``requestHash``: the same key and hash find the broadcast created first.
    public var idempotencyKey: String?
    public var requestHash: String?

    public init(messages: [String: String], promo: String, points: Int64, audience: BroadcastAudience, idempotencyKey: String? = nil, requestHash: String? = nil) {
        self.messages = messages
        self.promo = promo
        self.points = points
        self.audience = audience
        self.idempotencyKey = idempotencyKey
        self.requestHash = requestHash
    }
}

/// A broadcast and its progress.
public struct BroadcastRecord: Sendable, Hashable {
    public var id: Int64
    public var messages: [String: String]
    public var promo: String
    public var points: Int64
    /// `{"type":"all"}`, `{"type":"tiers","tiers":[…]}`, `{"type":"cards"|"phones","count":N}`.
    public var audience: JSONValue
    public var state: BroadcastState
    /// Active cards of the targeted households when the broadcast was created.
    public var targetedCards: Int64
    public var targetedHouseholds: Int64
    /// Listed card numbers or phones that matched no household with an active card.
    public var unmatched: Int64
    public var householdsDone: Int64
    public var householdsGranted: Int64
    public var cardsUpdated: Int64
    /// Push-due rows recorded (one per device push token, coalesced).
    public var pushesRecorded: Int64
    /// Final push outcomes, summed by the dispatcher.
    public var pushesSent: Int64
    public var pushesFailed: Int64
    /// Changed passes devices fetched back (200 responses of the web service).
    public var fetched: Int64
    public var error: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    /// Households done out of those targeted, 0…100.
    public var percent: Double {
        if state == .done { return 100 }
        guard targetedHouseholds > 0 else { return 0 }
        return min(100, Double(householdsDone) * 100 / Double(targetedHouseholds))
    }
}

/// What creating a broadcast found.
public enum BroadcastCreation: Sendable, Hashable {
    case created(BroadcastRecord)
    /// The idempotency key was used before with the same request: that broadcast.
    case replayed(BroadcastRecord)
    /// The idempotency key was used before with another request.
    case keyMismatch
    /// No household with an active card matches; nothing was written. `unmatched` listed entries found nothing.
    case emptyAudience(unmatched: Int)
}

/// What cancelling found.
public enum BroadcastCancellation: Sendable, Hashable {
    case cancelled(BroadcastRecord)
    /// Already in a final state.
    case final(BroadcastRecord)
    case notFound
}
