import Core
import Foundation
import Testing
import TestSupport

@testable import PassBuilder

/// `TemplateRenderer` (tree walk) and `RenderPlan` (pre-serialized bytes with holes) must agree
/// byte for byte, keep whole-placeholder types, and never let a value change the structure.
@Suite struct RenderTests {
    // MARK: helpers

    private static let file = "pass.json"

    private static func render(_ tree: JSONValue, _ values: [String: JSONValue]) throws(TemplateError) -> JSONValue {
        try TemplateRenderer.render(tree, values: values, file: file)
    }

    private static func planBytes(_ tree: JSONValue, _ values: [String: JSONValue]) throws(TemplateError) -> [UInt8] {
        let plan = RenderPlan(tree: tree, file: file)
        let resolved = try plan.resolve(values)
        var out: [UInt8] = []
        plan.render(resolved, into: &out)
        return out
    }

    private static func parseObject(_ text: String) throws -> JSONValue {
        try JSONValue(parsing: Array(text.utf8))
    }

    // MARK: whole-string placeholders keep their type

    @Test func wholePlaceholderKeepsTheValueType() throws {
        let tree = try Self.parseObject(#"""
            {"i": "{{points}}", "n": "{{ratio}}", "b": "{{flag}}", "d": "{{since}}", "s": "{{name}}",
             "neg": "{{negative}}", "z": "{{nothing}}", "a": ["{{points}}", "{{flag}}"]}
            """#)
        let values: [String: JSONValue] = [
            "points": .integer(1250), "ratio": .number(21.75), "flag": .bool(true),
            "since": .string("2026-09-01T10:00:00+03:00"), "name": .string("Анна"), "negative": .integer(-3),
            "nothing": .null,
        ]
        let out = try Self.render(tree, values)
        #expect(out == .object([
            "i": .integer(1250), "n": .number(21.75), "b": .bool(true), "d": .string("2026-09-01T10:00:00+03:00"),
            "s": .string("Анна"), "neg": .integer(-3), "z": .null, "a": .array([.integer(1250), .bool(true)]),
        ]))
        let bytes = try Self.planBytes(tree, values)
        #expect(String(decoding: bytes, as: UTF8.self)
            == #"{"a":[1250,true],"b":true,"d":"2026-09-01T10:00:00+03:00","i":1250,"n":21.75,"neg":-3,"s":"Анна","z":null}"#)
        #expect(bytes == out.serialized())
    }

    // MARK: interpolation

    @Test(arguments: [
        ("Hi {{name}}!", "Hi Anna!"),
        ("{{name}} and {{other}}", "Anna and Boris"),
        ("{{name}}{{other}}", "AnnaBoris"),
        ("{{name}}{{name}}{{name}}", "AnnaAnnaAnna"),
        ("[{{ name }}]", "[Anna]"),
        ("{{  name  }}!", "Anna!"),
        ("Balance: {{points}} pts", "Balance: 1250 pts"),
        ("{{ratio}}%", "21.75%"),
        ("big {{big}}", "big 1e+20"),
        ("round {{round}}", "round 3"),
        ("flag={{flag}}", "flag=true"),
        ("<{{nothing}}>", "<>"),
        ("list {{list}}", #"list [1,"a"]"#),
        ("obj {{obj}}", #"obj {"k":"v"}"#),
        ("{{{{name}}", "{{Anna"),
        ("{{name}}}}", "Anna}}"),
        ("{{name}}}", "Anna}"),
        ("{ {{name}} }", "{ Anna }"),
        ("{{1abc}} {{name}}", "{{1abc}} Anna"),
        ("\"quoted\" {{name}}\n", "\"quoted\" Anna\n"),
        ("Привет, {{имя}}!", "Привет, Аня!"),
        ("{{a.b}}-{{_x}}-{{$y}}", "dotted-under-dollar"),
    ])
    func interpolation(_ template: String, _ expected: String) throws {
        let values: [String: JSONValue] = [
            "name": .string("Anna"), "other": .string("Boris"), "points": .integer(1250), "ratio": .number(21.75),
            "big": .number(1e20), "round": .number(3.0), "flag": .bool(true), "nothing": .null,
            "list": .array([.integer(1), .string("a")]), "obj": .object(["k": .string("v")]),
            "имя": .string("Аня"), "a.b": .string("dotted"), "_x": .string("under"), "$y": .string("dollar"),
        ]
        let tree = JSONValue.object(["v": .string(template)])
        let out = try Self.render(tree, values)
        #expect(out == .object(["v": .string(expected)]))
        #expect(try Self.planBytes(tree, values) == out.serialized())
    }

    @Test(arguments: [
        "{{", "}}", "{{}}", "{{ }}", "{{1abc}}", "{ {x} }", "{x}", "{{a b}}", "{{-x}}", "{{x-y}}", "{{\tx}}",
        "{{x", "x}}", "{{{", "}}{{", "{{\"x\"}}", "{{x}", "{x}}", "{{ {x} }}", "{{é-}}", "",
    ])
    func nonPlaceholderBracesStayLiteral(_ template: String) throws {
        let tree = JSONValue.object(["v": .string(template), "w": .array([.string(template)])])
        // No values at all: nothing here is a reference, so nothing can be missing.
        let out = try Self.render(tree, [:])
        #expect(out == tree)
        #expect(TemplateString(template) == .literal(template))
        #expect(try Self.planBytes(tree, [:]) == tree.serialized())
        #expect(RenderPlan(tree: tree, file: Self.file).variableNames.isEmpty)
    }

    @Test func templateStringClassification() {
        #expect(TemplateString("plain") == .literal("plain"))
        #expect(TemplateString("{{a}}") == .whole("a"))
        #expect(TemplateString("{{ a }}") == .whole("a"))
        #expect(TemplateString("{{$authenticationToken}}") == .whole("$authenticationToken"))
        #expect(TemplateString(" {{a}}") == .interpolated([.text(" "), .variable("a")]))
        #expect(TemplateString("{{a}}{{b}}") == .interpolated([.variable("a"), .variable("b")]))
        #expect(TemplateString("x{{a}}y{{a}}") == .interpolated([.text("x"), .variable("a"), .text("y"), .variable("a")]))
        #expect(TemplateString("{{{{a}}") == .interpolated([.text("{{"), .variable("a")]))
        #expect(TemplateString("x{{a}}y{{a}}").variables == ["a", "a"])
        #expect(TemplateString("{{1a}}").variables.isEmpty)
    }

    /// Bug: `TemplateString` finds `}}` with a grapheme-aware search, so a placeholder directly
    /// followed by a combining mark (or a variation selector, an enclosing keycap, an emoji skin-tone
    /// modifier…) is not seen: the `{{name}}` text ships verbatim and lint reports the variable as unused.
    @Test(arguments: ["\u{301}", "\u{FE0F}", "\u{20E3}", "\u{1F3FB}"])
    func placeholderFollowedByACombiningMark(_ mark: String) throws {
        #expect(TemplateString("{{v}}" + mark + "x") == .interpolated([.variable("v"), .text(mark + "x")]))
        let out = try Self.render(.string("a{{v}}" + mark), ["v": .string("B")])
        #expect(JSONStrict.equal(out, .string("aB" + mark)), "rendered \(out)")
    }

    @Test func referencesListsEveryPlaceholderWithItsPath() throws {
        let tree = try Self.parseObject(#"{"b": ["x", "{{one}}"], "a": {"c": "{{two}} {{three}}"}, "n": 1}"#)
        let refs = TemplateRenderer.references(in: tree).map { "\($0.name)@\($0.path)" }
        #expect(refs == ["two@$.a.c", "three@$.a.c", "one@$.b[1]"])
    }

    // MARK: errors

    @Test func missingWholeVariableNamesFileAndPath() throws {
        let tree = try Self.parseObject(#"{"storeCard": {"headerFields": [{"key": "balance", "value": "{{points}}"}]}}"#)
        let error = try #require(throws: TemplateError.self) { try TemplateRenderer.render(tree, values: [:], file: "PassTemplates/x/pass.json") }
        #expect(error.file == "PassTemplates/x/pass.json")
        #expect(error.path?.description == "$.storeCard.headerFields[0].value")
        #expect(error.description == #"PassTemplates/x/pass.json: $.storeCard.headerFields[0].value: missing variable "points""#)

        // The compiled plan reports the same error.
        let planError = try #require(throws: TemplateError.self) { try RenderPlan(tree: tree, file: "PassTemplates/x/pass.json").resolve([:]) }
        #expect(planError == error)
    }

    @Test func missingInterpolatedVariableNamesFileAndPath() throws {
        let tree = try Self.parseObject(#"{"barcodes": [{"altText": "Card {{cardNumber}}"}], "logoText": "{{brand}} x"}"#)
        let error = try #require(throws: TemplateError.self) { try Self.render(tree, ["brand": .string("B")]) }
        #expect(error.path?.description == "$.barcodes[0].altText")
        #expect(error.description.contains(#"missing variable "cardNumber""#))
        #expect(error.description.hasPrefix("pass.json: "))
    }

    @Test func missingVariableInTheLoyaltyTemplate() throws {
        let template = try PassTemplate.load(from: TestPaths.loyaltyTemplate)
        var values = try template.coerce(template.manifest.sampleValues)
        values["points"] = nil
        let error = try #require(throws: TemplateError.self) {
            try TemplateRenderer.render(template.passJSON, values: values, file: template.passFile)
        }
        #expect(error.file.hasSuffix("PassTemplates/loyalty/pass.json"))
        #expect(error.path?.description == "$.storeCard.headerFields[0].value")
        #expect(error.description.contains("loyalty/pass.json: $.storeCard.headerFields[0].value: missing variable \"points\""))
    }

    /// With several missing variables, which one is reported must not depend on hash-table order,
    /// and the tree walk must agree with the compiled plan (first in sorted-key document order).
    @Test func missingVariableReportIsDeterministic() throws {
        var walkReports = Set<String>()
        var planReports = Set<String>()
        for size in 2..<40 {
            var members: [String: JSONValue] = [:]
            for i in 0..<size { members["k\(i)"] = .string("{{m\(i)}}") }
            let tree = JSONValue.object(members)
            let walk = try #require(throws: TemplateError.self) { try Self.render(tree, [:]) }
            let plan = try #require(throws: TemplateError.self) { try RenderPlan(tree: tree, file: Self.file).resolve([:]) }
            walkReports.insert(walk.description)
            planReports.insert(plan.description)
        }
        // "k0" sorts first in every tree.
        #expect(planReports == [#"pass.json: $.k0: missing variable "m0""#])
        #expect(walkReports == planReports, "TemplateRenderer reported: \(walkReports.sorted())")
    }

    // MARK: PassTemplate.coerce

    @Test func coerceRejectsUndeclaredNames() throws {
        let template = try PassTemplate.load(from: TestPaths.loyaltyTemplate)
        let error = try #require(throws: TemplateError.self) { try template.coerce(["nickname": .string("x")]) }
        #expect(error.file.hasSuffix("loyalty/template.json"))
        #expect(error.path?.description == "$.variables")
        #expect(error.description.contains("template.json"))
        #expect(error.description.contains(#""nickname""#))
    }

    @Test(arguments: [
        ("points", JSONValue.string("1250"), "integer", "string"),
        ("points", .number(12.5), "integer", "number"),
        ("points", .bool(true), "integer", "boolean"),
        ("holderName", .integer(7), "string", "integer"),
        ("memberSince", .string("2026-09-01"), "date", "not an ISO 8601"),
        ("memberSince", .string("2026-09-01T10:00:00"), "date", "not an ISO 8601"),
        ("memberSince", .integer(1), "date", "integer"),
        ("tierName", .null, "string", "null"),
        ("promo", .array([]), "string", "array"),
    ])
    func coerceRejectsWrongTypes(_ name: String, _ value: JSONValue, _ expected: String, _ found: String) throws {
        let template = try PassTemplate.load(from: TestPaths.loyaltyTemplate)
        let error = try #require(throws: TemplateError.self) { try template.coerce([name: value]) }
        #expect(error.file.hasSuffix("loyalty/template.json"))
        #expect(error.path?.description == "$.variables.\(name)")
        #expect(error.description.contains("template.json"))
        #expect(error.description.contains(#""\#(name)""#))
        #expect(error.message.contains("must be \(expected)"))
        #expect(error.message.contains(found))
    }

    @Test func coerceNormalisesAndAccepts() throws {
        let template = try PassTemplate.load(from: TestPaths.loyaltyTemplate)
        let out = try template.coerce([
            "points": .number(1250), "holderName": .string("A"), "memberSince": .string("2026-09-01T10:00Z"),
        ])
        #expect(out == ["points": .integer(1250), "holderName": .string("A"), "memberSince": .string("2026-09-01T10:00Z")])
        #expect(try template.coerce([:]).isEmpty)

        let number = TemplateVariable(type: .number, sample: .integer(1))
        #expect(number.coerce(.integer(3)) == .success(.integer(3)))
        #expect(number.coerce(.number(2.5)) == .success(.number(2.5)))
        let boolean = TemplateVariable(type: .boolean, sample: .bool(true))
        #expect(boolean.coerce(.bool(false)) == .success(.bool(false)))
        #expect(boolean.coerce(.integer(1)) == .failure(.init(expected: .boolean, found: "integer")))
    }

    /// Bug: `TemplateVariable.coerce` accepts NaN and ±infinity for a `number`, and the writer then
    /// emits `nan` / `inf`, so the rendered pass.json is not JSON at all.
    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func coerceRejectsNonFiniteNumbers(_ d: Double) throws {
        let variable = TemplateVariable(type: .number, sample: .number(1.5))
        let accepted = if case .success = variable.coerce(.number(d)) { true } else { false }
        let rendered = String(decoding: try Self.planBytes(.object(["v": .string("{{v}}")]), ["v": .number(d)]), as: UTF8.self)
        #expect(!accepted, "coerce accepted \(d), which renders as \(rendered)")
    }

    @Test(arguments: [
        ("2026-09-01T10:00:00+03:00", true), ("2026-09-01T10:00Z", true), ("2026-09-01T10:00:00.123-05:00", true),
        ("2026-09-01T10:00:00Z", true), ("2026-09-01T10:00:00", false), ("2026-09-01", false),
        ("2026-09-01T10:00:00+0300", false), ("2026-09-01 10:00:00Z", false), ("2026-09-01T10:00:00.Z", false),
        ("2026-09-01T10:00:00Zx", false), ("", false),
    ])
    func dateValidation(_ text: String, _ valid: Bool) {
        #expect(W3CDate.isValid(text) == valid)
    }

    // MARK: the loyalty template with its samples

    @Test func loyaltySamplesRenderIdenticallyBothWays() throws {
        let template = try PassTemplate.load(from: TestPaths.loyaltyTemplate)
        let values = try template.coerce(template.manifest.sampleValues)
        for variant in [nil, "base", "silver", "gold"] {
            let tree = template.passJSON(variant: variant)
            let rendered = try TemplateRenderer.render(tree, values: values, file: template.passFile)
            #expect(try Self.planBytes(tree, values) == rendered.serialized(), "variant \(variant ?? "none")")
            #expect(rendered["storeCard"]?["headerFields"]?.arrayValue?.first?["value"] == .integer(1250))
            #expect(rendered["serialNumber"] == .string("SAMPLE-0001"))
            #expect(rendered["barcodes"]?.arrayValue?.first?["message"] == .string("79123456789-1"))
            #expect(TemplateRenderer.references(in: rendered).isEmpty)
        }
        let plan = RenderPlan(tree: template.passJSON, file: template.passFile)
        #expect(Set(plan.variableNames) == Set(template.manifest.variables.keys))
        #expect(plan.variableNames.count == Set(plan.variableNames).count)
    }

    // MARK: property tests

    /// Arbitrary string values, whole and interpolated, through both renderers.
    @Test func propertyArbitraryStringValues() throws {
        var rng = SplitMix64(seed: 0x5EED_0001)
        let tree = try Self.parseObject(#"""
            {"whole": "{{s}}", "spaced": "{{ s }}", "interp": "«{{s}}»", "adjacent": "{{s}}{{t}}",
             "list": ["{{s}}", "x{{t}}y", 1, true, null, "{{"],
             "deep": {"a": {"b": ["{{t}}", {"c": "pre {{s}} mid {{t}} post"}]}},
             "lit": "{{not a variable}}", "key \"q\"": "{{t}}"}
            """#)
        let iterations = 4000
        for i in 0..<iterations {
            let maxLength = i % 250 == 0 ? 20_000 : (i % 10 == 0 ? 300 : 24)
            let s = RandomText.string(using: &rng, maxLength: maxLength)
            let t = RandomText.string(using: &rng, maxLength: 8)
            let values: [String: JSONValue] = ["s": .string(s), "t": .string(t)]
            let expected = JSONValue.object([
                "whole": .string(s), "spaced": .string(s), "interp": .string("«" + s + "»"), "adjacent": .string(s + t),
                "list": .array([.string(s), .string("x" + t + "y"), .integer(1), .bool(true), .null, .string("{{")]),
                "deep": .object(["a": .object(["b": .array([.string(t), .object(["c": .string("pre " + s + " mid " + t + " post")])])])]),
                "lit": .string("{{not a variable}}"), "key \"q\"": .string(t),
            ])
            try Self.checkProperty(tree: tree, values: values, expected: expected, label: "#\(i) \(s.debugDescription.prefix(200))")
        }
    }

    /// Int64 extremes and arbitrary doubles, whole (typed) and interpolated (as text).
    @Test func propertyNumericValues() throws {
        var rng = SplitMix64(seed: 0x5EED_0002)
        let tree = try Self.parseObject(#"{"whole": "{{n}}", "interp": "n={{n}};", "list": ["{{n}}", "{{n}}{{n}}"]}"#)
        var samples: [JSONValue] = [Int64.min, .max, 0, -1, 1, Int64(Int32.max), -9_007_199_254_740_993].map(JSONValue.integer)
        samples += [Double]([0.0, -0.0, 0.1, -1.5, 1e20, 1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                    .leastNormalMagnitude, 9_007_199_254_740_992, 9_007_199_254_740_991, 4.35, 2.0, -7.0]).map(JSONValue.number)
        for _ in 0..<3000 {
            samples.append(.integer(Int64(bitPattern: rng.next())))
            var d: Double
            repeat { d = Double(bitPattern: rng.next()) } while !d.isFinite
            samples.append(.number(d))
            samples.append(.number(Double(Int64.random(in: -1_000_000...1_000_000, using: &rng)) / 100))
        }
        for n in samples {
            let text = RandomText.numberText(n)
            let expected = JSONValue.object([
                "whole": RandomText.afterRoundTrip(n), "interp": .string("n=" + text + ";"),
                "list": .array([RandomText.afterRoundTrip(n), .string(text + text)]),
            ])
            try Self.checkProperty(tree: tree, values: ["n": n], expected: expected, label: "\(n)")
            // The text is the shortest representation that reads back to the same number.
            if case .number(let d) = n { #expect(Double(text) == d || (d == 0 && text == "0")) }
        }
    }

    /// Random trees: random keys (any characters), literal strings, whole and interpolated placeholders
    /// of every type, numbers, booleans and nulls, nested arrays and objects.
    @Test func propertyRandomTrees() throws {
        var rng = SplitMix64(seed: 0x5EED_0003)
        for i in 0..<1500 {
            var values: [String: JSONValue] = [:]
            for k in 0..<6 { values["v\(k)"] = RandomText.value(using: &rng) }
            let (tree, expected) = RandomText.tree(using: &rng, depth: 0, values: values)
            try Self.checkProperty(tree: tree, values: values, expected: expected, label: "tree #\(i)")
        }
    }

    /// (a) plan bytes == renderer output serialized, (b) they parse back to exactly `expected`,
    /// (c) the structure (keys, array counts) is the template's.
    private static func checkProperty(tree: JSONValue, values: [String: JSONValue], expected: JSONValue, label: String) throws {
        let rendered = try render(tree, values)
        let bytes = try planBytes(tree, values)
        let serialized = rendered.serialized()
        guard bytes == serialized else {
            Issue.record("\(label): RenderPlan output differs from TemplateRenderer.render(...).serialized()")
            return
        }
        let parsed: JSONValue
        do {
            parsed = try JSONValue(parsing: bytes)
        } catch {
            Issue.record("\(label): output does not parse: \(error)")
            return
        }
        #expect(JSONStrict.equal(parsed, expected), "\(label): parsed output is not the expected value")
        #expect(JSONStrict.shape(parsed) == JSONStrict.shape(tree), "\(label): structure changed")
    }
}

// MARK: - Support (private to this file)



/// Comparison that sees what `==` hides: strings by their exact UTF-8 bytes (Swift's `==` treats
/// canonically equivalent strings as equal), doubles by bit pattern.
private enum JSONStrict {
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.number(let x), .number(let y)): return x.bitPattern == y.bitPattern
        case (.string(let x), .string(let y)): return Array(x.utf8) == Array(y.utf8)
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            let xs = x.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            let ys = y.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            return xs.count == ys.count && zip(xs, ys).allSatisfy { Array($0.key.utf8) == Array($1.key.utf8) && equal($0.value, $1.value) }
        default: return false
        }
    }

    /// Keys (as bytes) and array counts; leaves are just "a value".
    indirect enum Shape: Equatable {
        case leaf
        case array([Shape])
        case object([[UInt8]], [Shape])
    }

    static func shape(_ v: JSONValue) -> Shape {
        switch v {
        case .array(let a): return .array(a.map(shape))
        case .object(let o):
            let keys = o.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return .object(keys.map { Array($0.utf8) }, keys.map { shape(o[$0]!) })
        default: return .leaf
        }
    }
}

/// Generators for the property tests.
private enum RandomText {
    static let pieces: [String] = [
        "\"", "\\", "\\\"", "\n", "\r\n", "\t", "{{", "}}", "{{s}}", "{{ t }}", "{", "}", "/", "\\u0000", "\\n",
        "😀", "👩‍👩‍👧", "🇷🇺", "Ж", "щ", "Привет", "é", "e\u{301}", "\u{301}", "\u{200D}", "\u{FEFF}", "\u{2028}", "\u{2029}",
        "\u{D7FF}", "\u{E000}", "\u{FFFD}", "\u{FFFE}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}", "%@", " ", "$", "\u{7F}", "\u{80}",
        "\u{600}", "<a href='x'>", "null", "true", "1e5", "]", "[", ",", ":",
    ]

    static func scalar(using rng: inout SplitMix64) -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [
            0x00...0x1F,        // control characters
            0x20...0x7E,        // printable ASCII
            0x20...0x7E,
            0x400...0x4FF,      // Cyrillic
            0x300...0x36F,      // combining marks
            0x1F300...0x1FAFF,  // emoji
            0xD700...0xD7FF,    // just below the surrogates
            0xE000...0xE0FF,    // just above them
            0xFFF0...0xFFFF,    // specials and non-characters
            0x80...0xFFFF,      // anywhere in the BMP
            0x10000...0x10FFFF, // anywhere above it
        ]
        while true {
            let range = ranges[Int.random(in: 0..<ranges.count, using: &rng)]
            if let s = Unicode.Scalar(UInt32.random(in: range, using: &rng)) { return s }
        }
    }

    static func string(using rng: inout SplitMix64, maxLength: Int) -> String {
        let length = Int.random(in: 0...maxLength, using: &rng)
        var s = ""
        while s.unicodeScalars.count < length {
            if Int.random(in: 0..<3, using: &rng) == 0 {
                s += pieces[Int.random(in: 0..<pieces.count, using: &rng)]
            } else {
                s.unicodeScalars.append(scalar(using: &rng))
            }
        }
        return s
    }

    /// Literal template text: anything but `{`, so it can never form a placeholder.
    static func literalText(using rng: inout SplitMix64, maxLength: Int) -> String {
        String(string(using: &rng, maxLength: maxLength).unicodeScalars.filter { $0 != "{" }.map(Character.init))
    }

    /// Text that follows a placeholder must not start with a scalar that joins the closing `}`
    /// into one grapheme (a combining mark, ZWJ, variation selector): the library does not see
    /// a placeholder there (see `placeholderFollowedByACombiningMark`, a known bug).
    static func detached(_ text: String) -> String {
        guard let first = text.unicodeScalars.first else { return text }
        let p = first.properties
        if p.isGraphemeExtend || p.generalCategory == .spacingMark || first == "\u{200D}" { return "·" + text }
        return text
    }

    static func value(using rng: inout SplitMix64) -> JSONValue {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return .integer(Int64(bitPattern: rng.next()))
        case 1:
            var d: Double
            repeat { d = Double(bitPattern: rng.next()) } while !d.isFinite
            return .number(Bool.random(using: &rng) ? d : d.rounded())
        case 2: return .bool(Bool.random(using: &rng))
        default: return .string(string(using: &rng, maxLength: 30))
        }
    }

    /// The JSON text of a number as the writer must produce it: integers as is, integral doubles
    /// within ±2^53 without a fraction, other doubles in Swift's shortest round-trip form.
    static func numberText(_ v: JSONValue) -> String {
        switch v {
        case .integer(let i): return String(i)
        case .number(let d) where d == d.rounded() && abs(d) < 9_007_199_254_740_992: return String(Int64(d))
        case .number(let d): return d.description
        default: preconditionFailure("not a number")
        }
    }

    /// What a typed value reads back as after serialization.
    static func afterRoundTrip(_ v: JSONValue) -> JSONValue {
        if case .number(let d) = v, d == d.rounded(), abs(d) < 9_007_199_254_740_992 { return .integer(Int64(d)) }
        return v
    }

    static func interpolationText(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .integer, .number: return numberText(v)
        default: preconditionFailure("not generated")
        }
    }

    /// A template tree and what it must render to with `values`.
    static func tree(using rng: inout SplitMix64, depth: Int, values: [String: JSONValue]) -> (JSONValue, JSONValue) {
        let names = values.keys.sorted()
        func name() -> String { names[Int.random(in: 0..<names.count, using: &rng)] }
        let container = depth == 0 ? Int.random(in: 0..<2, using: &rng) : Int.random(in: (depth < 5 ? 0 : 2)..<10, using: &rng)
        switch container {
        case 0:  // object with arbitrary keys
            var t: [String: JSONValue] = [:]
            var e: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                let key = string(using: &rng, maxLength: 10)
                let (ct, ce) = tree(using: &rng, depth: depth + 1, values: values)
                t[key] = ct
                e[key] = ce
            }
            return (.object(t), .object(e))
        case 1:  // array
            var t: [JSONValue] = []
            var e: [JSONValue] = []
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                let (ct, ce) = tree(using: &rng, depth: depth + 1, values: values)
                t.append(ct)
                e.append(ce)
            }
            return (.array(t), .array(e))
        case 2:  // whole placeholder: the typed value
            let n = name()
            let spaced = Bool.random(using: &rng)
            return (.string(spaced ? "{{ \(n) }}" : "{{\(n)}}"), afterRoundTrip(values[n]!))
        case 3, 4:  // interpolation: text and one or more placeholders
            var template = ""
            var expected = ""
            let count = Int.random(in: 1...3, using: &rng)
            for k in 0..<count {
                var text = literalText(using: &rng, maxLength: 6)
                if k > 0 { text = detached(text) }
                if count == 1, k == 0, text.isEmpty { text = "·" }  // keep it from being a whole placeholder
                let n = name()
                template += text + "{{\(n)}}"
                expected += text + interpolationText(values[n]!)
            }
            let tail = detached(literalText(using: &rng, maxLength: 6))
            return (.string(template + tail), .string(expected + tail))
        case 5:  // literal string
            let s = literalText(using: &rng, maxLength: 20)
            return (.string(s), .string(s))
        case 6: return (.null, .null)
        case 7: let b = Bool.random(using: &rng); return (.bool(b), .bool(b))
        case 8: let i = Int64(bitPattern: rng.next()); return (.integer(i), .integer(i))
        default:
            let d = Double(Int64.random(in: -1_000_000...1_000_000, using: &rng)) / 1000
            return (.number(d), afterRoundTrip(.number(d)))
        }
    }
}
