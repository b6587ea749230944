import Loyalty
import PassBuilder
import Storage

/// A loyalty card's pass as it is signed: balance, tier and holder read live, and the text of the
/// card's latest broadcast in the promo field (whose changeMessage shows it on the lock screen).
/// A pass with no card behind it is signed as stored.
struct CardPassContent: PassContent {
    let program: ProgramFile
    let broadcasts: BroadcastStore

    func livePass(passTypeIdentifier: String, serialNumber: String) async throws -> PassRecord? {
        // The pass, its card and promo in one read: a device fetching a changed pass.
        guard let found = try await broadcasts.passWithCard(passTypeIdentifier: passTypeIdentifier, serialNumber: serialNumber) else { return nil }
        guard let card = found.card else { return found.pass }
        return Self.live(found.pass, card: card, promo: found.promo, program: program.program)
    }

    func live(_ record: PassRecord) async throws -> PassRecord {
        guard let (card, promo) = try await broadcasts.cardWithPromo(passTypeIdentifier: record.passTypeIdentifier, serialNumber: record.serialNumber) else {
            return record
        }
        return Self.live(record, card: card, promo: promo, program: program.program)
    }

    func live(_ pass: WavePass) -> PassRecord {
        guard let card = pass.card else { return pass.pass }
        return Self.live(pass.pass, card: card, promo: pass.promo, program: program.program)
    }

    static func live(_ record: PassRecord, card: CardRecord, promo: String?, program: LoyaltyProgram) -> PassRecord {
        var live = record
        (live.values, live.variant) = values(for: card, stored: record.values, program: program)
        if live.values["promo"] != nil, let promo { live.values["promo"] = .string(promo) }
        return live
    }

    /// The values a card's pass renders with: its stored values plus the live ones.
    static func values(for card: CardRecord, stored: [String: JSONValue], program: LoyaltyProgram) -> (values: [String: JSONValue], variant: String?) {
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
