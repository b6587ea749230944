import Foundation
import Loyalty
import PassBuilder

/// Whether a card may be used.
public enum CardStatus: String, Sendable, Hashable, Codable {
    case active, blocked
}

/// A loyalty card with its household account's balance, turnover and tier.
public struct CardRecord: Sendable, Hashable {
    public var number: String
    public var accountID: Int64
    public var name: String
    /// The household's phone.
    public var phone: PhoneNumber
    public var externalID: String?
    public var status: CardStatus
    public var passTypeIdentifier: String
    public var serialNumber: String
    /// Points, shared by every card of the household.
    public var balance: Int64
    /// Cumulative purchases of the household, minor units.
    public var turnover: Int64
    public var tier: String
    public var createdAt: Date
}

/// One ledger entry: what changed the balance, by how much, and why.
public struct LedgerEntryRecord: Sendable, Hashable {
    public var id: Int64
    public var accountID: Int64
    public var cardNumber: String?
    public var kind: EntryKind
    /// Signed: credits positive, debits negative.
    public var points: Int64
    /// The purchase amount (minor units) for purchase accruals and debits paying a purchase.
    public var amount: Int64?
    public var businessKey: String?
    /// For a reversal: the entry it cancels.
    public var reverses: Int64?
    public var comment: String?
    public var balanceAfter: Int64
    public var createdAt: Date
}

/// A change to a household's points.
public enum LedgerOperation: Sendable, Hashable {
    /// Explicit points.
    case accrual(points: Int64)
    /// A purchase: points = amount × the tier's percent (``LedgerRules/accrualPoints(purchase:tier:program:)``); adds to turnover.
    case purchase(amount: Money)
    /// Points as partial payment, optionally of a purchase (then the max share applies).
    case debit(points: Int64, purchase: Money?)
    /// Cancels an earlier entry of the same household.
    case reversal(entryID: Int64)
    /// A grant from a broadcast.
    case broadcast(points: Int64)
}

/// The result of a ledger operation.
public struct LedgerResult: Sendable, Hashable {
    public var entry: LedgerEntryRecord
    public var card: CardRecord
    /// True when the business key had already been applied: nothing new was written.
    public var replayed: Bool
}

/// Why a ledger operation was refused; nothing was written.
public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    case cardNotFound(String)
    case cardBlocked(String)
    case rule(LedgerRuleError)
    /// The business key was used for a different operation.
    case businessKeyConflict(String)
    case entryNotFound(Int64)
    case unknownTier(String)
    case duplicateCardNumber(String)
    case duplicateExternalID(String)
    /// The household's turnover would pass the largest amount money can hold.
    case turnoverLimit

    public var description: String {
        switch self {
        case .cardNotFound(let n): return "no card \(n)"
        case .cardBlocked(let n): return "card \(n) is blocked"
        case .rule(let r): return r.description
        case .businessKeyConflict(let k): return "business key \(k) was already used for a different operation"
        case .entryNotFound(let id): return "no ledger entry \(id) on this card's account"
        case .unknownTier(let t): return "unknown tier \(t)"
        case .duplicateCardNumber(let n): return "card number \(n) is already issued"
        case .duplicateExternalID(let e): return "a card with externalId \(e) already exists"
        case .turnoverLimit: return "this purchase would take the household's turnover past \(Money.maximum)"
        }
    }
}

/// A card to issue.
public struct NewCard: Sendable, Hashable {
    public var name: String
    public var phone: PhoneNumber
    public var externalID: String?
    /// A supplied (plastic) number; nil generates a virtual one when the program allows.
    public var number: String?
    public var tier: String?
    /// Where the card came from, for the reports.
    public var source: CardSource

    public init(name: String, phone: PhoneNumber, externalID: String? = nil, number: String? = nil, tier: String? = nil, source: CardSource = .api) {
        self.name = name
        self.phone = phone
        self.externalID = externalID
        self.number = number
        self.tier = tier
        self.source = source
    }
}

/// How a card was issued: the reports count cards per source.
public enum CardSource: String, Sendable, Hashable, CaseIterable {
    /// `POST /api/v1/cards` (a CRM's own integration, an operator).
    case api
    /// The self-registration page, `/join`.
    case join
    /// The Bitrix24 application: a robot, the card tab, a contact's household.
    case bitrix24
    /// An import of an existing client base.
    case `import`
}
