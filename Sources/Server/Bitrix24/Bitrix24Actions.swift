import Bitrix24
import Foundation
import Loyalty
import PassBuilder
import Storage

/// What a robot does, through the services every other door uses (the ledger through
/// ``LoyaltyService``, links through ``DistributionService``), and its return values. A refusal
/// the business process can act on (no card, too few points) is an `error` return value; a
/// failure to reach the portal or the database is thrown, and the call is retried.
struct Bitrix24Actions: Sendable {
    let loyalty: LoyaltyService
    let distribution: DistributionService
    let broadcasts: BroadcastRunner
    let store: Bitrix24Store
    let onReopen: DealAccrualPolicy.OnReopen

    /// The won-deal rule under the program in force (its currency may change).
    var policy: DealAccrualPolicy { DealAccrualPolicy(currency: loyalty.program.currency, onReopen: onReopen) }

    /// A refusal to answer with, as the robot's `error`.
    struct Refused: Error {
        var message: String
    }

    func perform(_ input: RobotInput, on document: CRMDocument, eventToken: String, client: Bitrix24Client) async throws -> [String: JSONValue] {
        do {
            return try await act(input, on: document, eventToken: eventToken, client: client)
        } catch let refused as Refused {
            return ["error": .string(refused.message)]
        } catch let error as LedgerError {
            return ["error": .string(error.description)]
        }
    }

    private func act(_ input: RobotInput, on document: CRMDocument, eventToken: String, client: Bitrix24Client) async throws -> [String: JSONValue] {
        switch input {
        case .cardIssue(let phone, let name):
            if let card = try await loyalty.cards(phone: phone).first {
                return try await issued(card, existing: true)
            }
            let card = try await loyalty.issue(NewCard(name: name ?? phone.e164, phone: phone, source: .bitrix24))
            return try await issued(card, existing: false)
        case .cardCheck(let phone, let amount):
            let found: [CardRecord]
            if let phone {
                found = try await loyalty.cards(phone: phone)
            } else {
                found = try await cards(of: document, client: client)
            }
            guard let card = found.first else { return ["has_card": .string("N"), "balance": .integer(0), "max_debit": .integer(0)] }
            let share = amount.map { LedgerRules.maxDebitPoints(purchase: $0, program: loyalty.program) } ?? card.balance
            return [
                "has_card": .string("Y"), "card_number": .string(card.number), "balance": .integer(card.balance), "tier": .string(card.tier),
                "max_debit": .integer(max(0, min(card.balance, share))),
            ]
        case .dealAccrue(let deal, let amount):
            let card = try await card(of: .deal(deal), client: client)
            let result = try await loyalty.apply(.purchase(amount: amount), cardNumber: card.number, businessKey: DealAccrualPolicy.accrualKey(deal: deal), comment: "Bitrix24 deal \(deal)")
            return ["accrued": .integer(result.entry.points), "balance": .integer(result.card.balance)]
        case .dealDebit(let deal, let points):
            let card = try await card(of: .deal(deal), client: client)
            let result = try await loyalty.apply(.debit(points: points, purchase: nil), cardNumber: card.number, businessKey: DealAccrualPolicy.debitKey(deal: deal), comment: "Bitrix24 deal \(deal)")
            return ["debited": .integer(-result.entry.points), "balance": .integer(result.card.balance)]
        case .promo(let message, let points, let tier):
            return try await promo(message: message, points: points ?? 0, tier: tier, eventToken: eventToken)
        }
    }

    private func issued(_ card: CardRecord, existing: Bool) async throws -> [String: JSONValue] {
        let link = try await distribution.issueLink(for: card, household: false)
        return ["card_number": .string(card.number), "link": .string(link.url), "balance": .integer(card.balance), "existing": .string(existing ? "Y" : "N")]
    }

    /// The document's card: the first card of the household its contact's phones belong to.
    func card(of document: CRMDocument, client: Bitrix24Client) async throws -> CardRecord {
        guard let card = try await cards(of: document, client: client).first else {
            throw Refused(message: "the \(document) contact has no loyalty card (issue one with passline_card_issue)")
        }
        return card
    }

    /// Cards of the document's contact (a deal's contacts, the primary first), found by their phones.
    func cards(of document: CRMDocument, client: Bitrix24Client) async throws -> [CardRecord] {
        let phones = try await phones(of: document, client: client)
        guard !phones.isEmpty else { throw Refused(message: "\(document): its contact has no phone") }
        for phone in phones {
            let cards = try await loyalty.cards(phone: phone)
            if !cards.isEmpty { return cards }
        }
        return []
    }

    /// The contacts of the document (a deal's, the primary first; a contact itself).
    func contacts(of document: CRMDocument, client: Bitrix24Client) async throws -> [Int64] {
        switch document {
        case .contact(let id):
            return [id]
        case .deal(let id):
            let contacts = try await dealContacts(id, client: client)
            guard !contacts.isEmpty else { throw Refused(message: "deal \(id) has no contact") }
            return contacts
        case .lead, .company:
            throw Refused(message: "\(document) is not a deal or a contact")
        }
    }

    /// The phones of the document's contacts, in their order.
    func phones(of document: CRMDocument, client: Bitrix24Client) async throws -> [PhoneNumber] {
        var phones: [PhoneNumber] = []
        for contact in try await contacts(of: document, client: client) {
            phones += ContactPhones(try await Self.read(client, "crm.contact.get", contact)).phones.filter { !phones.contains($0) }
        }
        return phones
    }

    /// The name of the document's first contact.
    func name(of document: CRMDocument, client: Bitrix24Client) async throws -> String? {
        guard let first = try await contacts(of: document, client: client).first else { return nil }
        return Self.name(try await Self.read(client, "crm.contact.get", first))
    }

    /// The deal's contacts, the primary first (`crm.deal.contact.items.get`).
    func dealContacts(_ deal: Int64, client: Bitrix24Client) async throws -> [Int64] {
        let items: JSONValue
        do {
            items = try await client.call("crm.deal.contact.items.get", ["id": .integer(deal)]).result
        } catch {
            if case .portal(_, let refusal) = error, refusal.isNotFound { throw Refused(message: "deal \(deal) not found") }
            throw error
        }
        let rows = (items.arrayValue ?? []).compactMap { row -> (id: Int64, primary: Bool, sort: Int64)? in
            guard let id = CRMFields.id(row["CONTACT_ID"]) else { return nil }
            return (id, CRMFields.text(row["IS_PRIMARY"]) == "Y", CRMFields.id(row["SORT"]) ?? 0)
        }
        return rows.sorted { ($0.primary ? 0 : 1, $0.sort) < ($1.primary ? 0 : 1, $1.sort) }.map(\.id)
    }

    /// `method {id}`'s result; a record the portal no longer has is a refusal, anything else thrown.
    static func read(_ client: Bitrix24Client, _ method: String, _ id: Int64) async throws -> JSONValue {
        do {
            return try await client.call(method, ["id": .integer(id)]).result
        } catch {
            if case .portal(_, let refusal) = error, refusal.isNotFound { throw Refused(message: "\(method): \(id) not found") }
            throw error
        }
    }
}
