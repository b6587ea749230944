import PassBuilder
import Loyalty

/// A deal as `crm.deal.get` returns it: the fields accrual needs, typed. Bitrix24 writes ids and
/// amounts as strings.
public struct Deal: Sendable, Hashable {
    public enum Stage: String, Sendable, Hashable {
        case inProgress = "P", won = "S", lost = "F"
    }

    public var id: Int64
    public var stage: Stage
    public var amount: Money
    public var currency: String
    /// The primary contact (`CONTACT_ID`), if any; all of them come from `crm.deal.contact.items.get`.
    public var contactID: Int64?

    public init(id: Int64, stage: Stage, amount: Money, currency: String, contactID: Int64?) {
        self.id = id
        self.stage = stage
        self.amount = amount
        self.currency = currency
        self.contactID = contactID
    }

    /// Reads `crm.deal.get`'s result; a field that is missing or not what Bitrix24 documents is
    /// an error naming it.
    public init(_ json: JSONValue) throws(Bitrix24InputError) {
        guard let id = CRMFields.id(json["ID"]) else { throw Bitrix24InputError("ID", "missing or not a positive id") }
        self.id = id
        guard let semantic = json["STAGE_SEMANTIC_ID"]?.stringValue, let stage = Stage(rawValue: semantic) else {
            throw Bitrix24InputError("STAGE_SEMANTIC_ID", "must be P, S or F")
        }
        self.stage = stage
        let opportunity = CRMFields.text(json["OPPORTUNITY"]) ?? "0"
        do { amount = try Amount.money(opportunity) } catch { throw Bitrix24InputError("OPPORTUNITY", error.description) }
        guard let currency = json["CURRENCY_ID"]?.stringValue, !currency.isEmpty else { throw .missing("CURRENCY_ID") }
        self.currency = currency
        contactID = CRMFields.id(json["CONTACT_ID"])
    }
}

/// Bitrix24's loose field values, read strictly.
public enum CRMFields {
    /// A positive id, written as a string or a number.
    public static func id(_ value: JSONValue?) -> Int64? {
        guard let text = text(value), let n = Int64(text), n > 0 else { return nil }
        return n
    }

    public static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s): s
        case .integer(let n): String(n)
        case .number(let d): String(d)
        default: nil
        }
    }
}
