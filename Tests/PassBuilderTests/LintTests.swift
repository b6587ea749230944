import Foundation
import Testing
import TestSupport

@testable import PassBuilder

/// Every lint rule has at least one failing fixture: a copy of `PassTemplates/loyalty` in a fresh
/// temporary folder, mutated, then linted. Each case names the rule, the severity, the file and the
/// JSON path the diagnostic must carry.
@Suite struct LintTests {
    // MARK: the clean template

    @Test func unmodifiedLoyaltyTemplateIsClean() throws {
        let diagnostics = TemplateLinter.lint(directory: Self.loyalty)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description))")
    }

    // MARK: what Wallet installs lints without errors

    /// Apple's own sample passes install in Wallet, so they lint without errors; what Wallet
    /// scales or ignores in them is a warning that says how it will look.
    @Test(arguments: ModelTests.sampleNames)
    func applesSamplePassesLintWithoutErrors(_ name: String) throws {
        let diagnostics = try ModelTests.sampleArchive(name).lint()
        #expect(!diagnostics.contains { $0.severity == .error }, "\(diagnostics.map(\.description))")
    }

    /// A poster with its generic fallback, an iOS 27 barcode with a QR after it and two featured
    /// actions: what Apple's session shows, clean.
    @Test func iOS27KeysDoneRightLintClean() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        try fx.editJSON("pass.json") { pass in
            guard case .object(var o) = pass else { return }
            o["posterGeneric"] = .object([
                "headerFields": .array([.object(["key": .string("memberID"), "label": .string("BALANCE"), "value": .string("102035")])]),
                "footerFields": .array([.object(["key": .string("membershipType"), "value": .string("Family Pass")])]),
            ])
            o["generic"] = o["storeCard"]
            o["storeCard"] = nil
            o["barcodes"] = .array([
                .object(["format": .string("PKBarcodeFormatCodabar"), "message": .string("123456789"), "messageEncoding": .string("iso-8859-1")]),
                .object(["format": .string("PKBarcodeFormatQR"), "message": .string("123456789"), "messageEncoding": .string("iso-8859-1")]),
            ])
            o["featuredActions"] = .array([.object(["identifier": .string("my-offer-id"), "type": .string("membershipBenefits"), "url": .string("https://example.com/offers")])])
            pass = .object(o)
        }
        try fx.editJSON("template.json") { manifest in manifest = manifest.setting("style", .string("posterGeneric")) }
        let diagnostics = TemplateLinter.lint(directory: fx.dir).filter { $0.rule != .styleImages && $0.rule != .imageSize }
        #expect(!diagnostics.contains { $0.severity == .error }, "\(diagnostics.map(\.description))")
        #expect(!diagnostics.contains { $0.rule == .barcode || $0.rule == .featuredActions || $0.rule == .style }, "\(diagnostics.map(\.description))")
    }

    @Test func theSampleStoreCardsImagesAreScaledNotRefused() throws {
        let diagnostics = try ModelTests.sampleArchive("StoreCard").lint()
        let sizes = diagnostics.filter { $0.rule == .imageSize }
        #expect(sizes.allSatisfy { $0.severity == .warning })
        #expect(sizes.contains { $0.file == "icon.png" && $0.message.contains("Wallet scales it to fill 38×38 pt") }, "\(sizes.map(\.description))")
        #expect(sizes.contains { $0.file == "logo.png" && $0.message.contains("Wallet scales it down") }, "\(sizes.map(\.description))")
        #expect(sizes.contains { $0.file == "strip.png" && $0.message.contains("375×144 pt and crops") }, "\(sizes.map(\.description))")
    }

    /// The fixture machinery itself (copy, re-serialize pass.json and template.json) introduces nothing.
    @Test func untouchedCopyIsClean() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        try fx.editJSON("pass.json") { _ in }
        try fx.editJSON("template.json") { _ in }
        let diagnostics = TemplateLinter.lint(directory: fx.dir)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description))")
    }

    // MARK: one failing fixture per rule (several for the big ones)

    @Test(arguments: Self.cases)
    func failingFixture(_ c: Case) throws {
        let fx = try Fixture()
        defer { fx.remove() }
        try c.mutate(fx)
        let diagnostics = TemplateLinter.lint(directory: fx.dir)
        let listing = diagnostics.map(\.description).joined(separator: "\n")
        let expectedFile = fx.label(c.file)
        let match = diagnostics.first { d in
            d.rule == c.rule && d.severity == c.severity && d.file == expectedFile && d.path?.description == c.path
                && (c.message.map { d.message.contains($0) } ?? true)
        }
        #expect(
            match != nil,
            "expected \(c.severity.rawValue)[\(c.rule.rawValue)] in \(c.file) at \(c.path ?? "(no path)") \(c.message.map { "saying \"\($0)\"" } ?? ""); got:\n\(listing)")
        if c.severity == .warning, !c.alsoErrors {
            // A warning alone never turns into an error.
            #expect(!diagnostics.contains { $0.severity == .error }, "a warning-only fixture produced errors:\n\(listing)")
        }
    }

    @Test func everyRuleHasAFailingFixture() {
        let covered = Set(Self.cases.map(\.rule))
        let missing = LintRule.allCases.filter { !covered.contains($0) }
        #expect(missing.isEmpty, "rules without a failing fixture: \(missing.map(\.rawValue))")
        // And each rule's fixtures name distinct mutations.
        let names = Self.cases.map { "\($0.rule.rawValue): \($0.name)" }
        #expect(Set(names).count == names.count)
    }

    @Test func warningsAloneProduceNoErrors() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        try fx.write(".DS_Store", [0, 0, 0, 1])
        try fx.write("en.lproj/.DS_Store", [0])
        try fx.setPass("passTypeIdentifier", .string("pass.com.example.loyalty"))
        try fx.setPass("teamIdentifier", .string("ABCDE12345"))
        try fx.setPass("webServiceURL", .string("http://localhost:8080/passes/"))
        try fx.setPass("authenticationToken", .string("0123456789abcdef"))
        try fx.setPass("nfc", .object(["message": .string("m"), "encryptionPublicKey": .string("MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgAC")]))
        try fx.setManifest("variables.unusedVariable", .object(["type": .string("string"), "sample": .string("x")]))
        try fx.appendText("ru.lproj/pass.strings", "\n\"EXTRA\" = \"лишний\";\n")
        try fx.delete("icon@2x.png")
        let diagnostics = TemplateLinter.lint(directory: fx.dir)
        #expect(diagnostics.count >= 10, "\(diagnostics.map(\.description))")
        #expect(diagnostics.allSatisfy { $0.severity == .warning }, "\(diagnostics.map(\.description))")
        #expect(Set(diagnostics.map(\.rule)) == [.junkFile, .injectedKey, .webService, .nfc, .variable, .strings, .imageMissing])
    }

    @Test func missingTemplateFolder() {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("passline-lint-absent-\(UUID().uuidString)").path
        let diagnostics = TemplateLinter.lint(directory: dir)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.rule == .jsonSyntax)
        #expect(diagnostics.first?.severity == .error)
        #expect(diagnostics.first?.file == URL(fileURLWithPath: dir).appendingPathComponent("template.json").path)
        #expect(diagnostics.first?.message.contains("no such file") == true)
    }

    @Test func diagnosticDescription() {
        let d = Diagnostic(.error, .color, file: "t/pass.json", path: JSONPath.root.appending("backgroundColor"), "bad")
        #expect(d.description == "t/pass.json: $.backgroundColor: error[color]: bad")
        let w = Diagnostic(.warning, .junkFile, file: "t/.DS_Store", "junk")
        #expect(w.description == "t/.DS_Store: warning[junk-file]: junk")
        #expect(Diagnostic.Severity.warning < .error)
        #expect(!(Diagnostic.Severity.error < .warning))
    }

    /// Bug: a placeholder in a variant's `pass` patch (template.json) that names an undeclared
    /// variable is reported against pass.json, with the path inside the patch.
    @Test func undeclaredVariableInAVariantPatchNamesTemplateJSON() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        try fx.setManifest("variants.gold.pass.logoText", .string("{{goldName}}"))
        let diagnostics = TemplateLinter.lint(directory: fx.dir)
        let d = try #require(diagnostics.first { $0.rule == .variable && $0.message.contains("goldName") }, "\(diagnostics.map(\.description))")
        #expect(d.severity == .error)
        #expect(d.file == fx.label("template.json"))
        #expect(d.path?.description == "$.variants.gold.pass.logoText")
    }

    /// Bug: `PassLinter.isUUID` uses `Character.isHexDigit`, which is also true for fullwidth
    /// forms (U+FF21…), so a proximityUUID Wallet cannot use passes lint.
    @Test func fullwidthDigitsAreNotAUUID() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        try fx.setPass("beacons", .array([.object(["proximityUUID": .string("ＥＥＥＥＥＥＥＥ-ＤＦＦＢ-48D2-B060-D0F5A71096E0")])]))
        let diagnostics = TemplateLinter.lint(directory: fx.dir)
        #expect(diagnostics.contains { $0.rule == .beacons && $0.path?.description == "$.beacons[0]" }, "\(diagnostics.map(\.description))")
    }

    /// The same template lints to the same list, in the same order, every time.
    @Test func outputOrderIsDeterministic() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        for (i, v) in ["base", "silver", "gold", "bronze", "platinum", "iron", "tin"].enumerated() {
            try fx.setManifest("variants.\(v)", .object(["pass": .integer(Int64(i))]))
        }
        let first = TemplateLinter.lint(directory: fx.dir).map(\.description)
        #expect(first.count >= 7)
        var different = 0
        for _ in 0..<30 where TemplateLinter.lint(directory: fx.dir).map(\.description) != first { different += 1 }
        #expect(different == 0, "\(different) of 30 runs listed the diagnostics in another order")
    }

    @Test func boardingPassMayHaveTwoPrimaryFields() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        try fx.changeStyle(to: "boardingPass")
        try fx.setPass("boardingPass.transitType", .string("PKTransitTypeTrain"))
        try fx.appendPass("boardingPass.primaryFields", Self.field("to", "Moscow"))
        let diagnostics = TemplateLinter.lint(directory: fx.dir)
        #expect(!diagnostics.contains { $0.rule == .fieldCount }, "\(diagnostics.map(\.description))")
        // It is linted as a boarding pass: 123-pt strips are expected, the 144-pt ones are too tall.
        #expect(diagnostics.contains { $0.rule == .imageSize && $0.file == fx.label("strip.png") })
    }

    // MARK: - the table

    struct Case: Sendable, CustomTestStringConvertible {
        var rule: LintRule
        var name: String
        var severity: Diagnostic.Severity
        /// Relative to the template folder.
        var file: String
        /// `JSONPath.description`, or nil for a diagnostic about a whole file.
        var path: String?
        var message: String?
        /// A warning fixture that also trips an error (so "warnings only" is not checked).
        var alsoErrors = false
        var mutate: @Sendable (Fixture) throws -> Void

        var testDescription: String { "\(rule.rawValue): \(name)" }
    }

    private static func error(_ rule: LintRule, _ name: String, file: String = "pass.json", path: String?, message: String? = nil,
                              _ mutate: @escaping @Sendable (Fixture) throws -> Void) -> Case {
        Case(rule: rule, name: name, severity: .error, file: file, path: path, message: message, mutate: mutate)
    }

    private static func warning(_ rule: LintRule, _ name: String, file: String = "pass.json", path: String?, message: String? = nil,
                                alsoErrors: Bool = false, _ mutate: @escaping @Sendable (Fixture) throws -> Void) -> Case {
        Case(rule: rule, name: name, severity: .warning, file: file, path: path, message: message, alsoErrors: alsoErrors, mutate: mutate)
    }

    static func field(_ key: String, _ value: String) -> JSONValue {
        .object(["key": .string(key), "label": .string("L"), "value": .string(value)])
    }

    static let uuids = (0..<11).map { String(format: "E2C56DB5-DFFB-48D2-B060-D0F5A71096%02X", $0) }
    static let publicKey = "MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgACz5RGWfN8aN1Rs9V2cY7bX3P0Ca5TLbLXlEz6S1j0Vw8="

    static let cases: [Case] = jsonCases + keyCases + bundleCases + fieldCases + passLevelCases + imageCases + otherCases

    static let jsonCases: [Case] = [
        error(.jsonSyntax, "missing comma in pass.json names line and column", path: nil, message: "line 5, column 3: expected ',' or '}' in object") {
            try $0.replaceText("pass.json", #""organizationName": "ORG_NAME","#, #""organizationName": "ORG_NAME""#)
        },
        error(.jsonSyntax, "duplicate key in pass.json", path: nil, message: #"line 7, column 3: duplicate key "logoText""#) {
            try $0.replaceText("pass.json", #""logoText": "LOGO_TEXT","#, "\"logoText\": \"LOGO_TEXT\",\n  \"logoText\": \"X\",")
        },
        error(.jsonSyntax, "trailing comma in pass.json (lint is strict)", path: nil, message: "expected a string key") {
            try $0.replaceText("pass.json", #""altText": "{{cardNumber}}""#, #""altText": "{{cardNumber}}","#)
        },
        error(.jsonSyntax, "unterminated pass.json", path: nil, message: "line ") {
            let text = try $0.readText("pass.json")
            try $0.write("pass.json", String(text.dropLast(3)))
        },
        error(.jsonSyntax, "pass.json missing", path: nil, message: "no such file") { try $0.delete("pass.json") },
        error(.jsonSyntax, "pass.json is not an object", path: "$", message: "must be a JSON object") { try $0.write("pass.json", "[]") },
        error(.jsonSyntax, "malformed template.json", file: "template.json", path: nil) {
            try $0.replaceText("template.json", #""defaultVariant": "base","#, #""defaultVariant": "base""#)
        },
        error(.jsonSyntax, "template.json without variables", file: "template.json", path: nil, message: "variables") {
            try $0.editJSON("template.json") { $0 = $0.setting("variables", nil) }
        },
        error(.jsonSyntax, "unknown variable type in template.json", file: "template.json", path: nil) {
            try $0.setManifest("variables.points.type", .string("money"))
        },
        error(.jsonBOM, "BOM in pass.json", path: nil, message: "byte-order mark") { try $0.prepend("pass.json", [0xEF, 0xBB, 0xBF]) },
        error(.jsonBOM, "BOM in template.json", file: "template.json", path: nil) { try $0.prepend("template.json", [0xEF, 0xBB, 0xBF]) },
        error(.jsonBOM, "BOM in pass.strings", file: "en.lproj/pass.strings", path: nil) { try $0.prepend("en.lproj/pass.strings", [0xEF, 0xBB, 0xBF]) },
    ]

    static let keyCases: [Case] = [
        error(.requiredKey, "missing formatVersion", path: "$.formatVersion", message: "required") { try $0.setPass("formatVersion", nil) },
        error(.requiredKey, "formatVersion as a string", path: "$.formatVersion", message: "integer 1") { try $0.setPass("formatVersion", .string("1")) },
        error(.requiredKey, "formatVersion 2", path: "$.formatVersion") { try $0.setPass("formatVersion", .integer(2)) },
        error(.requiredKey, "missing serialNumber", path: "$.serialNumber", message: "serialNumber is required") { try $0.setPass("serialNumber", nil) },
        error(.requiredKey, "missing organizationName", path: "$.organizationName", message: "organizationName is required") {
            try $0.setPass("organizationName", nil)
        },
        error(.requiredKey, "missing description", path: "$.description", message: "description is required") { try $0.setPass("description", nil) },
        error(.requiredKey, "empty organizationName", path: "$.organizationName", message: "non-empty string") { try $0.setPass("organizationName", .string("")) },
        error(.requiredKey, "description is a number", path: "$.description", message: "non-empty string") { try $0.setPass("description", .integer(1)) },
        error(.requiredKey, "serialNumber sample renders empty", path: "$.serialNumber", message: "non-empty string") {
            try $0.setManifest("variables.serialNumber.sample", .string(""))
        },
        warning(.injectedKey, "passTypeIdentifier in the template", path: "$.passTypeIdentifier", message: "signing certificate") {
            try $0.setPass("passTypeIdentifier", .string("pass.com.example.loyalty"))
        },
        warning(.injectedKey, "teamIdentifier in the template", path: "$.teamIdentifier") { try $0.setPass("teamIdentifier", .string("ABCDE12345")) },
        warning(.injectedKey, "webServiceURL and token in the template", path: "$.webServiceURL", message: "server's configuration") {
            try $0.setPass("webServiceURL", .string("https://example.com/passes/"))
            try $0.setPass("authenticationToken", .string("vxwxd7J8AlNNFPS8k0a0FfUFtq0ewzFdc"))
        },
        error(.style, "two style keys", path: "$", message: "more than one style key: coupon, storeCard") {
            try $0.setPass("coupon", .object(["primaryFields": .array([])]))
        },
        error(.style, "no style key", path: "$", message: "no style key") { try $0.setPass("storeCard", nil) },
        error(.style, "template.json declares another style", path: "$", message: "template.json says the style is coupon") {
            try $0.setManifest("style", .string("coupon"))
        },
    ]

    static let bundleCases: [Case] = [
        error(.bundleLayout, "nested images/ folder", file: "images", path: nil, message: "folders other than xx.lproj") {
            try $0.copy("logo.png", to: "images/logo.png")
        },
        error(.bundleLayout, "empty nested folder", file: "misc", path: nil) { try $0.mkdir("misc") },
        error(.bundleLayout, "folder inside an lproj", file: "en.lproj/images", path: nil) { try $0.copy("icon.png", to: "en.lproj/images/icon.png") },
        error(.bundleLayout, "folder inside a variant", file: "variants/gold/extra", path: nil) { try $0.write("variants/gold/extra/a.txt", "x") },
        error(.bundleLayout, "a file directly in variants/", file: "variants/notes.txt", path: nil) { try $0.write("variants/notes.txt", "x") },
        warning(.junkFile, ".DS_Store at the root", file: ".DS_Store", path: nil, message: "never packed") { try $0.write(".DS_Store", [0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]) },
        warning(.junkFile, ".DS_Store in an lproj", file: "en.lproj/.DS_Store", path: nil) { try $0.write("en.lproj/.DS_Store", [0]) },
        warning(.junkFile, ".DS_Store in a variant", file: "variants/gold/.DS_Store", path: nil) { try $0.write("variants/gold/.DS_Store", [0]) },
        warning(.junkFile, "__MACOSX folder", file: "__MACOSX", path: nil) { try $0.write("__MACOSX/._icon.png", [0]) },
        warning(.junkFile, "Thumbs.db", file: "Thumbs.db", path: nil) { try $0.write("Thumbs.db", [0]) },
        warning(.junkFile, ".gitkeep", file: ".gitkeep", path: nil) { try $0.write(".gitkeep", "") },
        warning(.styleImages, "thumbnail.png on a storeCard", file: "thumbnail.png", path: nil, message: "not shown on a storeCard") {
            try $0.write("thumbnail.png", PNG.header(width: 90, height: 90))
        },
        warning(.styleImages, "background@2x.png on a storeCard", file: "background@2x.png", path: nil) {
            try $0.write("background@2x.png", PNG.header(width: 360, height: 440))
        },
        warning(.styleImages, "footer.png in a variant folder", file: "variants/gold/footer.png", path: nil) {
            try $0.write("variants/gold/footer.png", PNG.header(width: 286, height: 15))
        },
    ]

    static let fieldCases: [Case] = [
        error(.fieldCount, "4 header fields", path: "$.storeCard.headerFields", message: "at most 3 header fields (found 4)") {
            for i in 0..<3 { try $0.appendPass("storeCard.headerFields", field("h\(i)", "x")) }
        },
        error(.fieldCount, "2 primary fields", path: "$.storeCard.primaryFields", message: "at most 1 primary field (found 2)") {
            try $0.appendPass("storeCard.primaryFields", field("p2", "x"))
        },
        error(.fieldCount, "3 secondary + 2 auxiliary", path: "$.storeCard", message: "found 3 + 2") {
            try $0.appendPass("storeCard.secondaryFields", field("s2", "x"))
            try $0.appendPass("storeCard.secondaryFields", field("s3", "x"))
            try $0.appendPass("storeCard.auxiliaryFields", field("a2", "x"))
        },
        error(.fieldCount, "5 auxiliary on a storeCard", path: "$.storeCard", message: "found 1 + 5") {
            for i in 0..<4 { try $0.appendPass("storeCard.auxiliaryFields", field("a\(i)", "x")) }
        },
        error(.fieldCount, "5 secondary on an event ticket", path: "$.eventTicket.secondaryFields", message: "at most 4 secondary fields (found 5)") {
            try $0.changeStyle(to: "eventTicket")
            for i in 0..<4 { try $0.appendPass("eventTicket.secondaryFields", field("s\(i)", "x")) }
        },
        error(.fieldKeyUnique, "header key reused on the back", path: "$.storeCard.backFields[0].key", message: "$.storeCard.headerFields[0]") {
            try $0.setPass("storeCard.backFields[0].key", .string("balance"))
        },
        error(.fieldKeyUnique, "secondary key reused in auxiliary", path: "$.storeCard.auxiliaryFields[0].key", message: #""tier" is already used"#) {
            try $0.setPass("storeCard.auxiliaryFields[0].key", .string("tier"))
        },
        error(.fieldKeyUnique, "duplicate within backFields", path: "$.storeCard.backFields[3].key", message: "$.storeCard.backFields[2]") {
            try $0.setPass("storeCard.backFields[3].key", .string("rules"))
        },
        error(.fieldValue, "field without a value", path: "$.storeCard.backFields[2].value", message: "needs a value") {
            try $0.setPass("storeCard.backFields[2].value", nil)
        },
        error(.fieldValue, "field with an object value", path: "$.storeCard.primaryFields[0].value", message: "found object") {
            try $0.setPass("storeCard.primaryFields[0].value", .object(["name": .string("Anna")]))
        },
        error(.fieldValue, "field with an array value", path: "$.storeCard.backFields[6].value", message: "found array") {
            try $0.setPass("storeCard.backFields[6].value", .array([.string("x")]))
        },
        error(.fieldValue, "boolean variable rendered into a value", path: "$.storeCard.backFields[6].value", message: "found boolean") {
            try $0.setManifest("variables.vip", .object(["type": .string("boolean"), "sample": .bool(true)]))
            try $0.setPass("storeCard.backFields[6].value", .string("{{vip}}"))
        },
        error(.fieldValue, "field without a key", path: "$.storeCard.backFields[6].key", message: "non-empty string key") {
            try $0.setPass("storeCard.backFields[6].key", nil)
        },
        error(.fieldValue, "field that is not an object", path: "$.storeCard.backFields[2]", message: "must be an object") {
            try $0.setPass("storeCard.backFields[2]", .string("rules"))
        },
        error(.fieldValue, "a field group that is not an array", path: "$.storeCard.headerFields", message: "must be an array") {
            try $0.setPass("storeCard.headerFields", .object([:]))
        },
        error(.fieldValue, "the style key is not an object", path: "$.storeCard", message: "must be an object of field arrays") {
            try $0.setPass("storeCard", .array([]))
        },
        error(.fieldValue, "dataDetectorTypes on a front field", path: "$.storeCard.auxiliaryFields[0].dataDetectorTypes", message: "back fields only") {
            try $0.setPass("storeCard.auxiliaryFields[0].dataDetectorTypes", .array([.string("PKDataDetectorTypeLink")]))
        },
        error(.textAlignment, "textAlignment on a primary field", path: "$.storeCard.primaryFields[0].textAlignment", message: "not allowed on primary") {
            try $0.setPass("storeCard.primaryFields[0].textAlignment", .string("PKTextAlignmentLeft"))
        },
        error(.textAlignment, "textAlignment on a back field", path: "$.storeCard.backFields[0].textAlignment", message: "not allowed on back") {
            try $0.setPass("storeCard.backFields[0].textAlignment", .string("PKTextAlignmentNatural"))
        },
        error(.textAlignment, "invalid textAlignment value", path: "$.storeCard.auxiliaryFields[0].textAlignment", message: "must be one of") {
            try $0.setPass("storeCard.auxiliaryFields[0].textAlignment", .string("right"))
        },
        error(.textAlignment, "textAlignment that is not a string", path: "$.storeCard.headerFields[0].textAlignment") {
            try $0.setPass("storeCard.headerFields[0].textAlignment", .integer(2))
        },
        error(.numberFormat, "currencyCode on a string value", path: "$.storeCard.secondaryFields[0].currencyCode", message: "only to a numeric value (the value is string)") {
            try $0.setPass("storeCard.secondaryFields[0].currencyCode", .string("RUB"))
        },
        error(.numberFormat, "currencyCode and numberStyle together", path: "$.storeCard.headerFields[0]", message: "either currencyCode or numberStyle") {
            try $0.setPass("storeCard.headerFields[0].currencyCode", .string("RUB"))
        },
        error(.numberFormat, "numberStyle on a string value", path: "$.storeCard.backFields[6].numberStyle", message: "only to a numeric value") {
            try $0.setPass("storeCard.backFields[6].numberStyle", .string("PKNumberStyleDecimal"))
        },
        error(.numberFormat, "lower-case currencyCode", path: "$.storeCard.headerFields[0].currencyCode", message: "ISO 4217") {
            try $0.setPass("storeCard.headerFields[0].numberStyle", nil)
            try $0.setPass("storeCard.headerFields[0].currencyCode", .string("rub"))
        },
        error(.numberFormat, "unknown numberStyle", path: "$.storeCard.headerFields[0].numberStyle", message: "must be one of") {
            try $0.setPass("storeCard.headerFields[0].numberStyle", .string("decimal"))
        },
        error(.changeMessage, "changeMessage without %@", path: "$.storeCard.backFields[0].changeMessage", message: "must contain %@") {
            try $0.setPass("storeCard.backFields[0].changeMessage", .string("Promo changed"))
        },
        error(.changeMessage, "en translation of changeMessage lacks %@", path: "$.storeCard.headerFields[0].changeMessage", message: "en.lproj/pass.strings") {
            try $0.replaceText("en.lproj/pass.strings", #""Your balance is now %@ points""#, #""Your balance has changed""#)
        },
        error(.changeMessage, "ru translation of changeMessage lacks %@", path: "$.storeCard.secondaryFields[0].changeMessage", message: "ru.lproj/pass.strings") {
            try $0.replaceText("ru.lproj/pass.strings", #""Ваш уровень: %@""#, #""Ваш уровень изменился""#)
        },
        error(.changeMessage, "changeMessage that is not a string", path: "$.storeCard.backFields[0].changeMessage", message: "must be a string") {
            try $0.setPass("storeCard.backFields[0].changeMessage", .integer(1))
        },
        error(.date, "dateStyle on a non-date value", path: "$.storeCard.backFields[2].value", message: "ISO 8601") {
            try $0.setPass("storeCard.backFields[2].dateStyle", .string("PKDateStyleShort"))
        },
        error(.date, "isRelative on a number", path: "$.storeCard.headerFields[0].value") {
            try $0.setPass("storeCard.headerFields[0].isRelative", .bool(true))
        },
        error(.date, "date sample without a time zone is caught as a value", path: "$.storeCard.backFields[1].value") {
            // A string variable (not date) carrying a date without zone, into the dated field.
            try $0.setManifest("variables.memberSince", .object(["type": .string("string"), "sample": .string("2026-09-01T10:00:00")]))
        },
        error(.date, "unknown dateStyle", path: "$.storeCard.backFields[1].dateStyle", message: "must be one of") {
            try $0.setPass("storeCard.backFields[1].dateStyle", .string("long"))
        },
        error(.date, "unknown timeStyle", path: "$.storeCard.backFields[1].timeStyle") {
            try $0.setPass("storeCard.backFields[1].timeStyle", .string("PKTimeStyleShort"))
        },
    ]

    static let passLevelCases: [Case] = [
        // iOS 27 (WWDC26 "What's new in Wallet"; Apple, "Creating a poster generic pass").
        error(.featuredActions, "three featured actions", path: "$.featuredActions", message: "at most 2 featured actions") {
            let action = JSONValue.object(["identifier": .string("a"), "type": .string("membershipBenefits"), "url": .string("https://example.com")])
            try $0.setPass("featuredActions", .array([action, action, action]))
        },
        error(.featuredActions, "a featured action without a type", path: "$.featuredActions[0].type") {
            try $0.setPass("featuredActions", .array([.object(["identifier": .string("a")])]))
        },
        warning(.barcode, "an iOS 27 barcode without a fallback", path: "$.barcodes[0].format", message: "add a PKBarcodeFormatQR or PKBarcodeFormatPDF417") {
            try $0.setPass("barcodes", .array([.object(["format": .string("PKBarcodeFormatEAN13"), "message": .string("4006381333931"), "messageEncoding": .string("iso-8859-1")])]))
        },
        // (template.json still says storeCard: that error comes too.)
        warning(.style, "posterGeneric without its generic fallback", path: "$.posterGeneric", message: "iOS 26 and earlier refuse the pass", alsoErrors: true) {
            try $0.editJSON("pass.json") { pass in
                guard case .object(var o) = pass else { return }
                o["posterGeneric"] = .object(["primaryFields": .array([.object(["key": .string("holder"), "value": .string("{{holderName}}")])])])
                o["storeCard"] = nil
                pass = .object(o)
            }
        },
        error(.fieldCount, "two footer fields on a poster", path: "$.posterGeneric.footerFields", message: "at most 1 footer field") {
            try $0.editJSON("pass.json") { pass in
                guard case .object(var o) = pass else { return }
                let f = { (k: String) in JSONValue.object(["key": .string(k), "value": .string("x")]) }
                o["posterGeneric"] = .object(["footerFields": .array([f("f1"), f("f2")])])
                o["generic"] = o["storeCard"]
                o["storeCard"] = nil
                pass = .object(o)
            }
        },
        warning(.groupingIdentifier, "groupingIdentifier on a storeCard", path: "$.groupingIdentifier") { try $0.setPass("groupingIdentifier", .string("g")) },
        warning(.relevantDate, "relevantDate on a storeCard", path: "$.relevantDate", message: "ignored on a storeCard") {
            try $0.setPass("relevantDate", .string("2026-09-01T10:00:00+03:00"))
        },
        error(.locations, "11 locations", path: "$.locations", message: "at most 10 locations (found 11)") {
            try $0.setPass("locations", .array((0..<11).map { .object(["latitude": .number(55.75 + Double($0) / 100), "longitude": .number(37.61)]) }))
        },
        error(.locations, "location without latitude", path: "$.locations[0]", message: "numeric latitude and longitude") {
            try $0.setPass("locations", .array([.object(["longitude": .number(37.61)])]))
        },
        error(.locations, "latitude as a string", path: "$.locations[1]") {
            try $0.setPass("locations", .array([.object(["latitude": .integer(55), "longitude": .integer(37)]), .object(["latitude": .string("55.7"), "longitude": .number(37.6)])]))
        },
        error(.locations, "locations not an array", path: "$.locations", message: "must be an array") {
            try $0.setPass("locations", .object(["latitude": .number(55.7), "longitude": .number(37.6)]))
        },
        error(.beacons, "11 beacons", path: "$.beacons", message: "at most 10 beacons (found 11)") {
            try $0.setPass("beacons", .array(uuids.map { .object(["proximityUUID": .string($0)]) }))
        },
        error(.beacons, "beacon with a bad UUID", path: "$.beacons[0]", message: "UUID form") {
            try $0.setPass("beacons", .array([.object(["proximityUUID": .string("not-a-uuid")])]))
        },
        error(.beacons, "beacon UUID one digit short", path: "$.beacons[1]") {
            try $0.setPass("beacons", .array([.object(["proximityUUID": .string(uuids[0])]), .object(["proximityUUID": .string(String(uuids[1].dropLast()))])]))
        },
        error(.beacons, "beacon without a UUID", path: "$.beacons[0]") { try $0.setPass("beacons", .array([.object(["major": .integer(1)])])) },
        error(.beacons, "major out of range", path: "$.beacons[0].major", message: "0–65535") {
            try $0.setPass("beacons", .array([.object(["proximityUUID": .string(uuids[0]), "major": .integer(70000)])]))
        },
        error(.beacons, "negative minor", path: "$.beacons[0].minor") {
            try $0.setPass("beacons", .array([.object(["proximityUUID": .string(uuids[0]), "minor": .integer(-1)])]))
        },
        error(.beacons, "duplicate beacon (UUID case differs)", path: "$.beacons[1]", message: "duplicate beacon") {
            try $0.setPass("beacons", .array([.object(["proximityUUID": .string(uuids[0])]), .object(["proximityUUID": .string(uuids[0].lowercased())])]))
        },
        error(.color, "hex backgroundColor", path: "$.backgroundColor", message: "rgb(r, g, b)") { try $0.setPass("backgroundColor", .string("#ff0000")) },
        error(.color, "component over 255", path: "$.foregroundColor") { try $0.setPass("foregroundColor", .string("rgb(300,0,0)")) },
        error(.color, "two components", path: "$.labelColor") { try $0.setPass("labelColor", .string("rgb(1, 2)")) },
        error(.color, "named stripColor", path: "$.stripColor") { try $0.setPass("stripColor", .string("red")) },
        error(.color, "colour as a number", path: "$.backgroundColor") { try $0.setPass("backgroundColor", .integer(0xFF0000)) },
        error(.color, "bad colour in a variant patch", path: "$.labelColor") { try $0.setManifest("variants.gold.pass.labelColor", .string("gold")) },
        error(.date, "expirationDate without a time zone", path: "$.expirationDate", message: "with a time zone") {
            try $0.setPass("expirationDate", .string("2026-12-31T23:59:00"))
        },
        error(.date, "expirationDate as a bare date", path: "$.expirationDate") { try $0.setPass("expirationDate", .string("2026-12-31")) },
        error(.nfc, "nfc message over 64 bytes", path: "$.nfc.message", message: "at most 64 bytes (found 66)") {
            // 33 Cyrillic letters: 33 characters, 66 bytes.
            try $0.setPass("nfc", .object(["message": .string(String(repeating: "Ж", count: 33)), "encryptionPublicKey": .string(publicKey)]))
        },
        error(.nfc, "nfc without encryptionPublicKey", path: "$.nfc.encryptionPublicKey") { try $0.setPass("nfc", .object(["message": .string("member-1")])) },
        error(.nfc, "nfc without message", path: "$.nfc.message", message: "required") { try $0.setPass("nfc", .object(["encryptionPublicKey": .string(publicKey)])) },
        error(.nfc, "nfc that is not an object", path: "$.nfc", message: "must be an object") { try $0.setPass("nfc", .string("member-1")) },
        error(.nfc, "nfc on a coupon", path: "$.nfc", message: "store cards only") {
            try $0.changeStyle(to: "coupon")
            try $0.setPass("nfc", .object(["message": .string("m"), "encryptionPublicKey": .string(publicKey)]))
        },
        warning(.nfc, "nfc needs an entitled certificate", path: "$.nfc", message: "NFC-enabled") {
            try $0.setPass("nfc", .object(["message": .string("member-1"), "encryptionPublicKey": .string(publicKey)]))
        },
        warning(.webService, "webServiceURL over http", path: "$.webServiceURL", message: "https") {
            try $0.setPass("webServiceURL", .string("http://192.168.1.10:8080/passes/"))
            try $0.setPass("authenticationToken", .string("0123456789abcdef"))
        },
        error(.webService, "webServiceURL without a token", path: "$.authenticationToken", message: "needs an authenticationToken") {
            try $0.setPass("webServiceURL", .string("https://example.com/passes/"))
        },
        error(.webService, "token shorter than 16 characters", path: "$.authenticationToken", message: "at least 16 characters") {
            try $0.setPass("webServiceURL", .string("https://example.com/passes/"))
            try $0.setPass("authenticationToken", .string("0123456789abcde"))
        },
        error(.webService, "token without webServiceURL", path: "$.authenticationToken", message: "only allowed with a webServiceURL") {
            try $0.setPass("authenticationToken", .string("0123456789abcdef0123"))
        },
        error(.webService, "webServiceURL that is not http(s)", path: "$.webServiceURL", message: "must be an https URL") {
            try $0.setPass("webServiceURL", .string("ftp://example.com/"))
            try $0.setPass("authenticationToken", .string("0123456789abcdef0123"))
        },
        error(.barcode, "unknown barcode format", path: "$.barcodes[0].format", message: "format must be one of") {
            try $0.setPass("barcodes[0].format", .string("QR"))
        },
        error(.barcode, "barcode without messageEncoding", path: "$.barcodes[0].messageEncoding", message: "messageEncoding") {
            try $0.setPass("barcodes[0].messageEncoding", nil)
        },
        error(.barcode, "barcode without message", path: "$.barcodes[0].message", message: "needs a message") { try $0.setPass("barcodes[0].message", nil) },
        error(.barcode, "second barcode not an object", path: "$.barcodes[1]", message: "must be an object") { try $0.appendPass("barcodes", .string("QR")) },
        error(.barcode, "barcodes not an array", path: "$.barcodes", message: "must be an array") {
            try $0.setPass("barcodes", .object(["format": .string("PKBarcodeFormatQR")]))
        },
        error(.barcode, "deprecated barcode key with a bad format", path: "$.barcode.format") {
            try $0.setPass("barcode", .object(["format": .string("PKBarcodeFormatUPCA"), "message": .string("1"), "messageEncoding": .string("iso-8859-1")]))
        },
    ]

    static let imageCases: [Case] = [
        warning(.imageMissing, "no icon.png, only @2x and @3x", file: "icon.png", path: nil, message: "Wallet uses the @2x or @3x icon") { try $0.delete("icon.png") },
        error(.imageMissing, "no icon at all", file: "icon.png", path: nil) {
            for f in ["icon.png", "icon@2x.png", "icon@3x.png"] { try $0.delete(f) }
        },
        warning(.imageMissing, "no icon@2x.png", file: "icon@2x.png", path: nil, message: "icon@2x.png is missing") { try $0.delete("icon@2x.png") },
        warning(.imageMissing, "same image at the root and in an lproj", file: "en.lproj/logo.png", path: nil, message: "one place only") {
            try $0.copy("logo.png", to: "en.lproj/logo.png")
        },
        error(.imageFormat, "icon.png that is a JPEG", file: "icon.png", path: nil, message: "not a PNG") {
            try $0.write("icon.png", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01] + [UInt8](repeating: 0, count: 40))
        },
        error(.imageFormat, "truncated logo@2x.png", file: "logo@2x.png", path: nil) {
            try $0.write("logo@2x.png", Array(try $0.read("logo@2x.png").prefix(20)))
        },
        error(.imageFormat, "GIF strip in a variant", file: "variants/gold/strip.png", path: nil) {
            try $0.write("variants/gold/strip.png", Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 30))
        },
        warning(.imageSize, "icon@2x.png of the wrong size", file: "icon@2x.png", path: nil, message: "icon is 50×50 px (25×25 pt at @2x); Wallet scales it to fill 38×38 pt (76×76 px fits exactly)") {
            try $0.write("icon@2x.png", PNG.header(width: 50, height: 50))
        },
        warning(.imageSize, "icon.png one pixel off", file: "icon.png", path: nil, message: "Wallet scales it to fill 38×38 pt, cropping what overflows") {
            try $0.write("icon.png", PNG.header(width: 30, height: 29))
        },
        warning(.imageSize, "strip too tall", file: "strip.png", path: nil, message: "strip is 375×200 px (375×200 pt at @1x); Wallet scales it to fill 375×144 pt and crops what overflows") {
            try $0.write("strip.png", PNG.header(width: 375, height: 200))
        },
        warning(.imageSize, "strip@2x too short", file: "strip@2x.png", path: nil) { try $0.write("strip@2x.png", PNG.header(width: 750, height: 100)) },
        warning(.imageSize, "strip@3x of the wrong width", file: "strip@3x.png", path: nil) { try $0.write("strip@3x.png", PNG.header(width: 1000, height: 432)) },
        warning(.imageSize, "variant strip too tall", file: "variants/silver/strip@2x.png", path: nil) {
            try $0.write("variants/silver/strip@2x.png", PNG.header(width: 750, height: 400))
        },
        warning(.imageSize, "logo@2x not twice logo.png", file: "logo@2x.png", path: nil, message: "should be 2× that") {
            try $0.write("logo@2x.png", PNG.header(width: 300, height: 100))
        },
        warning(.imageSize, "logo@3x not three times logo.png", file: "logo@3x.png", path: nil, message: "should be 3× that") {
            try $0.write("logo.png", PNG.header(width: 100, height: 50))
        },
        warning(.imageSize, "logo wider than 160 pt", file: "logo.png", path: nil, message: "Wallet scales it down to 160×40 pt to fit 160×50 pt") {
            try $0.write("logo.png", PNG.header(width: 200, height: 50))
        },
    ]

    static let otherCases: [Case] = [
        error(.strings, "pass.strings missing a semicolon", file: "en.lproj/pass.strings", path: nil, message: #"expected ';' after the value of "LOGO_TEXT""#) {
            try $0.replaceText("en.lproj/pass.strings", #""LOGO_TEXT" = "Gambit";"#, #""LOGO_TEXT" = "Gambit""#)
        },
        error(.strings, "pass.strings with an unterminated string", file: "ru.lproj/pass.strings", path: nil, message: "line ") {
            try $0.appendText("ru.lproj/pass.strings", "\n\"BROKEN\" = \"нет конца;\n")
        },
        error(.strings, "pass.strings with a duplicate key", file: "en.lproj/pass.strings", path: nil, message: #"duplicate key "PHONE""#) {
            try $0.appendText("en.lproj/pass.strings", "\n\"PHONE\" = \"Telephone\";\n")
        },
        error(.strings, "pass.strings that is not UTF-8", file: "en.lproj/pass.strings", path: nil, message: "UTF-8") {
            try $0.write("en.lproj/pass.strings", [0x22, 0x41, 0x22, 0x20, 0x3D, 0x20, 0x22, 0xC3, 0x28, 0x22, 0x3B])
        },
        warning(.strings, "ru has an extra key", file: "ru.lproj/pass.strings", path: nil, message: "extra EXTRA") {
            try $0.appendText("ru.lproj/pass.strings", "\n\"EXTRA\" = \"лишний\";\n")
        },
        warning(.strings, "ru lacks a key", file: "ru.lproj/pass.strings", path: nil, message: "missing PHONE") {
            try $0.replaceText("ru.lproj/pass.strings", "\"PHONE\" = \"Телефон\";", "")
        },
        warning(.strings, "a .strings file outside an lproj", file: "notes.strings", path: nil, message: "only xx.lproj/pass.strings") {
            try $0.copy("en.lproj/pass.strings", to: "notes.strings")
        },
        error(.variable, "undeclared variable in pass.json", path: "$.logoText", message: #"variable "brand" is not declared"#) {
            try $0.setPass("logoText", .string("{{brand}}"))
        },
        error(.variable, "undeclared variable interpolated in a back field", path: "$.storeCard.backFields[2].value", message: #""tier""#) {
            try $0.setPass("storeCard.backFields[2].value", .string("Rules for {{tier}} members"))
        },
        warning(.variable, "declared but unused", file: "template.json", path: "$.variables.nickname", message: "never used") {
            try $0.setManifest("variables.nickname", .object(["type": .string("string"), "sample": .string("Ann")]))
        },
        error(.variable, "sample of the wrong type", file: "template.json", path: "$.variables.points.sample", message: "sample must be integer, found string") {
            try $0.setManifest("variables.points.sample", .string("many"))
        },
        error(.variable, "date sample without a time zone", file: "template.json", path: "$.variables.memberSince.sample", message: "sample must be date") {
            try $0.setManifest("variables.memberSince.sample", .string("2026-09-01T10:00:00"))
        },
        error(.variable, "variable name starting with a digit", file: "template.json", path: "$.variables.1abc", message: "identifiers") {
            try $0.setManifest("variables.1abc", .object(["type": .string("string"), "sample": .string("x")]))
        },
        error(.variable, "variable name starting with $", file: "template.json", path: #"$.variables["$token"]"#, message: "cannot start with $") {
            try $0.setManifest("variables.$token", .object(["type": .string("string"), "sample": .string("x")]))
            try $0.setPass("logoText", .string("{{$token}}"))
        },
        error(.variant, "variant folder not declared", file: "variants/bronze", path: nil, message: #"variant folder "bronze" is not declared"#) {
            try $0.copy("strip.png", to: "variants/bronze/strip.png")
        },
        error(.variant, "unknown defaultVariant", file: "template.json", path: "$.defaultVariant", message: #"default variant "platinum""#) {
            try $0.setManifest("defaultVariant", .string("platinum"))
        },
        error(.variant, "variant patch that is not an object", file: "template.json", path: "$.variants.gold.pass", message: "must be an object") {
            try $0.setManifest("variants.gold.pass", .array([]))
        },
        error(.variant, "no variants declared, folders present", file: "variants/gold", path: nil) {
            try $0.editJSON("template.json") { $0 = $0.setting("variants", nil).setting("defaultVariant", nil) }
        },
    ]

    // MARK: - fixtures

    /// …/Tests/PassBuilderTests/LintTests.swift → the repository root is three levels up.
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var loyalty: String { repoRoot.appendingPathComponent("PassTemplates/loyalty").path }

    /// A copy of the loyalty template in a unique temporary folder.
    final class Fixture {
        let root: URL
        var dir: String { root.path }

        init() throws {
            root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("passline-lint-\(UUID().uuidString)")
            try FileManager.default.copyItem(atPath: LintTests.loyalty, toPath: root.path)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }

        /// The file name as the linter prints it.
        func label(_ relative: String) -> String { root.appendingPathComponent(relative).path }

        func read(_ relative: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: label(relative)) else { throw FixtureError("cannot read \(relative)") }
            return [UInt8](data)
        }

        func readText(_ relative: String) throws -> String { String(decoding: try read(relative), as: UTF8.self) }

        func write(_ relative: String, _ bytes: [UInt8]) throws {
            let url = root.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }

        func write(_ relative: String, _ text: String) throws { try write(relative, Array(text.utf8)) }

        func delete(_ relative: String) throws { try FileManager.default.removeItem(atPath: label(relative)) }

        func mkdir(_ relative: String) throws { try FileManager.default.createDirectory(atPath: label(relative), withIntermediateDirectories: true) }

        func copy(_ relative: String, to target: String) throws { try write(target, try read(relative)) }

        func prepend(_ relative: String, _ bytes: [UInt8]) throws { try write(relative, bytes + (try read(relative))) }

        func appendText(_ relative: String, _ text: String) throws { try write(relative, try read(relative) + Array(text.utf8)) }

        func replaceText(_ relative: String, _ old: String, _ new: String) throws {
            let text = try readText(relative)
            guard text.contains(old) else { throw FixtureError("\(relative) does not contain \(old)") }
            try write(relative, text.replacingOccurrences(of: old, with: new))
        }

        func editJSON(_ relative: String, _ edit: (inout JSONValue) throws -> Void) throws {
            var value = try JSONValue(parsing: try read(relative))
            try edit(&value)
            try write(relative, value.prettySerialized())
        }

        /// Sets (or with nil removes) the member at a dotted path such as `storeCard.backFields[2].value`.
        func setPass(_ path: String, _ value: JSONValue?) throws { try editJSON("pass.json") { $0 = $0.setting(path, value) } }

        func setManifest(_ path: String, _ value: JSONValue?) throws { try editJSON("template.json") { $0 = $0.setting(path, value) } }

        func appendPass(_ path: String, _ value: JSONValue) throws {
            try editJSON("pass.json") { json in
                guard case .array(var a)? = json.value(at: path) else { throw FixtureError("\(path) is not an array") }
                a.append(value)
                json = json.setting(path, .array(a))
            }
        }

        /// Renames the style key in pass.json and template.json.
        func changeStyle(to style: String) throws {
            try editJSON("pass.json") { json in
                let fields = json["storeCard"]
                json = json.setting("storeCard", nil).setting(style, fields)
            }
            try setManifest("style", .string(style))
        }
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// PNG files the linter can size: the signature, an IHDR chunk and IEND, with correct CRCs
    /// (no pixel data: lint reads only the header).
    enum PNG {
        static func header(width: Int, height: Int) -> [UInt8] {
            func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
            func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
                let body = Array(type.utf8) + data
                return be32(data.count) + body + be32(Int(crc32(body)))
            }
            let ihdr = be32(width) + be32(height) + [8, 6, 0, 0, 0]
            return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IEND", [])
        }

        static func crc32(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                crc ^= UInt32(b)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return ~crc
        }
    }

    @Test func pngHelperMatchesTheLinterReader() throws {
        #expect(PNGInfo(PNG.header(width: 375, height: 144)) == PNGInfo(width: 375, height: 144))
        #expect(PNG.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        // And the real template images read as their documented sizes.
        let icon = try #require(FileManager.default.contents(atPath: URL(fileURLWithPath: Self.loyalty).appendingPathComponent("icon@3x.png").path))
        #expect(PNGInfo([UInt8](icon)) == PNGInfo(width: 87, height: 87))
        #expect(PNGInfo(Array("GIF89a".utf8)) == nil)
    }
}

// MARK: - dotted-path access to JSON trees (private to this file)

private enum DottedPath {
    static func components(_ path: String) -> [JSONPath.Component] {
        var out: [JSONPath.Component] = []
        for part in path.split(separator: ".") {
            var rest = part[...]
            if let bracket = rest.firstIndex(of: "[") {
                if bracket > rest.startIndex { out.append(.key(String(rest[..<bracket]))) }
                rest = rest[bracket...]
                while rest.first == "[", let close = rest.firstIndex(of: "]") {
                    out.append(.index(Int(rest[rest.index(after: rest.startIndex)..<close])!))
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                out.append(.key(String(rest)))
            }
        }
        return out
    }

    static func update(_ node: JSONValue?, _ path: ArraySlice<JSONPath.Component>, _ value: JSONValue?) -> JSONValue? {
        guard let first = path.first else { return value }
        switch first {
        case .key(let k):
            var o = node?.objectValue ?? [:]
            o[k] = update(o[k], path.dropFirst(), value)
            return .object(o)
        case .index(let i):
            var a = node?.arrayValue ?? []
            let child = update(i < a.count ? a[i] : nil, path.dropFirst(), value)
            if let child {
                if i < a.count { a[i] = child } else { a.append(child) }
            } else if i < a.count {
                a.remove(at: i)
            }
            return .array(a)
        }
    }
}

private extension JSONValue {
    func setting(_ path: String, _ value: JSONValue?) -> JSONValue {
        DottedPath.update(self, DottedPath.components(path)[...], value) ?? .null
    }

    func value(at path: String) -> JSONValue? {
        var node: JSONValue? = self
        for c in DottedPath.components(path) {
            switch c {
            case .key(let k): node = node?[k]
            case .index(let i): node = node?.arrayValue.flatMap { i < $0.count ? $0[i] : nil }
            }
        }
        return node
    }
}
