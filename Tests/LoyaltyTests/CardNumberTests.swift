import Loyalty
import Testing

@Suite("Card numbers")
struct CardNumberTests {
    @Test func virtualNumbers() {
        let household = phone("8 (912) 345-67-89")
        #expect(CardNumbers.virtual(phone: household, suffix: 1) == "79123456789-1")
        #expect(CardNumbers.virtual(phone: household, suffix: 2) == "79123456789-2")
        #expect(CardNumbers.virtual(phone: household, suffix: 12) == "79123456789-12")
        #expect(CardNumbers.virtual(phone: phone("+44 20 7946 0958"), suffix: 1) == "442079460958-1")
    }

    @Test func virtualNumbersAreValidSuppliedNumbersToo() throws {
        // So a virtual number typed back in (e.g. from a printed card) passes the same check.
        let number = CardNumbers.virtual(phone: phone("+123456789012345"), suffix: 999)
        #expect(try CardNumbers.validateSupplied(number) == number)
    }

    @Test(arguments: [
        ([], 1), ([1], 2), ([1, 2, 3], 4), ([1, 3], 4), ([3, 1, 2], 4), ([2], 3), ([0, -1], 1), ([5, 5], 6),
    ] as [([Int], Int)])
    func nextSuffix(_ inUse: [Int], _ expected: Int) {
        #expect(CardNumbers.nextSuffix(inUse: inUse) == expected)
    }

    @Test(arguments: [
        ("1234", .success("1234")),
        ("ab-1234", .success("AB-1234")),
        ("Ab12", .success("AB12")),
        ("12--34", .success("12--34")),
        ("A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6", .success("A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6")),
        ("", .failure(.empty)),
        ("123", .failure(.tooShort(length: 3))),
        ("a-b", .failure(.tooShort(length: 3))),
        (String(repeating: "7", count: 33), .failure(.tooLong(length: 33))),
        ("-1234", .failure(.edgeDash)),
        ("1234-", .failure(.edgeDash)),
        ("12 34", .failure(.invalidCharacters(" "))),
        (" 1234", .failure(.invalidCharacters(" "))),
        ("1234_5", .failure(.invalidCharacters("_"))),
        ("карта1234", .failure(.invalidCharacters("карт"))),
        ("１２３４", .failure(.invalidCharacters("１２３４"))),
        ("abc😀", .failure(.invalidCharacters("😀"))),
        ("12.34/56", .failure(.invalidCharacters("./"))),
    ] as [(String, Result<String, CardNumberError>)])
    func supplied(_ input: String, _ expected: Result<String, CardNumberError>) {
        #expect(Result { () throws(CardNumberError) in try CardNumbers.validateSupplied(input) } == expected)
        if case .failure(let error) = expected { #expect(isOneLine(error.description)) }
    }
}
