import Foundation
import Loyalty
import Testing

struct PercentCase: Sendable, CustomTestStringConvertible {
    var input: String
    var expected: Result<Int, PercentError>
    var testDescription: String { "\(input.debugDescription) → \(expected)" }

    static func ok(_ input: String, _ basisPoints: Int) -> PercentCase { PercentCase(input: input, expected: .success(basisPoints)) }
    static func fails(_ input: String, _ error: PercentError) -> PercentCase { PercentCase(input: input, expected: .failure(error)) }
}

@Suite("Percent")
struct PercentTests {
    static let cases: [PercentCase] = [
        .ok("0", 0),
        .ok("5", 500),
        .ok("7.5", 750),
        .ok("7.50", 750),
        .ok("10.25", 1025),
        .ok("0.01", 1),
        .ok("0.5", 50),
        .ok("99.99", 9999),
        .ok("100", 10_000),
        .ok("100.00", 10_000),
        .fails("", .empty),
        .fails("100.01", .aboveHundred),
        .fails("101", .aboveHundred),
        .fails("99999999999999999999", .aboveHundred),
        .fails("7,5", .commaNotAllowed),
        .fails("7.5%", .invalidCharacter("%")),
        .fails("-5", .signNotAllowed),
        .fails("+5", .signNotAllowed),
        .fails("1e1", .exponentNotAllowed),
        .fails(" 5", .containsWhitespace),
        .fails("5 ", .containsWhitespace),
        .fails("7.555", .tooManyDecimals(3)),
        .fails(".5", .missingDigits),
        .fails("5.", .missingDigits),
        .fails("1.2.3", .multipleDecimalPoints),
        .fails("five", .invalidCharacter("f")),
        .fails("５", .invalidCharacter("５")),
    ]

    @Test(arguments: cases)
    func parses(_ c: PercentCase) {
        let actual = Result { () throws(PercentError) in try Percent(parsing: c.input).basisPoints }
        #expect(actual == c.expected)
    }

    @Test(arguments: [(0, "0"), (5, "0.05"), (50, "0.5"), (500, "5"), (750, "7.5"), (1010, "10.1"), (1025, "10.25"), (10_000, "100")])
    func describes(_ basisPoints: Int, _ text: String) {
        #expect(Percent(basisPoints: basisPoints).description == text)
    }

    /// Exhaustive: there are only 10 001 percentages.
    @Test func descriptionRoundTripsForEveryValue() throws {
        for bp in 0...10_000 {
            let p = Percent(basisPoints: bp)
            #expect(try Percent(parsing: p.description) == p, "\(bp)")
        }
    }

    @Test func exactlyRefusesOutOfRange() {
        #expect(Percent(exactly: -1) == nil)
        #expect(Percent(exactly: 10_001) == nil)
        #expect(Percent(exactly: 10_000) == .hundred)
        #expect(Percent(exactly: 0) == .zero)
    }

    @Test func comparesByValue() {
        #expect(percent("7") < percent("7.5"))
        #expect(percent("10") > percent("9.99"))
    }

    @Test func codableAsString() throws {
        let data = try JSONEncoder().encode([percent("7.50")])
        #expect(String(decoding: data, as: UTF8.self) == #"["7.5"]"#)
        #expect(try JSONDecoder().decode([Percent].self, from: data) == [percent("7.5")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Percent].self, from: Data("[7.5]".utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Percent].self, from: Data(#"["150"]"#.utf8)) }
    }

    @Test(arguments: cases.compactMap { c -> PercentError? in
        if case .failure(let e) = c.expected { return e } else { return nil }
    })
    func errorDescriptionIsOneLine(_ error: PercentError) {
        #expect(isOneLine(error.description))
    }
}
