import Loyalty
import Testing

@Suite("Text limits")
struct TextLimitTests {
    let name = TextLimit(characters: 200)

    @Test func oneLetterWithAHundredThousandCombiningMarksIsRefused() {
        // One character on screen, 100,001 code points, 200,001 bytes.
        let stacked = "a" + String(repeating: "\u{301}", count: 100_000)
        #expect(stacked.count == 1)
        #expect(throws: TextLimitError(field: "name", unit: .bytes, limit: 1600, actual: 200_001)) { try name.check(stacked, field: "name") }
        #expect(!name.allows(stacked))
    }

    @Test func eachUnitIsCounted() {
        let limit = TextLimit(characters: 3, scalars: 4, bytes: 8)
        #expect(limit.allows("abc"))
        #expect(throws: TextLimitError(field: "f", unit: .characters, limit: 3, actual: 4)) { try limit.check("abcd", field: "f") }
        // Two characters, five code points.
        #expect(throws: TextLimitError(field: "f", unit: .codePoints, limit: 4, actual: 5)) { try limit.check("e\u{301}\u{302}\u{303}x", field: "f") }
        // Two characters, two code points, 8 bytes: fits; one more byte does not.
        #expect(limit.allows("😀😀"))
        #expect(throws: TextLimitError(field: "f", unit: .bytes, limit: 8, actual: 9)) { try limit.check("😀😀a", field: "f") }
    }

    @Test func fullLengthTextOfAnyScriptFits() {
        for letter in ["a", "я", "語", "😀", "é"] {
            #expect(name.allows(String(repeating: letter, count: 200)), "\(letter)")
            #expect(!name.allows(String(repeating: letter, count: 201)), "\(letter)")
        }
        // Decomposed accents and skin tones (two code points a character) fit at full length too.
        #expect(name.allows(String(repeating: "e\u{301}", count: 200)))
        #expect(name.allows(String(repeating: "👍🏽", count: 200)))
        // Three code points a character do not.
        #expect(throws: TextLimitError(field: "name", unit: .codePoints, limit: 400, actual: 600)) {
            try name.check(String(repeating: "e\u{301}\u{302}", count: 200), field: "name")
        }
    }

    @Test func theMessageNamesFieldUnitAndNumbers() {
        let error = TextLimitError(field: "message.ru", unit: .codePoints, limit: 300, actual: 301)
        #expect(error.description == "message.ru is too long: 301 Unicode code points, at most 300")
        #expect(isOneLine(error.description))
    }
}
