import Loyalty
import Testing

@Suite("Business keys")
struct BusinessKeyTests {
    @Test(arguments: [
        ("deal:123:accrual", .success("deal:123:accrual")),
        ("broadcast:42", .success("broadcast:42")),
        ("Deal:ABC", .success("Deal:ABC")),
        ("a", .success("a")),
        ("a/b.c_d-e:0", .success("a/b.c_d-e:0")),
        (String(repeating: "k", count: 128), .success(String(repeating: "k", count: 128))),
        (String(repeating: "k", count: 129), .failure(.tooLong(length: 129))),
        ("", .failure(.empty)),
        ("deal 123", .failure(.invalidCharacters(" "))),
        // Never trimmed: surrounding white space or controls are refused with their own reason.
        (" deal:1", .failure(.surroundingWhitespace)),
        ("deal:1 ", .failure(.surroundingWhitespace)),
        ("deal:1\n", .failure(.surroundingWhitespace)),
        ("\tdeal:1", .failure(.surroundingWhitespace)),
        ("deal:1\u{A0}", .failure(.surroundingWhitespace)),
        ("\u{7}deal:1", .failure(.surroundingWhitespace)),
        ("deal\u{7}1", .failure(.invalidCharacters("\u{7}"))),
        ("deal:123:начисление", .failure(.invalidCharacters("начисле"))),
        ("key?x=1&y=2", .failure(.invalidCharacters("?=&"))),
        ("deal#1", .failure(.invalidCharacters("#"))),
        ("deal:１", .failure(.invalidCharacters("１"))),
    ] as [(String, Result<String, BusinessKeyError>)])
    func validates(_ input: String, _ expected: Result<String, BusinessKeyError>) {
        #expect(Result { () throws(BusinessKeyError) in try BusinessKey.validate(input) } == expected)
        if case .failure(let error) = expected { #expect(isOneLine(error.description)) }
    }

    @Test func newlineIsSpelledOutInTheMessage() {
        #expect(BusinessKeyError.invalidCharacters("\n").description.contains("U+000A"))
    }
}
