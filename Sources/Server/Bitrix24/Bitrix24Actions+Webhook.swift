import Bitrix24
import Foundation
import Loyalty
import PassBuilder
import Storage

extension Bitrix24Actions {
    /// Carries out an outgoing webhook's call (queued by ``Bitrix24Service/webhook(_:query:form:now:)``)
    /// through the incoming webhook; what it did, or why it did nothing (the portal gets no answer:
    /// an outgoing webhook returns nothing to its business process).
    func webhook(_ action: WebhookAction, _ json: JSONValue, client: Bitrix24Client) async throws -> String {
        let parts = json["document"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let query = (json["query"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        let call: WebhookCall
        do { call = try WebhookCall(action, document: parts, query: query) } catch { return "refused: \(error)" }
        do {
            switch action {
            case .issue:
                let (phone, name) = try await contactOf(call, client: client)
                guard let phone else { return "refused: \(call.document) has no phone" }
                try await webForm(call.document, phone: phone, name: call.name ?? name)
                return "issued for \(call.document)"
            case .accrue:
                guard let deal = call.deal else { return "refused: not a deal" }
                var amount = call.amount
                if amount == nil {
                    let read = try Deal(try await Self.read(client, "crm.deal.get", deal))
                    guard read.currency == policy.currency else { return "ignored: deal \(deal) is in \(read.currency)" }
                    amount = read.amount
                }
                guard let amount, amount > .zero else { return "ignored: deal \(deal) has no amount" }
                return "\(try await perform(.dealAccrue(deal: deal, amount: amount), on: call.document, eventToken: "", client: client))"
            case .debit:
                guard let deal = call.deal, let points = call.points else { return "refused: not a deal" }
                return "\(try await perform(.dealDebit(deal: deal, points: points), on: call.document, eventToken: "", client: client))"
            }
        } catch let refused as Refused {
            return "refused: \(refused.message)"
        } catch let unreadable as Bitrix24InputError {
            return "refused: \(unreadable)"
        }
    }

    /// The phone and name a call names, else its document's: a contact's or lead's own, a deal's contacts'.
    private func contactOf(_ call: WebhookCall, client: Bitrix24Client) async throws -> (PhoneNumber?, String?) {
        if let phone = call.phone { return (phone, call.name) }
        let item: JSONValue
        switch call.document {
        case .contact(let id): item = try await Self.read(client, "crm.contact.get", id)
        case .lead(let id): item = try await Self.read(client, "crm.lead.get", id)
        case .deal(let id):
            for contact in try await dealContacts(id, client: client) {
                let read = try await Self.read(client, "crm.contact.get", contact)
                if let phone = ContactPhones(read).phones.first { return (phone, Self.name(read)) }
            }
            return (nil, nil)
        case .company: return (nil, nil)
        }
        return (ContactPhones(item).phones.first, Self.name(item))
    }
}
