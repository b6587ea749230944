import Foundation
import Loyalty
import NIOCore
import PassBuilder
import Storage

/// Cards and their ledger, as the routes use them; every operation takes the program in force.
extension LoyaltyService {
    public func card(number: String) async throws -> CardRecord? {
        try await ledger.card(number: number)
    }

    func card(externalID: String) async throws -> CardRecord? {
        try await ledger.card(externalID: externalID)
    }

    /// The cards of the household with this phone.
    func cards(phone: PhoneNumber) async throws -> [CardRecord] {
        try await ledger.cards(phone: phone)
    }

    /// A page of cards by number, after `cursor`, matching `search` (see ``LedgerStore/listCards(after:limit:search:)``).
    func cards(after cursor: String?, limit: Int, search: String?) async throws -> [CardRecord] {
        try await ledger.listCards(after: cursor, limit: limit, search: search)
    }

    func setStatus(_ status: CardStatus, cardNumber: String) async throws -> CardRecord {
        try await ledger.setStatus(cardNumber: cardNumber, status)
    }

    func setTier(_ tier: String, cardNumber: String) async throws -> CardRecord {
        try await ledger.setTier(cardNumber: cardNumber, tier: tier, program: program)
    }

    /// Applies a ledger operation to the card's household under the program in force.
    func apply(_ operation: LedgerOperation, cardNumber: String, businessKey: String?, comment: String?) async throws -> LedgerResult {
        try await ledger.apply(operation, cardNumber: cardNumber, businessKey: businessKey, comment: comment, program: program)
    }

    /// A page of the card's household's ledger, newest first.
    func entries(of card: CardRecord, before cursor: Int64?, limit: Int) async throws -> [LedgerEntryRecord] {
        try await ledger.entries(accountID: card.accountID, before: cursor, limit: limit)
    }

    /// The template cards' passes are built from.
    func cardTemplate() throws -> PassTemplate {
        try passes.factory(template).template
    }

    /// The card's signed `.pkpass` as a device would get it now, and when the pass last changed;
    /// nil when the card has no pass.
    func signedPass(of card: CardRecord) async throws -> (bytes: ByteBuffer, modifiedAt: Date)? {
        guard let record = try await passes.pass(serialNumber: card.serialNumber), record.passTypeIdentifier == card.passTypeIdentifier else { return nil }
        return (try await passes.signedPass(record), record.modifiedAt)
    }
}
