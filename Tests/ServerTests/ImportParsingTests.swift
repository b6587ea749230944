import Foundation
import Loyalty
import Storage
import Testing

@testable import Server

/// Reading and checking an import file (``ImportCSV``), without a database: the columns, the
/// Russian headers, and every kind of bad line refusing the whole file with its line number.
@Suite struct ImportParsingTests {
    let program = LoyaltyProgram.default

    func parse(_ text: String, program: LoyaltyProgram? = nil) throws -> ImportFile {
        try ImportCSV.parse(Array(text.utf8), program: program ?? self.program)
    }

    /// The refusal of `text`; records an issue when it is accepted.
    func refusal(_ text: String, program: LoyaltyProgram? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> ImportRefusal? {
        do {
            let file = try ImportCSV.parse(Array(text.utf8), program: program ?? self.program)
            Issue.record("accepted \(file.rows.count) rows of \(text.debugDescription)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test func englishHeadersEveryColumn() throws {
        let file = try parse("""
            name,phone,external_id,card_number,balance,tier,turnover,status
            Anna,+7 912 345-67-89,crm-1,pl-0001,500,silver,35000.00,active
            Boris,8 (912) 345-67-89,,,0,,,blocked
            """)
        #expect(file.rows.count == 2)
        let anna = file.rows[0], boris = file.rows[1]
        #expect(anna.line == 2 && anna.name == "Anna" && anna.phone.e164 == "+79123456789" && anna.externalID == "crm-1")
        #expect(anna.number == "PL-0001", "card numbers are upper-cased as the API does")
        #expect(anna.balance == 500 && anna.tier == "silver" && anna.turnover == 3_500_000 && anna.status == .active)
        #expect(boris.line == 3 && boris.phone == anna.phone && boris.number == nil && boris.externalID == nil && boris.balance == 0 && boris.status == .blocked)
        #expect(file.householdTiers[anna.phone] == "silver", "the household's tier is the one its rows name")
        #expect(file.numbers == ["PL-0001"] && file.externalIDs == ["crm-1"])
    }

    @Test func russianHeadersSemicolonsAndDecimalComma() throws {
        let file = try parse("""
            \u{FEFF}ФИО;Телефон;Внешний ID;Номер карты;Баллы;Уровень;Оборот\r
            Анна Петрова;89123456789;42;;1000;;\r
            \r
            Вера;+79120000002;43;;7;Gold;1500,50\r
            """)
        #expect(file.rows.map(\.line) == [2, 4], "line numbers count the blank line, as an editor shows them")
        #expect(file.rows[0].name == "Анна Петрова" && file.rows[0].externalID == "42" && file.rows[0].balance == 1000)
        #expect(file.rows[1].turnover == 150_050 && file.rows[1].tier == "gold", "a tier's name in any case is its code")
    }

    @Test func windows1251IsRead() throws {
        let text = "имя;телефон\nАнна;+79123456789\n"
        let bytes = try #require(text.data(using: .windowsCP1251))
        #expect(String(validating: [UInt8](bytes), as: UTF8.self) == nil, "the fixture is not UTF-8")
        let file = try ImportCSV.parse([UInt8](bytes), program: program)
        #expect(file.rows.first?.name == "Анна")
    }

    @Test func householdTierIsTheHighestNamedAndVirtualRowsCountOccurrences() throws {
        let file = try parse("""
            name,phone,tier
            Anna,+79123456789,gold
            Boris,+79123456789,silver
            Anna,+79123456789,
            Vera,+79120000002,
            """)
        #expect(file.householdTiers[try PhoneNumber(parsing: "+79123456789")] == "gold")
        #expect(file.householdTiers[try PhoneNumber(parsing: "+79120000002")] == nil)
        #expect(file.occurrences == [1, 1, 2, 1], "the second Anna of the household is its second occurrence")
    }

    // MARK: bad input: refused whole, every bad line named

    @Test func everyBadLineIsNamed() throws {
        let refused = try #require(refusal("""
            name,phone,balance,tier
            Anna,+79123456789,10,base
            Boris,12345,10,base
            Vera,+79120000002,-5,base
            Gleb,+79120000003,10,platinum
            Dana,+79120000004,ten,
            ,+79120000005,1,
            Egor,+79120000006,1,base
            """))
        #expect(refused.lines.map(\.line) == [3, 4, 5, 6, 7], "\(refused)")
        #expect(refused.lines[1].reason.contains("negative"), "\(refused)")
        #expect(refused.lines[2].reason.contains("unknown tier \"platinum\""), "\(refused)")
        #expect(refused.lines[3].reason.contains("not a whole number"), "\(refused)")
        #expect(refused.lines[4].reason.contains("no name"), "\(refused)")
        #expect(refused.description.hasPrefix("5 bad lines, nothing was imported: line 3:"), "\(refused)")
    }

    @Test func duplicatedCardNumberNamesBothLines() throws {
        let refused = try #require(refusal("""
            name,phone,card_number
            Anna,+79123456789,PL-0001
            Boris,+79120000002,PL-0002
            Vera,+79120000003,pl-0001
            """))
        #expect(refused.lines.map(\.line) == [2, 4], "\(refused)")
        #expect(refused.lines[0].reason.contains("PL-0001 is on line 4 too"), "\(refused)")
        #expect(refused.lines[1].reason.contains("is on line 2 too"), "\(refused)")
    }

    @Test func duplicatedExternalIDIsRefused() throws {
        let refused = try #require(refusal("name,phone,external_id\nAnna,+79123456789,7\nBoris,+79120000002,7\n"))
        #expect(refused.lines.map(\.line) == [2, 3], "\(refused)")
    }

    @Test func phoneInTwoFormatsInOneCellIsRefused() throws {
        let refused = try #require(refusal("""
            name;phone
            Anna;+7 912 345-67-89, 8 912 345-67-89
            Boris;89120000002 / +79120000003
            Vera;+79120000004
            """))
        #expect(refused.lines.map(\.line) == [2, 3], "\(refused)")
        #expect(refused.lines[0].reason.contains("holds two numbers (+79123456789, +79123456789)"), "\(refused)")
    }

    @Test func unknownAndMissingColumnsAreRefusedOnTheHeaderLine() throws {
        let unknown = try #require(refusal("name,phone,email\nAnna,+79123456789,a@example.com\n"))
        #expect(unknown.lines.map(\.line) == [1] && unknown.lines[0].reason.contains("unknown column \"email\""), "\(unknown)")
        let missing = try #require(refusal("name,balance\nAnna,5\n"))
        #expect(missing.lines.map(\.line) == [1] && missing.lines[0].reason.contains("no phone column"), "\(missing)")
        let twice = try #require(refusal("name,phone,телефон\nAnna,+79123456789,+79123456789\n"))
        #expect(twice.lines.first?.reason.contains("named twice") == true, "\(twice)")
    }

    @Test func emptyFilesAreRefused() throws {
        for text in ["", "\n\n  \n", "\u{FEFF}"] {
            let refused = try #require(refusal(text))
            #expect(refused.lines.map(\.line) == [1] && refused.lines[0].reason.contains("empty"), "\(text.debugDescription): \(refused)")
        }
        let headerOnly = try #require(refusal("name,phone\n"))
        #expect(headerOnly.lines[0].reason.contains("no rows"), "\(headerOnly)")
    }

    @Test func suppliedNumbersAreRequiredWhenTheProgramUsesPlastic() throws {
        var plastic = program
        plastic.cardNumbers = .supplied
        let refused = try #require(refusal("name,phone,card_number\nAnna,+79123456789,PL-0001\nBoris,+79120000002,\n", program: plastic))
        #expect(refused.lines.map(\.line) == [3] && refused.lines[0].reason.contains("plastic"), "\(refused)")
        let badNumber = try #require(refusal("name,phone,card_number\nAnna,+79123456789,P 1\n"))
        #expect(badNumber.lines.map(\.line) == [2], "\(badNumber)")
    }

    @Test func tooManyCellsIsRefused() throws {
        let refused = try #require(refusal("name,phone\nAnna,+79123456789,extra\n"))
        #expect(refused.lines.map(\.line) == [2] && refused.lines[0].reason.contains("3 cells"), "\(refused)")
    }
}
