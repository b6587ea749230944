import Foundation
import Loyalty
import PassBuilder
import Storage
import Synchronization

/// The loyalty program: its configuration (a JSON file in the data directory), the ledger, and
/// what a card's pass shows.
public final class LoyaltyService: Sendable {
    public let ledger: LedgerStore
    public let keys: APIKeyStore
    let passes: PassService
    /// The template loyalty cards' passes are built from.
    public let template: String
    let programFile: String
    private let current: Mutex<LoyaltyProgram>
    private let attachedDistribution = Mutex<DistributionService?>(nil)

    /// Download links, SMS and self-registration, attached once at start (the router serves
    /// their routes when set).
    public var distribution: DistributionService? { attachedDistribution.withLock { $0 } }

    func attach(_ distribution: DistributionService) {
        attachedDistribution.withLock { $0 = distribution }
    }

    public init(ledger: LedgerStore, keys: APIKeyStore, passes: PassService, template: String, programFile: String) throws {
        self.ledger = ledger
        self.keys = keys
        self.passes = passes
        self.template = template
        self.programFile = programFile
        current = Mutex(try Self.loadProgram(programFile))
        guard passes.templateNames.contains(template) else {
            throw TemplateError(file: template, message: "the loyalty template \"\(template)\" is not among the loaded templates (\(passes.templateNames.joined(separator: ", ")))")
        }
        passes.setEnricher { [weak self, ledger] record in
            // The card and the text of its latest broadcast (issue 6) in one read.
            guard let self, let (card, promo) = try await BroadcastStore(database: ledger.database).cardWithPromo(
                passTypeIdentifier: record.passTypeIdentifier, serialNumber: record.serialNumber) else {
                return record
            }
            return self.live(record, card: card, promo: promo)
        }
        // A device fetching a changed pass: the pass, its card and promo in one read.
        passes.setLoader { [weak self, ledger] key in
            guard let found = try await BroadcastStore(database: ledger.database).passWithCard(
                passTypeIdentifier: key.passTypeIdentifier, serialNumber: key.serialNumber) else {
                return nil
            }
            guard let self, let card = found.card else { return found.pass }
            return self.live(found.pass, card: card, promo: found.promo)
        }
    }

    /// A card's pass as it is signed: balance, tier and holder live, and the promo text of the
    /// card's latest broadcast in the promo field (whose changeMessage shows it on the lock screen).
    func live(_ record: PassRecord, card: CardRecord, promo: String?) -> PassRecord {
        var live = record
        (live.values, live.variant) = passValues(for: card, stored: record.values)
        if live.values["promo"] != nil, let promo { live.values["promo"] = .string(promo) }
        return live
    }

    /// The program in `file`, or the default one (written there) on a fresh server.
    static func loadProgram(_ file: String) throws -> LoyaltyProgram {
        guard let data = FileManager.default.contents(atPath: file) else {
            let program = LoyaltyProgram.default
            try save(program, to: file)
            return program
        }
        let program: LoyaltyProgram
        do {
            program = try JSONDecoder().decode(LoyaltyProgram.self, from: data)
        } catch let error as DecodingError {
            throw ProgramFileError(description: "\(file): \(PassTemplate.describe(error))")
        }
        do { try program.validate() } catch { throw ProgramFileError(description: "\(file): \(error.field): \(error.message)") }
        // The same text limits as PUT /api/v1/program: an edited file must not make SMS unsendable.
        do { try ProgramTexts.check(program) } catch { throw ProgramFileError(description: "\(file): \(error.detail)") }
        return program
    }

    static func save(_ program: LoyaltyProgram, to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: file).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try encoder.encode(program).write(to: URL(fileURLWithPath: file), options: .atomic)
    }

    public var program: LoyaltyProgram { current.withLock { $0 } }

    /// Validates, saves and switches to a new program.
    public func updateProgram(_ program: LoyaltyProgram) throws {
        do { try program.validate() } catch { throw APIError.unprocessable("\(error.field): \(error.message)", field: error.field) }
        for tier in program.tiers {
            if let v = tier.variant, (try? passes.factory(template).template.variant(named: v)) == nil {
                throw APIError.unprocessable("tiers: variant \"\(v)\" of tier \(tier.code) is not a variant of the \(template) template", field: "tiers")
            }
        }
        try Self.save(program, to: programFile)
        current.withLock { $0 = program }
    }

    /// Issues a card and its pass.
    public func issue(_ new: NewCard, now: Date = Date()) async throws -> CardRecord {
        let program = self.program
        let factory = try passes.factory(template)
        let serial = PassService.newSerialNumber()
        // What the card's pass keeps of its own; balance, tier, name and number are read live (``passValues(for:)``).
        var stored: [String: JSONValue] = [:]
        let variables = factory.template.manifest.variables
        if variables["memberSince"] != nil { stored["memberSince"] = .string(now.formatted(.iso8601)) }
        if variables["promo"] != nil { stored["promo"] = .string("") }
        let tier = program.tier(new.tier ?? program.defaultTier)
        return try await ledger.issueCard(
            new, program: program, passTypeIdentifier: passes.passTypeIdentifier, template: template, variant: tier?.variant,
            serialNumber: serial, passValues: stored, now: now
        ).card
    }

    /// The values a card's pass renders with: its stored values plus the live ones.
    func passValues(for card: CardRecord, stored: [String: JSONValue]) -> (values: [String: JSONValue], variant: String?) {
        let program = self.program
        let tier = program.tier(card.tier)
        var values = stored
        values["serialNumber"] = .string(card.serialNumber)
        values["points"] = .integer(card.balance)
        values["tierName"] = .string(tier?.name ?? card.tier)
        values["holderName"] = .string(card.name)
        values["cardNumber"] = .string(card.number)
        return (values, tier?.variant)
    }
}

struct ProgramFileError: Error, CustomStringConvertible {
    var description: String
}
