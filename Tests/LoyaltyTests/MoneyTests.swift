import Core
import Foundation
import Loyalty
import Testing
import TestSupport

struct MoneyCase: Sendable, CustomTestStringConvertible {
    var input: String
    var expected: Result<Int64, MoneyError>
    var testDescription: String { "\(input.debugDescription) → \(expected)" }

    static func ok(_ input: String, _ minorUnits: Int64) -> MoneyCase { MoneyCase(input: input, expected: .success(minorUnits)) }
    static func fails(_ input: String, _ error: MoneyError) -> MoneyCase { MoneyCase(input: input, expected: .failure(error)) }
}

@Suite("Money")
struct MoneyTests {
    static let cases: [MoneyCase] = [
        .ok("0", 0),
        .ok("0.5", 50),
        .ok("0.05", 5),
        .ok("0.00", 0),
        .ok("1", 100),
        .ok("1500", 150_000),
        .ok("1500.5", 150_050),
        .ok("1500.00", 150_000),
        .ok("1499.99", 149_999),
        .ok("007", 700),
        .ok("10000000000000", 1_000_000_000_000_000),
        .ok("10000000000000.00", 1_000_000_000_000_000),
        .ok("9999999999999.99", 999_999_999_999_999),
        .ok("000000000000000000000000001.00", 100),
        .fails("", .empty),
        .fails("1500.001", .tooManyDecimals(3)),
        .fails("1500.000", .tooManyDecimals(3)),
        .fails("-1", .signNotAllowed),
        .fails("+1", .signNotAllowed),
        .fails("1e3", .exponentNotAllowed),
        .fails("1E3", .exponentNotAllowed),
        .fails("1,5", .commaNotAllowed),
        .fails("1,500.00", .commaNotAllowed),
        .fails(" 1", .containsWhitespace),
        .fails("1 ", .containsWhitespace),
        .fails("1 500", .containsWhitespace),
        .fails("1\u{00A0}500", .containsWhitespace),
        .fails(".5", .missingDigits),
        .fails("5.", .missingDigits),
        .fails(".", .missingDigits),
        .fails("1.2.3", .multipleDecimalPoints),
        .fails("10000000000000.01", .tooLarge),
        .fails("99999999999999999999999", .tooLarge),
        .fails("9223372036854775808", .tooLarge),
        .fails("abc", .invalidCharacter("a")),
        .fails("NaN", .invalidCharacter("N")),
        .fails("Infinity", .invalidCharacter("I")),
        .fails("0x10", .invalidCharacter("x")),
        .fails("$5", .invalidCharacter("$")),
        .fails("5₽", .invalidCharacter("₽")),
        .fails("１５００", .invalidCharacter("１")),
    ]

    @Test(arguments: cases)
    func parses(_ c: MoneyCase) {
        let actual = Result { () throws(MoneyError) in try Money(parsing: c.input).minorUnits }
        #expect(actual == c.expected)
    }

    @Test(arguments: [
        (Int64(0), "0.00"), (5, "0.05"), (50, "0.50"), (100, "1.00"), (149_999, "1499.99"),
        (150_000, "1500.00"), (123_456, "1234.56"), (1_000_000_000_000_000, "10000000000000.00"),
    ])
    func describes(_ minorUnits: Int64, _ text: String) throws {
        let m = Money(minorUnits: minorUnits)
        #expect(m.description == text)
        #expect(try Money(parsing: text) == m)
    }

    /// Every amount survives description → parsing (seeded, so a failure reproduces).
    @Test func descriptionRoundTripsForRandomAmounts() throws {
        var rng = SplitMix64(seed: 0x5EED_0001)
        for _ in 0..<20_000 {
            let m = Money(minorUnits: rng.spread(in: 0...Money.maximum.minorUnits))
            #expect(try Money(parsing: m.description) == m, "\(m.minorUnits)")
        }
    }

    @Test func exactlyRefusesOutOfRange() {
        #expect(Money(exactly: -1) == nil)
        #expect(Money(exactly: Money.maximum.minorUnits + 1) == nil)
        #expect(Money(exactly: 0) == .zero)
        #expect(Money(exactly: Money.maximum.minorUnits) == .maximum)
    }

    @Test func comparesByAmount() {
        #expect(money("0.99") < money("1"))
        #expect(money("1500") == money("1500.00"))
        #expect([money("3"), money("1"), money("2")].sorted() == [money("1"), money("2"), money("3")])
    }

    @Test func codableAsDecimalString() throws {
        let data = try JSONEncoder().encode([money("1500.5")])
        #expect(String(decoding: data, as: UTF8.self) == #"["1500.50"]"#)
        #expect(try JSONDecoder().decode([Money].self, from: data) == [money("1500.50")])
        // A JSON number is refused: it would be unclear whether it means units or minor units.
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Money].self, from: Data("[1500]".utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Money].self, from: Data(#"["1,5"]"#.utf8)) }
    }

    @Test(arguments: cases.compactMap { c -> MoneyError? in
        if case .failure(let e) = c.expected { return e } else { return nil }
    })
    func errorDescriptionIsOneLine(_ error: MoneyError) {
        #expect(isOneLine(error.description))
    }
}
