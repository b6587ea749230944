import Bitrix24
import Foundation
import Loyalty
import PassBuilder
import Storage

/// The CRM mirrors the household: every contact sharing its phone shows its cards, points, tier
/// and download link in the `UF_CRM_PASSLINE_*` fields.
extension Bitrix24Actions {
    /// The inbox kind of a household's write-back.
    static let householdKind = "passline.household"

    /// The household's card fields as they are now; nil when it has no card.
    func cardFields(phone: PhoneNumber) async throws -> (fields: CardFields, mirrored: MirroredHousehold)? {
        let cards = try await loyalty.cards(phone: phone)
        guard let first = cards.first else { return nil }
        let link = try await distribution.issueLink(for: first, household: true)
        let fields = CardFields(cards: cards.map(\.number), balance: first.balance, tier: first.tier, link: link.url)
        return (fields, MirroredHousehold(accountID: first.accountID, balance: first.balance, tier: first.tier, cards: cards.count))
    }

    /// A household changed: every contact with its phone (`crm.duplicate.findbycomm`, which
    /// matches numbers however they are written) gets its fields; one waiting update per contact.
    func householdChanged(phone: PhoneNumber, client: Bitrix24Client) async throws -> (updates: [NewPortalQueueItem], mirrored: MirroredHousehold?) {
        guard let (fields, mirrored) = try await cardFields(phone: phone) else { return ([], nil) }
        let found = try await client.call("crm.duplicate.findbycomm", [
            "entity_type": .string("CONTACT"), "type": .string("PHONE"), "values": .array([.string(phone.e164)]),
        ]).result
        // An empty answer is `[]`; a found one `{"CONTACT": [ids]}`.
        let contacts = (found["CONTACT"]?.arrayValue ?? []).compactMap(CRMFields.id)
        return (contacts.map { Self.update(contact: $0, fields) }, mirrored)
    }

    /// A contact was added or changed (its phone, perhaps): it gets its household's fields when
    /// it does not show them already (so our own update's event ends here). A contact a CRM web
    /// form created gets a card, and its link by SMS.
    func contactChanged(_ id: Int64, added: Bool, client: Bitrix24Client) async throws -> [NewPortalQueueItem] {
        let contact: JSONValue
        do { contact = try await Self.read(client, "crm.contact.get", id) } catch is Refused { return [] }
        let phones = ContactPhones(contact).phones
        if added, CRMFields.id(contact["WEBFORM_ID"]) != nil, let phone = phones.first {
            try await webForm(.contact(id), phone: phone, name: Self.name(contact))
        }
        for phone in phones {
            guard let (fields, _) = try await cardFields(phone: phone) else { continue }
            return fields.isShown(on: contact) ? [] : [Self.update(contact: id, fields)]
        }
        return []
    }

    /// A lead a CRM web form created (lead mode): a card for its phone, and the link by SMS.
    func leadAdded(_ id: Int64, client: Bitrix24Client) async throws {
        let lead: JSONValue
        do { lead = try await Self.read(client, "crm.lead.get", id) } catch is Refused { return }
        guard CRMFields.id(lead["WEBFORM_ID"]) != nil, let phone = ContactPhones(lead).phones.first else { return }
        try await webForm(.lead(id), phone: phone, name: Self.name(lead))
    }

    /// A form's card: issued for the phone (or the one its household has), its link texted once
    /// per CRM item (a repeated event, or its offline copy, texts nothing more).
    func webForm(_ document: CRMDocument, phone: PhoneNumber, name: String?) async throws {
        let key = "webform:\(document)"
        guard try await !store.isDone(key) else { return }
        var card = try await loyalty.cards(phone: phone).first
        if card == nil { card = try await loyalty.issue(NewCard(name: name ?? phone.e164, phone: phone, source: .bitrix24)) }
        guard let card else { return }
        _ = try await distribution.queueLinkSms(for: card, household: false)
        _ = try await store.markDone(key)
    }

    static func name(_ item: JSONValue) -> String? {
        let parts = ["NAME", "LAST_NAME"].compactMap { CRMFields.text(item[$0])?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// `crm.contact.update` of the card fields; a newer one for the same contact replaces it while it waits.
    static func update(contact: Int64, _ fields: CardFields) -> NewPortalQueueItem {
        let params = JSONValue.object(["id": .integer(contact), "fields": .object(fields.values)])
        return NewPortalQueueItem(kind: "crm.contact.update", key: "contact:\(contact):card", payload: String(decoding: params.serialized(), as: UTF8.self))
    }
}
