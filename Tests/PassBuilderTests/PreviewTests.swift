import Foundation
import Testing
import TestSupport

@testable import PassBuilder

/// The designer's drawing of a pass: Wallet's layout of each part, texts localized and
/// formatted, values too long for their place marked. (Geometry in a real browser is
/// BrowserTests' and StudioTests'.)
@Suite struct PreviewTests {
    static func sample(_ name: String) throws -> PassPreview {
        let archive = try ModelTests.sampleArchive(name)
        var files: [String: [UInt8]] = [:]
        for entry in archive.entries where !entry.isDirectory { files[entry.name] = entry.data }
        let bytes = files.removeValue(forKey: "pass.json")
        let pass = try JSONValue(parsingLeniently: try #require(bytes))
        return PassPreview(pass: pass, files: files)
    }

    /// The part's HTML, from its opening tag to the next part's.
    static func index(_ html: String, _ marker: String) -> String.Index? { html.range(of: marker)?.lowerBound }

    @Test func applesStoreCardDrawsItsBalanceOverItsStrip() throws {
        let html = try Self.sample("StoreCard").html()
        let strip = try #require(Self.index(html, #"data-part="strip""#))
        let row = try #require(Self.index(html, #"data-part="row""#))
        let primary = try #require(Self.index(html, #"data-group="primaryFields""#))
        #expect(strip < primary && primary < row, "the primary field is inside the strip, before the row")
        #expect(html.contains("$21.75") || html.contains("21.75"), "the balance, formatted as currency")
        let barcode = try #require(Self.index(html, #"data-part="barcode""#))
        #expect(row < barcode, "the barcode is below the fields")
        #expect(html.contains(#"data-part="logo""#) && html.contains("data:image/png;base64,"))
        #expect(html.contains(#"data-side="back""#))
    }

    @Test(arguments: ModelTests.sampleNames)
    func everySampleDraws(_ name: String) throws {
        let preview = try Self.sample(name)
        let html = preview.html()
        #expect(html.contains(#"data-side="front""#) && html.contains("class=\"pass \(preview.style ?? "?")"), "\(name)")
    }

    @Test func theLoyaltyTemplateIsLocalizedFormattedAndMarksWhatWalletShortens() throws {
        let template = try PassTemplate.load(from: TestPaths.loyaltyTemplate)
        var values = template.manifest.sampleValues
        values["holderName"] = .string("Александра Константинопольская-Петрова")
        let pass = try TemplateRenderer.render(template.passJSON(variant: "gold"), values: values, file: "pass.json")
        let ru = PassPreview(pass: pass, files: template.bundleFiles(variant: "gold"), language: "ru").html()
        let en = PassPreview(pass: pass, files: template.bundleFiles(variant: "gold"), language: "en").html()
        #expect(ru.contains("Баллы") || ru.contains("БАЛЛЫ"), "Russian labels from ru.lproj")
        #expect(en.contains("Points") || en.contains("POINTS"))
        #expect(ru.contains("1 250") || ru.contains("1\u{00A0}250") || ru.contains("1\u{202F}250"), "the balance in Russian grouping")
        #expect(en.contains("1,250"))
        #expect(ru.contains("2026"), "the member-since date, long style")
        #expect(ru.contains("rgb(122, 90, 24)"), "the gold variant's colour")
        let long = try #require(ru.range(of: #"data-field="holder""#))
        #expect(ru[ru.index(long.lowerBound, offsetBy: -200)..<long.lowerBound].contains("truncated"), "a name too long for the strip is marked")
    }

    @Test func aPosterIsDrawnWithItsArtworkLogoAndOneFooterField() throws {
        let pass: JSONValue = .object([
            "posterGeneric": .object([
                "headerFields": .array([.object(["key": .string("memberID"), "label": .string("Guest No."), "value": .string("102035")])]),
                "primaryFields": .array([.object(["key": .string("name"), "value": .string("Anna")])]),
                "footerFields": .array([.object(["key": .string("type"), "value": .string("Family Pass")]), .object(["key": .string("extra"), "value": .string("hidden")])]),
            ]),
            "generic": .object(["primaryFields": .array([.object(["key": .string("name"), "value": .string("Anna")])])]),
            "barcodes": .array([.object(["format": .string("PKBarcodeFormatCodabar"), "message": .string("123456789")])]),
        ])
        let png = LintTests.PNG.header(width: 345, height: 505)
        let html = PassPreview(pass: pass, files: ["background@2x.png": png, "primaryLogo@2x.png": LintTests.PNG.header(width: 252, height: 60)]).html()
        #expect(html.contains("class=\"pass posterGeneric\"") && html.contains(#"data-part="background""#) && html.contains(#"data-part="logo""#))
        #expect(html.contains("Family Pass") && !html.contains("hidden"), "one footer field")
        #expect(html.contains("Codabar"), "the first barcode: the newest iPhone's")
    }

    @Test func textIsEscaped() {
        let pass: JSONValue = .object(["storeCard": .object(["primaryFields": .array([.object(["key": .string("k"), "value": .string("<script>x</script>")])])])])
        #expect(!PassPreview(pass: pass, files: [:]).html().contains("<script>"))
    }
}
