import Foundation
import Loyalty
import PassBuilder
import Storage
import Testing

@testable import Server

/// The broadcast request's pure parts: CSV of phones, message and audience validation.
@Suite struct BroadcastParsingTests {
    @Test func csvWithHeaderAndQuotes() throws {
        let csv = "\u{FEFF}name;Phone;city\r\n\"Petrova; Anna\";\"8 (912) 345-67-89\";Moscow\r\n\r\nIvanov;+7 912 000 00 01;\n"
        let phones = try BroadcastCSV.phones(csv)
        #expect(phones.map(\.e164) == ["+79123456789", "+79120000001"])
    }

    @Test func csvWithoutHeaderTakesTheFirstColumn() throws {
        #expect(try BroadcastCSV.phones("+79123456789,Anna\n89120000001\n").map(\.e164) == ["+79123456789", "+79120000001"])
    }

    @Test func csvWithBadRowsIsRefusedNamingEveryLine() {
        let csv = "phone\n+79123456789\nnot a phone\n\n+7 912\n,\n+79120000001\n"
        do {
            _ = try BroadcastCSV.phones(csv)
            Issue.record("a file with bad rows must be refused")
        } catch {
            #expect(error.rows.map(\.line) == [3, 5, 6])
            #expect(error.description.hasPrefix("3 bad rows, nothing was sent: line 3: not a phone: "))
            #expect(error.description.contains("line 6: no phone in column 1"))
        }
    }

    @Test func csvQuotedQuotes() {
        #expect(BroadcastCSV.cells("\"a \"\"b\"\"\",  c ,\"\"", separator: ",") == ["a \"b\"", "c", ""])
    }

    @Test func messageLanguagesAndLimits() throws {
        let languages: Set<String> = ["ru", "en"]
        let both = try BroadcastMessage(.object(["ru": .string(" Привет "), "en": .string("Hi")]), languages: languages)
        #expect(both.texts == ["ru": "Привет", "en": "Hi"])
        #expect(both.promo == "Hi\nПривет", "languages in code order, one per line")
        let plain = try BroadcastMessage(.string("Sale!"), languages: languages)
        #expect(plain.texts == ["ru": "Sale!", "en": "Sale!"] && plain.promo == "Sale!")
        // 150 characters (emoji count as one) pass, 151 don't.
        _ = try BroadcastMessage(.string(String(repeating: "👍🏽", count: 150)), languages: languages)
        #expect(throws: APIError.self) { try BroadcastMessage(.string(String(repeating: "a", count: 151)), languages: languages) }
        #expect(Self.field { try BroadcastMessage(.object(["de": .string("Hallo")]), languages: languages) } == "message.de")
        #expect(Self.field { try BroadcastMessage(.string("  "), languages: languages) } == "message")
        #expect(Self.field { try BroadcastMessage(.string("a\u{7}b"), languages: languages) } == "message")
        #expect(Self.field { try BroadcastMessage(nil, languages: languages) } == "message")
        #expect(Self.field { try BroadcastMessage(.object([:]), languages: languages) } == "message")
    }

    @Test func audienceValidation() throws {
        let program = LoyaltyProgram.default
        let tier = try #require(program.tiers.last?.code)
        #expect(try BroadcastRequest.audience(.object(["type": .string("all")]), program: program) == .all)
        #expect(try BroadcastRequest.audience(.object(["type": .string("tiers"), "tiers": .array([.string(tier), .string(tier)])]), program: program) == .tiers([tier]))
        #expect(Self.field { try BroadcastRequest.audience(.object(["type": .string("tiers"), "tiers": .array([.string("platinum")])]), program: program) } == "audience.tiers")
        #expect(Self.field { try BroadcastRequest.audience(.object(["type": .string("tiers"), "tiers": .array([])]), program: program) } == "audience.tiers")
        #expect(Self.field { try BroadcastRequest.audience(.object(["type": .string("cards"), "cards": .array([])]), program: program) } == "audience.cards")
        #expect(Self.field { try BroadcastRequest.audience(.object(["type": .string("phones"), "csv": .string("phone\n")]), program: program) } == "audience.csv")
        #expect(Self.field { try BroadcastRequest.audience(.object(["type": .string("phones"), "csv": .string("x\n")]), program: program) } == "audience.csv")
        #expect(Self.field { try BroadcastRequest.audience(.object(["type": .string("everyone")]), program: program) } == "audience.type")
        #expect(Self.field { try BroadcastRequest.audience(nil, program: program) } == "audience")
        let body: [String: JSONValue] = ["message": .string("Hi"), "audience": .object(["type": .string("all")]), "points": .integer(1_000_001)]
        #expect(Self.field { try BroadcastRequest(body, program: program, languages: ["en"]) } == "points")
    }

    /// The field an APIError names (nil when nothing was thrown).
    static func field(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as APIError {
            #expect(error.status == .unprocessableContent)
            return error.field
        } catch {
            return "unexpected \(error)"
        }
    }
}
