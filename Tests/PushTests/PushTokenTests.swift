import Push
import Testing

@Suite struct PushTokenTests {
    static let valid64 = String(repeating: "ab", count: 32)

    static let accepted: [(String, String)] = [
        (valid64, valid64),
        (valid64.uppercased(), valid64),
        ("0123456789ABCDEFabcdef" + String(repeating: "0", count: 42), "0123456789abcdefabcdef" + String(repeating: "0", count: 42)),
        (String(repeating: "f", count: 200), String(repeating: "f", count: 200)),
        (String(repeating: "1", count: 66), String(repeating: "1", count: 66)),
    ]

    static let rejected: [(String, PushTokenError)] = [
        ("", .empty),
        (String(repeating: "a", count: 62), .tooShort(length: 62)),
        (String(repeating: "a", count: 202), .tooLong(length: 202)),
        (String(repeating: "a", count: 65), .oddLength(length: 65)),
        ("g" + String(repeating: "a", count: 63), .notHexadecimal(offset: 0)),
        (String(repeating: "a", count: 10) + " " + String(repeating: "a", count: 53), .notHexadecimal(offset: 10)),
        (String(repeating: "a", count: 32) + "/" + String(repeating: "a", count: 31), .notHexadecimal(offset: 32)),
        ("é" + String(repeating: "a", count: 63), .notHexadecimal(offset: 0)),
        ("<" + String(repeating: "a", count: 62) + ">", .notHexadecimal(offset: 0)),
    ]

    @Test(arguments: accepted)
    func accepts(input: String, normalised: String) throws {
        let token = try PushToken(input)
        #expect(token.hex == normalised)
        #expect(token.description == normalised)
    }

    @Test(arguments: rejected)
    func rejects(input: String, error: PushTokenError) {
        #expect(throws: error) { try PushToken(input) }
    }

    @Test func errorsSayWhy() {
        #expect(PushTokenError.tooShort(length: 3).description.contains("at least 64"))
        #expect(PushTokenError.notHexadecimal(offset: 7).description.contains("offset 7"))
    }

    @Test func equalAfterNormalisation() throws {
        #expect(try PushToken(Self.valid64.uppercased()) == PushToken(Self.valid64))
    }
}
