import Loyalty

/// What a business process's outgoing webhook can ask for (webhook mode, a portal without the app).
public enum WebhookAction: String, Sendable, Hashable, CaseIterable {
    /// A card for the document's phone (or `phone`), its link texted once per document.
    case issue
    /// A won deal's accrual: `amount`, or the deal's own, under `deal:{ID}:accrual`.
    case accrue
    /// `points` paid on a deal, under `deal:{ID}:debit`.
    case debit

    /// Its inbox kind.
    public var kind: String { "webhook." + rawValue }

    public init?(kind: String) {
        guard kind.hasPrefix("webhook."), let action = Self(rawValue: String(kind.dropFirst(8))) else { return nil }
        self = action
    }
}

/// An outgoing webhook's call, validated. The portal posts only `document_id[]`, through its
/// queue and without credentials, so everything else (and the shared secret) is in the query
/// string the integrator wrote: `…/bitrix24/webhook/accrue?key=…&amount={=Document:OPPORTUNITY}`.
public struct WebhookCall: Sendable, Hashable {
    public var action: WebhookAction
    public var document: CRMDocument
    public var phone: PhoneNumber?
    public var name: String?
    public var amount: Money?
    public var points: Int64?

    public init(_ action: WebhookAction, document parts: [String], query: [String: String]) throws(Bitrix24InputError) {
        self.action = action
        document = try CRMDocument(parts)
        func text(_ key: String) -> String? {
            guard let value = query[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        if let value = text("phone") {
            do { phone = try PhoneNumber(parsing: value) } catch { throw Bitrix24InputError("phone", "\(value) is not a phone number: \(error)") }
        }
        name = text("name")
        if let value = text("amount") {
            do { amount = try Amount.money(value) } catch { throw Bitrix24InputError("amount", error.description) }
        }
        if let value = text("points") {
            guard let n = Int64(value), n > 0 else { throw Bitrix24InputError("points", "must be a whole number of points above zero, not \(value)") }
            points = n
        }
        switch action {
        case .issue:
            if case .company = document { throw Bitrix24InputError("document_id", "a card is issued for a contact, a lead or a deal, not \(document)") }
        case .accrue, .debit:
            guard case .deal = document else { throw Bitrix24InputError("document_id", "\(action.rawValue) runs in deals, not in \(document)") }
            if action == .debit, points == nil { throw .missing("points") }
        }
    }

    /// The deal's id, for accrue and debit.
    public var deal: Int64? {
        if case .deal(let id) = document { return id }
        return nil
    }
}
