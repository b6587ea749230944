import Foundation
import Testing

@testable import PassBuilder

/// The strict JSON parser, the deterministic writer and RFC 7386 merge patch.
@Suite struct JSONTests {
    // MARK: helpers

    private static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONValue(parsing: Array(text.utf8))
    }

    private static func parseError(_ text: String, lenient: Bool = false) -> JSONParseError? {
        do {
            _ = lenient ? try JSONValue(parsingLeniently: Array(text.utf8)) : try JSONValue(parsing: Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    private static func text(_ value: JSONValue) -> String { String(decoding: value.serialized(), as: UTF8.self) }

    // MARK: round trips

    static let roundTripDocuments: [String] = [
        #"null"#, #"true"#, #"false"#, #"0"#, #"-1"#, #"1.5"#, #"-0.25"#, #""""#, #""x""#,
        #"[]"#, #"{}"#, #"[[],{},[{}]]"#,
        #"{"a":[1,2.5,"three",true,false,null,{"b":{}}]}"#,
        #"{"ключ":"значение","emoji":"😀👩‍👩‍👧","combining":"é"}"#,
        #"{"esc":"\"\\\n\r\t\u0000\u001f\u0008\u000c","slash":"a/b"}"#,
        #"[9223372036854775807,-9223372036854775808,1e+300,5e-324,0.1]"#,
    ]

    @Test("parse → serialize → parse is the identity", arguments: roundTripDocuments)
    func roundTrip(_ document: String) throws {
        let value = try Self.parse(document)
        let again = try JSONValue(parsing: value.serialized())
        #expect(again == value)
        // Serialization is a fixed point after one pass.
        #expect(again.serialized() == value.serialized())
        // Pretty output parses back to the same value too.
        #expect(try JSONValue(parsing: value.prettySerialized()) == value)
    }

    /// Documents already in the writer's form come back byte for byte (no normalization of
    /// decomposed characters, no re-escaping, integers stay integers).
    @Test(arguments: [
        #"{"":0,"a":{"b":[true,false,null]},"e\#u{301}":"é","z":-1.5}"#,
        #"["\"\\\n\r\t\u0000\u001f/",1e+300,-9223372036854775808,0.1]"#,
        #"{"ж":{"😀":["‍",""]}}"#,
    ])
    func canonicalDocumentsAreByteIdentical(_ document: String) throws {
        #expect(try Self.parse(document).serialized() == Array(document.utf8))
    }

    @Test func canonicalOutputOfAKnownDocument() throws {
        let value = try Self.parse("""
            {
              "z" : [ 1 , 2.5 , "x" ],
              "a" : { "y" : null, "b" : true },
              "m" : -7
            }
            """)
        #expect(Self.text(value) == #"{"a":{"b":true,"y":null},"m":-7,"z":[1,2.5,"x"]}"#)
        #expect(String(decoding: value.prettySerialized(), as: UTF8.self) == """
            {
              "a": {
                "b": true,
                "y": null
              },
              "m": -7,
              "z": [
                1,
                2.5,
                "x"
              ]
            }

            """)
        // Empty containers stay on one line when indented.
        #expect(String(decoding: JSONValue.object(["e": .array([]), "o": .object([:])]).prettySerialized(), as: UTF8.self)
            == "{\n  \"e\": [],\n  \"o\": {}\n}\n")
    }

    // MARK: strictness

    @Test func byteOrderMarkIsRejected() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"a":1}"#.utf8)
        let error = try #require(throws: JSONParseError.self) { try JSONValue(parsing: bytes) }
        #expect(error.message.contains("byte-order mark"))
        #expect(error.line == 1 && error.column == 1)
        // Lenient parsing is about trailing commas only: the BOM stays an error.
        #expect(throws: JSONParseError.self) { try JSONValue(parsingLeniently: bytes) }
        // Without the BOM the same text is fine.
        #expect(try JSONValue(parsing: bytes.dropFirst(3)) == .object(["a": .integer(1)]))
    }

    @Test(arguments: [
        (#"[1, 2,]"#, JSONValue.array([.integer(1), .integer(2)])),
        (#"{"a": 1,}"#, JSONValue.object(["a": .integer(1)])),
        ("{\"a\": [1,\n],\n \"b\": {\"c\": {},},\n}", JSONValue.object(["a": .array([.integer(1)]), "b": .object(["c": .object([:])])])),
    ])
    func trailingCommaIsStrictByDefaultAndLenientOnRequest(_ text: String, _ expected: JSONValue) throws {
        let strict = try #require(Self.parseError(text))
        #expect(strict.message.contains("expected"))
        #expect(try JSONValue(parsingLeniently: Array(text.utf8)) == expected)
    }

    @Test(arguments: [#"[,]"#, #"[1,,]"#, #"{,}"#, #"{"a":1,,}"#, #"[1 2]"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#, #"[1,"#, #"{"a":1,"#])
    func lenientParsingStillRejectsOtherSyntaxErrors(_ text: String) {
        #expect(Self.parseError(text, lenient: true) != nil)
        #expect(Self.parseError(text) != nil)
    }

    @Test func duplicateKeysAreRejectedWithTheirPosition() throws {
        let error = try #require(Self.parseError("{\n  \"a\": 1,\n  \"a\": 2\n}"))
        #expect(error.message == #"duplicate key "a""#)
        #expect(error.line == 3)
        #expect(error.column == 3)

        let nested = try #require(Self.parseError(#"{"o": {"k": [], "x": 0, "k": null}}"#))
        #expect(nested.message.contains(#""k""#))
        #expect(nested.line == 1 && nested.column == 25)

        // Same key in sibling objects is fine.
        #expect(Self.parseError(#"[{"a":1},{"a":2}]"#) == nil)
    }

    @Test(arguments: ["01", "-01", "00", "[007]", #"{"a": 0123}"#])
    func leadingZerosAreRejected(_ text: String) throws {
        let error = try #require(Self.parseError(text))
        #expect(error.message.contains("leading zeros"))
    }

    @Test(arguments: [
        #""\ud800""#, #""\udc00""#, #""\ud800x""#, #""\ud800\u0041""#, #""\udbff\udbff""#, #""a\udfffb""#,
    ])
    func loneSurrogatesAreRejected(_ text: String) throws {
        let error = try #require(Self.parseError(text))
        #expect(error.message.contains("surrogate"))
    }

    @Test func escapedSurrogatePairsAndOtherEscapesDecode() throws {
        #expect(try Self.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try Self.parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try Self.parse(#""\u0041\u00e9\u0416\uffff""#) == .string("Aé\u{416}\u{FFFF}"))
        #expect(try Self.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(Self.parseError(#""\x""#)?.message.contains("invalid escape") == true)
        #expect(Self.parseError(#""\u12""#) != nil)
        #expect(Self.parseError(#""\u12g4""#)?.message.contains("hex") == true)
    }

    @Test func unescapedControlCharactersAreRejected() throws {
        for byte in UInt8(0)..<0x20 {
            let bytes: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "a"), byte, UInt8(ascii: "\"")]
            let error = try #require(throws: JSONParseError.self, "U+\(byte)") { try JSONValue(parsing: bytes) }
            #expect(error.message.contains("control character"), "U+\(byte)")
            // Escaped, the same character is accepted.
            let escaped = "\"a\\u00\(String(byte, radix: 16).count == 1 ? "0" : "")\(String(byte, radix: 16))\""
            #expect(try Self.parse(escaped) == .string("a" + String(Character(Unicode.Scalar(byte)))))
        }
        // DEL and non-ASCII need no escaping.
        #expect(try JSONValue(parsing: [0x22, 0x7F, 0xC3, 0xA9, 0x22]) == .string("\u{7F}é"))
    }

    @Test func invalidUTF8InAStringIsRejected() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xED, 0xA0, 0x80, 0x22]) }  // UTF-8 encoded surrogate
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0x5C, 0x6E, 0xFF, 0x22]) }  // after an escape
    }

    @Test func depthLimit() throws {
        let limit = JSONParser.maxDepth
        #expect(limit == 256)
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        var value = try Self.parse(deepest)
        var depth = 0
        while case .array(let a) = value { depth += 1; value = a.first ?? .null }
        #expect(depth == limit)

        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(Self.parseError(tooDeep)?.message.contains("nesting deeper") == true)
        let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(Self.parseError(objects)?.message.contains("nesting deeper") == true)
        // A hostile document is an error, not a stack overflow.
        #expect(Self.parseError(String(repeating: "[", count: 200_000)) != nil)
    }

    @Test func integersAndFractionsStayApart() throws {
        #expect(try Self.parse("1") == .integer(1))
        #expect(try Self.parse("-42") == .integer(-42))
        #expect(try Self.parse("1.0") == .number(1.0))
        #expect(try Self.parse("1e2") == .number(100))
        #expect(try Self.parse("1E+2") == .number(100))
        #expect(try Self.parse("25e-1") == .number(2.5))
        #expect(try Self.parse("0.5") == .number(0.5))
        #expect(try Self.parse("9223372036854775807") == .integer(.max))
        #expect(try Self.parse("-9223372036854775808") == .integer(.min))
        // One past Int64: still a number, as a double.
        #expect(try Self.parse("9223372036854775808") == .number(9_223_372_036_854_775_808))
        #expect(try Self.parse("1250").isNumber)
        #expect(try Self.parse("\"1250\"").isNumber == false)
    }

    @Test func negativeZero() throws {
        // "-0" is an integer zero; "-0.0" keeps its sign as a double.
        #expect(try Self.parse("-0") == .integer(0))
        guard case .number(let d) = try Self.parse("-0.0") else { Issue.record("-0.0 should be a number"); return }
        #expect(d == 0 && d.sign == .minus)
    }

    @Test(arguments: ["1.", ".5", "+1", "1e", "1e+", "-", "--1", "0x10", "NaN", "Infinity", "-Infinity", "1.5.2", "1e400", "-1e400"])
    func malformedNumbersAreRejected(_ text: String) {
        #expect(Self.parseError(text) != nil)
    }

    @Test(arguments: ["", " ", "tru", "nul", "True", "[1] x", "{} {}", "'a'", #"{a: 1}"#, #"{"a":1"#, #""abc"#, "[", "]"])
    func otherSyntaxErrors(_ text: String) {
        #expect(Self.parseError(text) != nil)
    }

    @Test func errorLineAndColumnOnAMultiLineInput() throws {
        let text = "{\n  \"a\": 1,\n  \"b\": tru\n}"
        let error = try #require(Self.parseError(text))
        #expect(error.line == 3)
        #expect(error.column == 8)
        #expect(error.description == "line 3, column 8: \(error.message)")

        // Columns count characters, not bytes.
        let wide = try #require(Self.parseError("[\"é😀\", x]"))
        #expect(wide.line == 1 && wide.column == 8)

        // CRLF line ends: the column restarts after each line.
        let crlf = try #require(Self.parseError("[\r\n1,\r\n  ?]"))
        #expect(crlf.line == 3 && crlf.column == 3)

        // Unterminated input points at the end.
        let end = try #require(Self.parseError("[1,\n 2"))
        #expect(end.line == 2 && end.column == 3)
        #expect(end.message.contains("unterminated"))

        // Text after the value.
        let trailing = try #require(Self.parseError("{}\n\n  x"))
        #expect(trailing.line == 3 && trailing.column == 3)
    }

    // MARK: writer

    @Test func writerSortsKeysByUTF8Bytes() throws {
        let value = JSONValue.object([
            "b": .integer(1), "a": .integer(2), "é": .integer(3), "Z": .integer(4), "aa": .integer(5),
            "\u{FF5E}": .integer(6), "😀": .integer(7), "": .integer(8),
        ])
        // UTF-16 order would put 😀 (D83D…) before U+FF5E; UTF-8 byte order puts it after (F0… > EF…).
        #expect(Self.text(value) == #"{"":8,"Z":4,"a":2,"aa":5,"b":1,"é":3,"～":6,"😀":7}"#)

        // Deterministic however the dictionary was built.
        var forward: [String: JSONValue] = [:]
        var backward: [String: JSONValue] = [:]
        let keys = (0..<200).map { "key\($0 * 7919 % 1000)" }
        for k in keys { forward[k] = .string(k) }
        for k in keys.reversed() { backward[k] = .string(k) }
        backward.reserveCapacity(4096)
        #expect(JSONValue.object(forward).serialized() == JSONValue.object(backward).serialized())
        #expect(JSONValue.object(forward).prettySerialized() == JSONValue.object(backward).prettySerialized())
    }

    @Test func writerEscapes() {
        let s = "\"\\\n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F}/é😀\u{2028}"
        #expect(Self.text(.string(s)) == "\"\\\"\\\\\\n\\r\\t\\u0008\\u000c\\u0000\\u001f\u{7F}/é😀\u{2028}\"")
        for byte in UInt8(0)..<0x20 {
            let out = Self.text(.string(String(Character(Unicode.Scalar(byte)))))
            #expect(!out.utf8.contains { $0 < 0x20 }, "U+\(byte) must be escaped")
        }
    }

    @Test func writerNeverEscapesSlash() throws {
        let value = JSONValue.object(["url": .string("https://example.com/a/b?c=d/e"), "a/b": .string("/")])
        let out = Self.text(value)
        #expect(out == #"{"a/b":"/","url":"https://example.com/a/b?c=d/e"}"#)
        #expect(!out.contains("\\/"))
        // An escaped slash in the input comes out plain.
        #expect(Self.text(try Self.parse(#""a\/b""#)) == #""a/b""#)
    }

    @Test func writerNumbers() {
        #expect(Self.text(.integer(.min)) == "-9223372036854775808")
        #expect(Self.text(.integer(.max)) == "9223372036854775807")
        #expect(Self.text(.number(21.75)) == "21.75")
        #expect(Self.text(.number(0.1)) == "0.1")
        #expect(Self.text(.number(1e300)) == "1e+300")
        #expect(Self.text(.number(-2.5e-8)) == "-2.5e-08")
        // Integral doubles within ±2^53 print without a fraction (as JavaScript does) ...
        #expect(Self.text(.number(100)) == "100")
        #expect(Self.text(.number(-0.0)) == "0")
        // ... and larger ones keep an exponent so they read back as doubles.
        #expect(Self.text(.number(9_007_199_254_740_992)) == "9007199254740992.0")
        #expect(Self.text(.number(1e16)) == "1e+16")
        for d in [1e300, -2.5e-8, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1 + 0.2, 9_007_199_254_740_993.0 * 3] {
            guard case .number(let back) = try? JSONValue(parsing: JSONValue.number(d).serialized()) else {
                Issue.record("\(d) should read back as a number"); continue
            }
            #expect(back == d)
        }
    }

    // MARK: merge patch (RFC 7386, Appendix A)

    static let rfc7386Examples: [(original: String, patch: String, result: String)] = [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]

    @Test(arguments: rfc7386Examples)
    func mergePatch(_ example: (original: String, patch: String, result: String)) throws {
        let original = try Self.parse(example.original)
        let patch = try Self.parse(example.patch)
        #expect(original.merging(patch: patch) == (try Self.parse(example.result)))
    }

    @Test func mergePatchOnTheLoyaltyVariantShape() throws {
        let base = try Self.parse(#"{"backgroundColor":"rgb(1, 2, 3)","storeCard":{"headerFields":[{"key":"a"}]},"logoText":"x"}"#)
        let patched = base.merging(patch: try Self.parse(#"{"backgroundColor":"rgb(9, 9, 9)","logoText":null,"storeCard":{"primaryFields":[]}}"#))
        #expect(patched == (try Self.parse(#"{"backgroundColor":"rgb(9, 9, 9)","storeCard":{"headerFields":[{"key":"a"}],"primaryFields":[]}}"#)))
        // An empty patch changes nothing.
        #expect(base.merging(patch: .object([:])) == base)
    }

    // MARK: Codable bridge

    @Test func codableKeepsTypesApart() throws {
        let data = Data(#"[true, false, 1, 0, 1.5, "s", null, {"k": [1]}]"#.utf8)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(decoded == .array([.bool(true), .bool(false), .integer(1), .integer(0), .number(1.5), .string("s"), .null, .object(["k": .array([.integer(1)])])]))
        let encoded = try JSONEncoder().encode(decoded)
        #expect(try JSONValue(parsing: encoded) == decoded)
    }

    @Test func accessors() throws {
        let v = try Self.parse(#"{"s":"x","a":[1],"o":{"k":true}}"#)
        #expect(v["s"]?.stringValue == "x")
        #expect(v["a"]?.arrayValue == [.integer(1)])
        #expect(v["o"]?.objectValue == ["k": .bool(true)])
        #expect(v["missing"] == nil)
        #expect(v["a"]?["k"] == nil)
        #expect(v["s"]?.arrayValue == nil && v["s"]?.objectValue == nil && v["a"]?.stringValue == nil)
        #expect([JSONValue.null, .bool(true), .integer(1), .number(1.5), .string(""), .array([]), .object([:])].map(\.typeName)
            == ["null", "boolean", "integer", "number", "string", "array", "object"])
    }
}
