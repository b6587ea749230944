import Foundation
import GoogleWallet
import PassBuilder
import Storage

/// One template, two wallets: a Google Wallet `LoyaltyClass` per template variant and a
/// `LoyaltyObject` per card, made from the same `pass.json`, `.lproj` strings and images the
/// Apple pass is built from (the mapping is in docs/google-wallet.md).
///
/// A field's role follows from its template value: `{{points}}` is the loyalty balance,
/// `{{holderName}}` the account name, `{{cardNumber}}` the account id; other fields that hold a
/// placeholder are per card (the object's text modules), fields without one belong to the
/// program (the class's text modules, or its links for a link or phone number).
struct GoogleWalletMapping: Sendable {
    let template: PassTemplate
    let issuer: GoogleIssuerID
    /// Where Google fetches images and posts callbacks.
    let publicURL: String
    /// The language of `defaultValue`s; the template's other `.lproj` languages are translations.
    let defaultLanguage: String
    private let strings: [String: [String: String]]

    init(template: PassTemplate, issuer: GoogleIssuerID, publicURL: String, defaultLanguage: String) {
        self.template = template
        self.issuer = issuer
        self.publicURL = publicURL
        var strings: [String: [String: String]] = [:]
        for (path, bytes) in template.files where path.hasSuffix(".lproj/pass.strings") {
            let language = String(path.dropLast(".lproj/pass.strings".count))
            if let parsed = try? PassStrings(bytes: bytes) { strings[language] = parsed.entries }
        }
        self.strings = strings
        self.defaultLanguage = strings[defaultLanguage] != nil || strings.isEmpty ? defaultLanguage : strings.keys.sorted()[0]
    }

    // MARK: ids

    func classID(variant: String?) -> GoogleWalletID {
        GoogleWalletID(issuer: issuer, key: "\(template.name)-\(variant ?? "default")")
    }

    func objectID(cardNumber: String) -> GoogleWalletID {
        GoogleWalletID(issuer: issuer, key: cardNumber)
    }

    /// Every variant (from template.json and `variants/`), after nil: a card without one.
    var variants: [String?] {
        [nil] + Set((template.manifest.variants ?? [:]).keys).union(template.variantFiles.keys).sorted().map { Optional($0) }
    }

    // MARK: strings

    func text(_ key: String, _ language: String) -> String { strings[language]?[key] ?? key }

    /// A broadcast message's header: the program's name as the pass shows it (its logo text).
    var messageHeader: String { text(template.passJSON["logoText"]?.stringValue ?? template.name, defaultLanguage) }

    func localized(_ key: String) -> GoogleLocalizedString {
        let others = strings.keys.filter { $0 != defaultLanguage }.sorted()
        return GoogleLocalizedString(
            defaultValue: GoogleTranslatedString(language: defaultLanguage, value: text(key, defaultLanguage)),
            translatedValues: others.isEmpty ? nil : others.map { GoogleTranslatedString(language: $0, value: text(key, $0)) })
    }

    // MARK: fields

    struct Field {
        var key: String
        var label: String?
        /// The value in the template (a placeholder, a string key, or literal text).
        var templateValue: String
        var detectors: [String]
        var isDate: Bool
        var perCard: Bool { templateValue.contains("{{") }
    }

    static let sections = ["headerFields", "primaryFields", "secondaryFields", "auxiliaryFields", "backFields"]

    func fields(_ tree: JSONValue) -> [Field] {
        guard let style = tree["storeCard"] else { return [] }
        return Self.sections.flatMap { section in
            (style[section]?.arrayValue ?? []).compactMap { f -> Field? in
                guard let key = f["key"]?.stringValue else { return nil }
                let value: String
                switch f["value"] {
                case .string(let s)?: value = s
                case .integer(let i)?: value = String(i)
                case .number(let n)?: value = String(n)
                default: value = ""
                }
                return Field(
                    key: key, label: f["label"]?.stringValue, templateValue: value,
                    detectors: f["dataDetectorTypes"]?.arrayValue?.compactMap(\.stringValue) ?? [], isDate: f["dateStyle"] != nil)
            }
        }
    }

    private func role(of field: Field) -> String? {
        for (placeholder, role) in [("{{points}}", "points"), ("{{holderName}}", "holder"), ("{{cardNumber}}", "number"), ("{{tierName}}", "tier")]
        where field.templateValue.contains(placeholder) { return role }
        return nil
    }

    static func hexColor(_ css: String?) -> String? {
        guard let css, css.hasPrefix("rgb("), css.hasSuffix(")") else { return nil }
        let parts = css.dropFirst(4).dropLast().split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, parts.allSatisfy({ (0...255).contains($0) }) else { return nil }
        return "#" + parts.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    func imageURL(variant: String?, _ name: String) -> String? {
        let files = variant.flatMap { template.variantFiles[$0] } ?? [:]
        for candidate in ["\(name)@3x.png", "\(name)@2x.png", "\(name).png"] where files[candidate] != nil || template.files[candidate] != nil {
            return "\(publicURL)/google/images/\(template.name)/\(variant ?? "default")/\(candidate)"
        }
        return nil
    }

    // MARK: the class

    /// The program's class for a variant.
    func loyaltyClass(variant: String?) -> GoogleLoyaltyClass {
        let tree = template.passJSON(variant: variant)
        let fields = fields(tree)
        let organization = tree["organizationName"]?.stringValue ?? template.name
        let program = tree["logoText"]?.stringValue ?? tree["description"]?.stringValue ?? organization
        var modules: [GoogleTextModule] = []
        var links: [GoogleURI] = []
        for field in fields where !field.perCard && role(of: field) == nil {
            let value = text(field.templateValue, defaultLanguage)
            if field.detectors.contains("PKDataDetectorTypeLink"), value.hasPrefix("http") {
                links.append(GoogleURI(uri: value, description: field.label.map { text($0, defaultLanguage) }, id: field.key))
            } else if field.detectors.contains("PKDataDetectorTypePhoneNumber") {
                links.append(GoogleURI(uri: "tel:" + value.filter { $0.isNumber || $0 == "+" }, description: field.label.map { text($0, defaultLanguage) }, id: field.key))
            } else {
                modules.append(GoogleTextModule(
                    id: field.key, localizedHeader: field.label.map(localized), localizedBody: localized(field.templateValue)))
            }
        }
        let label = { (role: String) in fields.first { self.role(of: $0) == role }?.label.map { self.text($0, self.defaultLanguage) } }
        let logo = imageURL(variant: variant, "logo") ?? imageURL(variant: variant, "icon") ?? "\(publicURL)/google/images/\(template.name)/default/icon.png"
        return GoogleLoyaltyClass(
            id: classID(variant: variant), issuerName: text(organization, defaultLanguage), programName: text(program, defaultLanguage),
            programLogo: GoogleImage(uri: logo), reviewStatus: .underReview,
            hexBackgroundColor: Self.hexColor(tree["backgroundColor"]?.stringValue),
            localizedIssuerName: localized(organization), localizedProgramName: localized(program),
            accountIdLabel: label("number"), accountNameLabel: label("holder"), rewardsTier: variant, rewardsTierLabel: label("tier"),
            heroImage: imageURL(variant: variant, "strip").map { GoogleImage(uri: $0) },
            textModulesData: modules.isEmpty ? nil : modules, linksModuleData: links.isEmpty ? nil : GoogleLinksModule(uris: links),
            callbackOptions: GoogleCallbackOptions(url: "\(publicURL)/google/callbacks"))
    }

    // MARK: the object

    /// A card's object: its pass's live values (``CardPassContent``) rendered into the variant's `pass.json`.
    func object(card: CardRecord, live: PassRecord) throws -> GoogleLoyaltyObject {
        let templateTree = template.passJSON(variant: live.variant)
        let rendered = try TemplateRenderer.render(templateTree, values: live.values, file: "pass.json")
        let renderedFields = Dictionary(fields(rendered).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var modules: [GoogleTextModule] = []
        var pointsLabel: String?
        for field in fields(templateTree) {
            switch role(of: field) {
            case "points": pointsLabel = field.label.map { text($0, defaultLanguage) }
            case "holder", "number": continue
            default:
                guard field.perCard, var value = renderedFields[field.key]?.templateValue, !value.isEmpty else { continue }
                if field.isDate, value.count >= 10 { value = String(value.prefix(10)) }
                modules.append(GoogleTextModule(header: field.label.map { text($0, defaultLanguage) }, body: value, id: field.key))
            }
        }
        var barcode: GoogleBarcode?
        if let first = rendered["barcodes"]?.arrayValue?.first, let message = first["message"]?.stringValue {
            let type: GoogleBarcodeType = switch first["format"]?.stringValue {
            case "PKBarcodeFormatPDF417": .pdf417
            case "PKBarcodeFormatAztec": .aztec
            case "PKBarcodeFormatCode128": .code128
            default: .qrCode
            }
            barcode = GoogleBarcode(type: type, value: message, alternateText: first["altText"]?.stringValue)
        }
        return GoogleLoyaltyObject(
            id: objectID(cardNumber: card.number), classId: classID(variant: live.variant),
            state: card.status == .active ? .active : .inactive, accountId: card.number, accountName: card.name,
            loyaltyPoints: GoogleLoyaltyPoints(label: pointsLabel, balance: .int(Int(card.balance))), barcode: barcode,
            textModulesData: modules.isEmpty ? nil : modules)
    }

    // MARK: what Google can't show

    /// The template's keys and fields that have no Google counterpart (reported once at start).
    func unmapped() -> [String] {
        let tree = template.passJSON(variant: nil)
        var out: [String] = []
        let ignored: Set<String> = [
            "formatVersion", "serialNumber", "passTypeIdentifier", "teamIdentifier", "organizationName", "description", "logoText",
            "backgroundColor", "storeCard", "barcodes", "barcode", "webServiceURL", "authenticationToken",
            "foregroundColor", "labelColor", // reported together below
        ]
        for key in (tree.objectValue ?? [:]).keys.sorted() where !ignored.contains(key) {
            out.append("\(key) (Google Wallet has no such field)")
        }
        for field in fields(tree) {
            if field.templateValue.contains("{{") && field.detectors.contains(where: { $0 != "PKDataDetectorTypeAddress" }) {
                out.append("field \(field.key): per-card links are shown as text")
            }
        }
        if tree["foregroundColor"] != nil || tree["labelColor"] != nil {
            out.append("foregroundColor/labelColor (Google Wallet picks text colours for the background)")
        }
        if template.files["thumbnail.png"] != nil { out.append("thumbnail.png (a loyalty card has no thumbnail on Google Wallet)") }
        return out
    }
}
