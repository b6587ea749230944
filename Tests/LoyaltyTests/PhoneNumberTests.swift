import Foundation
import Loyalty
import Testing

struct PhoneCase: Sendable, CustomTestStringConvertible {
    var input: String
    var expected: Result<String, PhoneNumberError>
    var testDescription: String { "\(input.debugDescription) → \(expected)" }

    static func ok(_ input: String, _ e164: String) -> PhoneCase { PhoneCase(input: input, expected: .success(e164)) }
    static func fails(_ input: String, _ error: PhoneNumberError) -> PhoneCase { PhoneCase(input: input, expected: .failure(error)) }
}

@Suite("PhoneNumber")
struct PhoneNumberTests {
    static let cases: [PhoneCase] = [
        // Russian domestic and +7 forms.
        .ok("8 (912) 345-67-89", "+79123456789"),
        .ok("+7 912 345 67 89", "+79123456789"),
        .ok("+7(912)345-67-89", "+79123456789"),
        .ok("79123456789", "+79123456789"),
        .ok("89123456789", "+79123456789"),
        .ok("9123456789", "+79123456789"),
        .ok("912-345-67-89", "+79123456789"),
        .ok("8.912.345.67.89", "+79123456789"),
        .ok("007 912 345 67 89", "+79123456789"),
        .ok("8 (495) 123-45-67", "+74951234567"),
        .ok("8 800 555-35-35", "+78005553535"),
        .ok("+7 (343) 123-45-67", "+73431234567"),
        .ok("+7 701 234 56 78", "+77012345678"),
        // Whitespace anywhere, including leading/trailing, tabs, newlines, NBSP and Unicode hyphens.
        .ok("  +7 912 345 67 89  ", "+79123456789"),
        .ok("\t8 912 345 67 89\n", "+79123456789"),
        .ok("+7\u{00A0}912\u{00A0}345\u{2011}67\u{2013}89", "+79123456789"),
        // Other countries.
        .ok("+1 (415) 555-2671", "+14155552671"),
        .ok("+44 20 7946 0958", "+442079460958"),
        .ok("0044 20 7946 0958", "+442079460958"),
        .ok("8 10 44 20 7946 0958", "+442079460958"),
        .ok("+49 30 12345678", "+493012345678"),
        .ok("+380 44 123 4567", "+380441234567"),
        .ok("+375 (29) 123-45-67", "+375291234567"),
        .ok("+86 138 0013 8000", "+8613800138000"),
        .ok("+81 3-1234-5678", "+81312345678"),
        .ok("+995 555 12 34 56", "+995555123456"),
        .ok("+12345678", "+12345678"),
        .ok("+123456789012345", "+123456789012345"),
        // Empty.
        .fails("", .empty),
        .fails("   ", .empty),
        .fails("()--", .empty),
        // Characters that are not digits: letters, emoji, lookalikes, invisible marks.
        .fails("+7 912 ABC 67 89", .invalidCharacters("ABC")),
        .fails("📞 +7 912 345 67 89", .invalidCharacters("📞")),
        .fails("+7 912 345 67 89 доб. 123", .invalidCharacters("доб")),
        .fails("tel:+79123456789", .invalidCharacters("tel:")),
        .fails("８９１２３４５６７８９", .invalidCharacters("８９１２３４５６７")),
        .fails("＋79123456789", .invalidCharacters("＋")),
        .fails("+7 ９12 345 67 89", .invalidCharacters("９")),
        .fails("٨٩١٢٣٤٥٦٧٨٩", .invalidCharacters("٨٩١٢٣٤٥٦٧")),
        .fails("\u{200E}+7 912 345 67 89", .invalidCharacters("\u{200E}")),
        .fails("+7/912/3456789", .invalidCharacters("/")),
        // Plus signs.
        .fails("7+9123456789", .misplacedPlus),
        .fails("++79123456789", .misplacedPlus),
        // Length.
        .fails("+", .tooShort(digits: 0)),
        .fails("00", .tooShort(digits: 0)),
        .fails("+1234567", .tooShort(digits: 7)),
        .fails("12345", .tooShort(digits: 5)),
        .fails("912345678", .tooShort(digits: 9)),
        .fails("8912345", .tooShort(digits: 7)),
        .fails("+1234567890123456", .tooLong(digits: 16)),
        .fails("1234567890123456", .tooLong(digits: 16)),
        // Country code.
        .fails("+0 123 456 789", .leadingZeroCountryCode),
        .fails("000 123 456 789", .leadingZeroCountryCode),
        .fails("4951234567", .missingCountryCode(digits: 10)),
        .fails("49301234567", .missingCountryCode(digits: 11)),
        .fails("91234567890", .missingCountryCode(digits: 11)),
        .fails("0912345678", .missingCountryCode(digits: 10)),
        .fails("+8 912 345 67 89", .plusEightInsteadOfSeven),
        // Russian numbers of the wrong shape.
        .fails("+7 912 345 67 8", .invalidRussianLength(digits: 10)),
        .fails("+7 912 345 67 890", .invalidRussianLength(digits: 12)),
        .fails("8 912 345 67 890", .invalidRussianLength(digits: 12)),
        .fails("8912345678", .invalidRussianLength(digits: 10)),
        .fails("8 012 345 67 89", .invalidRussianAreaCode("012")),
        .fails("+7 112 345 67 89", .invalidRussianAreaCode("112")),
        .fails("+7 212 345 67 89", .invalidRussianAreaCode("212")),
        .fails("7 512 345 67 89", .invalidRussianAreaCode("512")),
        .fails("8 10 12345678", .invalidRussianAreaCode("101")),
    ]

    @Test(arguments: cases)
    func parses(_ c: PhoneCase) {
        let actual = Result { () throws(PhoneNumberError) in try PhoneNumber(parsing: c.input).e164 }
        #expect(actual == c.expected)
    }

    @Test func tableIsLargeAndCoversEveryReason() {
        #expect(Self.cases.count >= 30)
        let reasons = Set(Self.cases.compactMap { c -> Int? in
            guard case .failure(let e) = c.expected else { return nil }
            switch e {
            case .empty: return 0
            case .invalidCharacters: return 1
            case .misplacedPlus: return 2
            case .tooShort: return 3
            case .tooLong: return 4
            case .leadingZeroCountryCode: return 5
            case .missingCountryCode: return 6
            case .invalidRussianLength: return 7
            case .invalidRussianAreaCode: return 8
            case .plusEightInsteadOfSeven: return 9
            }
        })
        #expect(reasons == Set(0..<10))
    }

    @Test func digitsAndDescription() {
        let number = phone("8 (912) 345-67-89")
        #expect(number.digits == "79123456789")
        #expect(number.description == "+79123456789")
        #expect("\(number)" == "+79123456789")
    }

    @Test func spellingsOfOneNumberAreEqual() {
        let spellings = ["8 (912) 345-67-89", "+7 912 345 67 89", "79123456789", "9123456789", "0079123456789"]
        #expect(Set(spellings.map(phone)).count == 1)
    }

    @Test func encodesAsE164String() throws {
        let data = try JSONEncoder().encode([phone("8 912 345 67 89")])
        #expect(String(decoding: data, as: UTF8.self) == #"["+79123456789"]"#)
    }

    @Test func decodingNormalisesAndRevalidates() throws {
        let decoded = try JSONDecoder().decode([PhoneNumber].self, from: Data(#"["8 (912) 345-67-89"]"#.utf8))
        #expect(decoded == [phone("+79123456789")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([PhoneNumber].self, from: Data(#"["12345"]"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([PhoneNumber].self, from: Data(#"[79123456789]"#.utf8)) }
    }

    @Test(arguments: cases.compactMap { c -> PhoneNumberError? in
        if case .failure(let e) = c.expected { return e } else { return nil }
    })
    func errorDescriptionIsOneLine(_ error: PhoneNumberError) {
        #expect(isOneLine(error.description))
    }

    @Test func invisibleCharactersAreSpelledOut() {
        #expect(PhoneNumberError.invalidCharacters("\u{200E}").description.contains("U+200E"))
    }
}
