import Foundation
import Loyalty
import Testing

struct ProgramCase: Sendable, CustomTestStringConvertible {
    var label: String
    var field: String
    var edit: @Sendable (inout LoyaltyProgram) -> Void
    var testDescription: String { "\(label) → \(field)" }

    init(_ label: String, _ field: String, _ edit: @escaping @Sendable (inout LoyaltyProgram) -> Void) {
        (self.label, self.field, self.edit) = (label, field, edit)
    }
}

@Suite("LoyaltyProgram")
struct ProgramTests {
    @Test func defaultValidates() throws {
        try LoyaltyProgram.default.validate()
        #expect(LoyaltyProgram.default.validationErrors().isEmpty)
    }

    @Test func defaultContents() {
        let p = LoyaltyProgram.default
        #expect(p.tiers.map(\.code) == ["base", "silver", "gold"])
        #expect(p.tiers.map(\.accrual) == [percent("5"), percent("7"), percent("10")])
        #expect(p.tiers.map(\.upgradeTurnover) == [nil, money("30000.00"), money("100000.00")])
        #expect(p.tiers.map(\.variant) == ["base", "silver", "gold"])
        #expect(p.defaultTier == "base")
        #expect(p.welcomePoints == 100)
        #expect(p.pointValue == money("1.00"))
        #expect(p.maxPaymentShare == percent("50"))
        #expect(p.cardNumbers == .virtualFromPhone)
        #expect(p.currency == "RUB")
    }

    @Test func tierLookup() {
        #expect(LoyaltyProgram.default.tier("silver")?.name == "Silver")
        #expect(LoyaltyProgram.default.tier("Silver") == nil)
        #expect(LoyaltyProgram.default.tier("") == nil)
    }

    static let broken: [ProgramCase] = [
        ProgramCase("empty name", "name") { $0.name = "" },
        ProgramCase("blank name", "name") { $0.name = " \t" },
        ProgramCase("long name", "name") { $0.name = String(repeating: "n", count: 101) },
        ProgramCase("lowercase currency", "currency") { $0.currency = "rub" },
        ProgramCase("four-letter currency", "currency") { $0.currency = "RUBL" },
        ProgramCase("empty currency", "currency") { $0.currency = "" },
        ProgramCase("capital code", "tiers[1].code") { $0.tiers[1].code = "Silver" },
        ProgramCase("empty code", "tiers[1].code") { $0.tiers[1].code = "" },
        ProgramCase("code with a space", "tiers[1].code") { $0.tiers[1].code = "sil ver" },
        ProgramCase("33-character code", "tiers[1].code") { $0.tiers[1].code = String(repeating: "s", count: 33) },
        ProgramCase("duplicate code", "tiers[2].code") { $0.tiers[2].code = "base" },
        ProgramCase("empty tier name", "tiers[0].name") { $0.tiers[0].name = "" },
        ProgramCase("long tier name", "tiers[0].name") { $0.tiers[0].name = String(repeating: "n", count: 65) },
        ProgramCase("empty variant", "tiers[1].variant") { $0.tiers[1].variant = "" },
        ProgramCase("variant with a slash", "tiers[1].variant") { $0.tiers[1].variant = "../gold" },
        ProgramCase("equal threshold", "tiers[2].upgradeTurnover") { $0.tiers[2].upgradeTurnover = money("30000.00") },
        ProgramCase("lower threshold", "tiers[2].upgradeTurnover") { $0.tiers[2].upgradeTurnover = money("20000.00") },
        ProgramCase("unknown default tier", "defaultTier") { $0.defaultTier = "platinum" },
        ProgramCase("negative welcome points", "welcomePoints") { $0.welcomePoints = -1 },
        ProgramCase("zero point value", "pointValue") { $0.pointValue = .zero },
    ]

    @Test(arguments: broken)
    func eachRuleNamesItsField(_ c: ProgramCase) {
        var program = LoyaltyProgram.default
        c.edit(&program)
        #expect(program.validationErrors().map(\.field) == [c.field])
        #expect(throws: ProgramError.self) { try program.validate() }
        do throws(ProgramError) {
            try program.validate()
        } catch {
            #expect(error.field == c.field)
            #expect(isOneLine(error.description))
            #expect(error.description.hasPrefix("\(c.field): "))
        }
    }

    @Test func noTiers() {
        var program = LoyaltyProgram.default
        program.tiers = []
        #expect(program.validationErrors().map(\.field) == ["tiers", "defaultTier"])
        #expect(throws: ProgramError(field: "tiers", message: "must contain at least one tier")) { try program.validate() }
    }

    @Test func thresholdsIncreaseOnlyWhereSet() throws {
        var program = LoyaltyProgram.default
        program.tiers.insert(Tier(code: "vip", name: "VIP", accrual: percent("8")), at: 2)
        try program.validate()
        program.tiers[3].upgradeTurnover = money("29999.99")
        #expect(program.validationErrors().map(\.field) == ["tiers[3].upgradeTurnover"])
    }

    @Test func allErrorsAreCollectedInFieldOrder() {
        var program = LoyaltyProgram.default
        program.name = ""
        program.tiers[1].code = "base"
        program.welcomePoints = -5
        program.pointValue = .zero
        #expect(program.validationErrors().map(\.field) == ["name", "tiers[1].code", "welcomePoints", "pointValue"])
        #expect(program.validationErrors()[1].message == "duplicates tiers[0].code \"base\"")
    }

    @Test func codableRoundTrip() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(LoyaltyProgram.default)
        let decoded = try JSONDecoder().decode(LoyaltyProgram.self, from: data)
        #expect(decoded == .default)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains(#""accrual" : "7""#))
        #expect(json.contains(#""upgradeTurnover" : "30000.00""#))
        #expect(json.contains(#""pointValue" : "1.00""#))
        #expect(json.contains(#""maxPaymentShare" : "50""#))
        #expect(json.contains(#""cardNumbers" : "virtualFromPhone""#))
    }

    @Test func decodesAHandWrittenProgram() throws {
        let json = """
        {
          "name": "Chess school", "currency": "RUB", "defaultTier": "pawn", "welcomePoints": 0,
          "pointValue": "0.50", "maxPaymentShare": "30", "cardNumbers": "supplied",
          "tiers": [
            {"code": "pawn", "name": "Pawn", "accrual": "3"},
            {"code": "queen", "name": "Queen", "accrual": "7.5", "upgradeTurnover": "50000", "variant": "gold"}
          ]
        }
        """
        let program = try JSONDecoder().decode(LoyaltyProgram.self, from: Data(json.utf8))
        try program.validate()
        #expect(program.tiers[1] == Tier(code: "queen", name: "Queen", accrual: percent("7.5"), upgradeTurnover: money("50000"), variant: "gold"))
        #expect(program.cardNumbers == .supplied)
    }

    @Test func decodingRejectsMalformedValues() {
        let good = try! JSONEncoder().encode(LoyaltyProgram.default)
        let text = String(decoding: good, as: UTF8.self)
        for (from, to) in [(#""7""#, #""7,5""#), (#""1.00""#, #""-1.00""#), (#""virtualFromPhone""#, #""random""#)] {
            let bad = Data(text.replacingOccurrences(of: from, with: to).utf8)
            #expect(throws: DecodingError.self, "\(to)") { try JSONDecoder().decode(LoyaltyProgram.self, from: bad) }
        }
    }
}
