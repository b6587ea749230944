import Foundation
import Loyalty
import PassBuilder
import Storage

/// The loyalty program: its configuration (``ProgramFile``), the ledger, and the cards' passes.
public final class LoyaltyService: Sendable {
    public let ledger: LedgerStore
    public let keys: APIKeyStore
    let passes: PassService
    let programFile: ProgramFile
    /// The template loyalty cards' passes are built from.
    public let template: String
    /// Set when Google Wallet is on: a card is issued with its Google object's row.
    let google: GoogleObjectIDs?

    init(ledger: LedgerStore, keys: APIKeyStore, passes: PassService, program: ProgramFile, template: String, google: GoogleObjectIDs?) throws {
        self.google = google
        self.ledger = ledger
        self.keys = keys
        self.passes = passes
        self.programFile = program
        self.template = template
        guard passes.templateNames.contains(template) else {
            throw TemplateError(file: template, message: "the loyalty template \"\(template)\" is not among the loaded templates (\(passes.templateNames.joined(separator: ", ")))")
        }
    }

    public var program: LoyaltyProgram { programFile.program }

    /// Validates, saves and switches to a new program.
    public func updateProgram(_ program: LoyaltyProgram) throws {
        do { try program.validate() } catch { throw APIError.unprocessable("\(error.field): \(error.message)", field: error.field) }
        for tier in program.tiers {
            if let v = tier.variant, (try? passes.factory(template).template.variant(named: v)) == nil {
                throw APIError.unprocessable("tiers: variant \"\(v)\" of tier \(tier.code) is not a variant of the \(template) template", field: "tiers")
            }
        }
        try programFile.replace(with: program)
    }

    /// Issues a card and its pass.
    public func issue(_ new: NewCard, now: Date = Date()) async throws -> CardRecord {
        let program = self.program
        let factory = try passes.factory(template)
        let serial = passes.newSerialNumber()
        // What the card's pass keeps of its own; balance, tier, name and number are read live (``CardPassContent``).
        var stored: [String: JSONValue] = [:]
        let variables = factory.template.manifest.variables
        if variables["memberSince"] != nil { stored["memberSince"] = .string(now.formatted(.iso8601)) }
        if variables["promo"] != nil { stored["promo"] = .string("") }
        let tier = program.tier(new.tier ?? program.defaultTier)
        guard let google else {
            return try await ledger.issueCard(
                new, program: program, passTypeIdentifier: passes.passTypeIdentifier, template: template, variant: tier?.variant,
                serialNumber: serial, passValues: stored, now: now
            ).card
        }
        // One transaction: the card never stands without its Google object's row (due now, so the outbox inserts it).
        let passTypeIdentifier = passes.passTypeIdentifier, template = self.template, passValues = stored
        return try await ledger.database.transaction { _ in
            let card = try await self.ledger.issueCard(
                new, program: program, passTypeIdentifier: passTypeIdentifier, template: template, variant: tier?.variant,
                serialNumber: serial, passValues: passValues, now: now
            ).card
            _ = try await GoogleWalletStore(database: self.ledger.database).ensureObject(
                cardNumber: card.number, objectID: google.object(card.number), classID: google.class(tier?.variant), now: now)
            return card
        }
    }
}
