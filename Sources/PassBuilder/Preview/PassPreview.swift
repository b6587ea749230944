import Core
import Foundation

/// Draws a pass in HTML and CSS the way Wallet lays out its style, for designers: the front
/// (logo, logo text and header fields; the strip with the primary field over it; one row of
/// secondary and auxiliary fields; the barcode with its alt text) and the back (its fields as a
/// list). Texts are localized from `{language}.lproj/pass.strings`, dates, numbers and
/// currencies formatted by their styles, images inlined at the best scale given.
///
/// A preview, not Wallet: fonts, Display-P3 colours and Wallet's background gradient differ
/// (as every open-source renderer says of itself). Layout follows Apple's "Pass Design and
/// Creation" and the geometry of the open renderers (pkvd.app's StoreCard, pkpass-preview).
public struct PassPreview: Sendable {
    /// The pass as rendered (placeholders filled).
    public var pass: JSONValue
    /// Bundle files other than pass.json, by path (`strip@2x.png`, `ru.lproj/pass.strings`).
    public var files: [String: [UInt8]]
    /// The language to show (`ru`, `en`); nil: the first `.lproj` found, or none.
    public var language: String?
    /// Draws a barcode as inline SVG (format, message), when the caller has an encoder; nil
    /// draws a labelled box.
    public var barcode: (@Sendable (String, String) -> String?)?

    public init(pass: JSONValue, files: [String: [UInt8]], language: String? = nil, barcode: (@Sendable (String, String) -> String?)? = nil) {
        self.pass = pass
        self.files = files
        self.language = language
        self.barcode = barcode
    }

    /// The languages the bundle has (`xx.lproj/pass.strings`).
    public var languages: [String] {
        Set(files.keys.compactMap { path -> String? in
            guard path.hasSuffix(".lproj/pass.strings") else { return nil }
            return String(path.dropLast(".lproj/pass.strings".count))
        }).sorted()
    }

    /// Characters a field's value can show in its place before Wallet shortens it (measured on
    /// an iPhone's 375-pt pass with Wallet's fonts; an estimate, as any preview's is).
    static let fitting: [String: Int] = [
        "headerFields": 12, "primaryFields": 20, "secondaryFields": 14, "auxiliaryFields": 14,
    ]

    /// The styles, the poster first: a pass with `posterGeneric` and its `generic` fallback is
    /// drawn as iOS 27 shows it.
    static let styles = ["posterGeneric", "storeCard", "coupon", "eventTicket", "boardingPass", "generic"]

    public var style: String? { Self.styles.first { pass[$0] != nil } }

    /// The front and the back, each a `<section>`; `data-*` attributes name the parts for tests.
    public func html() -> String {
        let strings = localized()
        let style = self.style ?? "generic"
        let structure = pass[style]?.objectValue ?? [:]
        let fg = color("foregroundColor") ?? "rgb(0, 0, 0)", bg = color("backgroundColor") ?? "rgb(255, 255, 255)"
        let label = color("labelColor") ?? fg
        func t(_ text: String?) -> String { text.map { strings[$0] ?? $0 } ?? "" }
        func fields(_ group: String) -> [JSONValue] { structure[group]?.arrayValue ?? [] }
        func field(_ f: JSONValue, _ group: String, _ cls: String) -> String {
            let value = format(f, strings)
            let limit = Self.fitting[group]
            let truncated = limit.map { value.count > $0 } ?? false
            let align = f["textAlignment"]?.stringValue.map { " align-\($0.dropFirst("PKTextAlignment".count).lowercased())" } ?? ""
            let mark = truncated ? " truncated\" title=\"Wallet shortens this: \(value.count) characters where about \(limit!) fit" : ""
            return "<div class=\"field \(cls)\(align)\(mark)\" data-field=\"\(Self.escape(f["key"]?.stringValue ?? ""))\" data-group=\"\(group)\">"
                + "<span class=\"label\">\(Self.escape(t(f["label"]?.stringValue)))</span><span class=\"value\">\(Self.escape(value))</span></div>"
        }
        var front = "<section class=\"pass \(style)\" data-side=\"front\" style=\"background:\(bg);color:\(fg);--label:\(label)\">"
        if let bgImage = image("background"), style == "eventTicket" {
            front += "<div class=\"background\" style=\"background-image:url(\(bgImage))\"></div>"
        }
        if style == "posterGeneric" {
            // Poster: artwork over the whole face, the primary logo and header fields on it, the
            // primary fields low, one footer field, the barcode (Apple, "Creating a poster generic pass").
            if let art = image("background") { front += "<div class=\"poster-art\" data-part=\"background\" style=\"background-image:url(\(art))\"></div>" }
            front += "<header data-part=\"header\">"
            if let logo = image("primaryLogo") { front += "<img class=\"logo\" data-part=\"logo\" alt=\"\" src=\"\(logo)\">" }
            front += "<div class=\"headers\" data-part=\"headers\">" + fields("headerFields").map { field($0, "headerFields", "header") }.joined() + "</div></header>"
            front += "<div class=\"poster-primary\" data-part=\"primaries\">" + fields("primaryFields").map { field($0, "primaryFields", "primary") }.joined() + "</div>"
            front += "<div class=\"row\" data-part=\"footer\">" + fields("footerFields").prefix(1).map { field($0, "footerFields", "footer") }.joined() + "</div>"
            front += barcodeHTML(t) + "</section>"
            return front + backHTML(fields("backFields"), strings)
        }
        front += "<header data-part=\"header\">"
        if let logo = image("logo") { front += "<img class=\"logo\" data-part=\"logo\" alt=\"\" src=\"\(logo)\">" }
        if let text = pass["logoText"]?.stringValue { front += "<span class=\"logoText\" data-part=\"logoText\">\(Self.escape(t(text)))</span>" }
        front += "<div class=\"headers\" data-part=\"headers\">" + fields("headerFields").map { field($0, "headerFields", "header") }.joined() + "</div></header>"
        let primary = fields("primaryFields").map { field($0, "primaryFields", "primary") }.joined()
        if let strip = image("strip"), ["storeCard", "coupon", "eventTicket"].contains(style) {
            front += "<div class=\"strip\" data-part=\"strip\" style=\"background-image:url(\(strip))\">\(primary)</div>"
        } else {
            let thumb = image("thumbnail").map { "<img class=\"thumbnail\" data-part=\"thumbnail\" alt=\"\" src=\"\($0)\">" } ?? ""
            front += "<div class=\"primaries\" data-part=\"primaries\">\(primary)\(thumb)</div>"
        }
        // One row of secondary and auxiliary fields on a store card or coupon (at most four);
        // two rows on the other styles.
        let secondary = fields("secondaryFields").map { field($0, "secondaryFields", "secondary") }
        let auxiliary = fields("auxiliaryFields").map { field($0, "auxiliaryFields", "auxiliary") }
        if ["storeCard", "coupon"].contains(style) {
            front += "<div class=\"row\" data-part=\"row\">" + (secondary + auxiliary).prefix(4).joined() + "</div>"
        } else {
            front += "<div class=\"row\" data-part=\"row\">" + secondary.joined() + "</div><div class=\"row\" data-part=\"row2\">" + auxiliary.joined() + "</div>"
        }
        if let footer = image("footer"), style == "boardingPass" { front += "<img class=\"footer\" alt=\"\" src=\"\(footer)\">" }
        front += barcodeHTML(t) + "</section>"
        return front + backHTML(fields("backFields"), strings)
    }

    /// The barcode Wallet shows: the first of `barcodes` (the newest iPhone's choice), with its alt text.
    func barcodeHTML(_ t: (String?) -> String) -> String {
        guard let code = (pass["barcodes"]?.arrayValue?.first ?? pass["barcode"]), let format = code["format"]?.stringValue else { return "" }
        let message = code["message"]?.stringValue ?? ""
        let drawn = barcode?(format, message) ?? "<div class=\"code-box\">\(Self.escape(format.replacingOccurrences(of: "PKBarcodeFormat", with: "")))</div>"
        var html = "<div class=\"barcode\" data-part=\"barcode\">\(drawn)"
        if let alt = code["altText"]?.stringValue { html += "<div class=\"alt\">\(Self.escape(t(alt)))</div>" }
        return html + "</div>"
    }

    func backHTML(_ fields: [JSONValue], _ strings: [String: String]) -> String {
        var back = "<section class=\"pass back\" data-side=\"back\"><dl>"
        for f in fields {
            back += "<div class=\"back-field\" data-field=\"\(Self.escape(f["key"]?.stringValue ?? ""))\"><dt>\(Self.escape(f["label"]?.stringValue.map { strings[$0] ?? $0 } ?? ""))</dt><dd>\(Self.escape(format(f, strings)))</dd></div>"
        }
        return back + "</dl></section>"
    }

    /// A whole page around ``html()``, images inlined: one file to review.
    public func page(title: String, aside: String = "") -> String {
        "<!doctype html><html lang=\"\(Self.escape(language ?? "en"))\"><head><meta charset=\"utf-8\"><title>\(Self.escape(title))</title><style>\(Self.css)</style></head>"
            + "<body><main class=\"preview\"><div class=\"sides\">\(html())</div>\(aside)</main></body></html>"
    }

    // MARK: texts

    func localized() -> [String: String] {
        guard let lang = language ?? languages.first, let bytes = files["\(lang).lproj/pass.strings"], let strings = try? PassStrings(bytes: bytes) else { return [:] }
        return strings.entries
    }

    /// A field's value as Wallet shows it: localized, and dates, numbers and currencies formatted by their styles.
    func format(_ field: JSONValue, _ strings: [String: String]) -> String {
        let locale = Locale(identifier: language ?? languages.first ?? "en")
        switch field["value"] {
        case .integer(let n)?: return number(Double(n), field, locale)
        case .number(let d)?: return number(d, field, locale)
        case .string(let s)?:
            if field["dateStyle"] != nil || field["timeStyle"] != nil, let date = Self.date(s) {
                let f = DateFormatter()
                f.locale = locale
                f.dateStyle = Self.dateStyle(field["dateStyle"]?.stringValue)
                f.timeStyle = Self.dateStyle(field["timeStyle"]?.stringValue)
                if field["ignoresTimeZone"] == .bool(true), let zone = Self.zone(s) { f.timeZone = zone }
                return f.string(from: date)
            }
            return strings[s] ?? s
        default: return ""
        }
    }

    func number(_ value: Double, _ field: JSONValue, _ locale: Locale) -> String {
        let f = NumberFormatter()
        f.locale = locale
        if let currency = field["currencyCode"]?.stringValue {
            f.numberStyle = .currency
            f.currencyCode = currency
        } else {
            switch field["numberStyle"]?.stringValue {
            case "PKNumberStylePercent": f.numberStyle = .percent
            case "PKNumberStyleScientific": f.numberStyle = .scientific
            case "PKNumberStyleSpellOut": f.numberStyle = .spellOut
            default: f.numberStyle = .decimal
            }
        }
        return f.string(from: NSNumber(value: value)) ?? String(value)
    }

    static func dateStyle(_ style: String?) -> DateFormatter.Style {
        switch style {
        case "PKDateStyleShort": .short
        case "PKDateStyleMedium": .medium
        case "PKDateStyleLong": .long
        case "PKDateStyleFull": .full
        default: .none
        }
    }

    static func date(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds], [.withFullDate, .withTime, .withColonSeparatorInTime, .withTimeZone]] {
            f.formatOptions = options
            if let d = f.date(from: s) { return d }
        }
        return nil
    }

    static func zone(_ s: String) -> TimeZone? {
        if s.hasSuffix("Z") { return TimeZone(secondsFromGMT: 0) }
        let tail = s.suffix(6)
        guard tail.count == 6, tail.first == "+" || tail.first == "-", let h = Int(tail.dropFirst().prefix(2)), let m = Int(tail.suffix(2)) else { return nil }
        return TimeZone(secondsFromGMT: (tail.first == "-" ? -1 : 1) * (h * 3600 + m * 60))
    }

    // MARK: images and colours

    /// The image as a data URI: the language's own, else the root's; @2x, else @3x, else @1x.
    func image(_ name: String) -> String? {
        var candidates: [String] = []
        for dir in [language.map { "\($0).lproj/" }, ""].compactMap({ $0 }) {
            candidates += ["\(dir)\(name)@2x.png", "\(dir)\(name)@3x.png", "\(dir)\(name).png"]
        }
        guard let path = candidates.first(where: { files[$0] != nil }), let data = files[path], PNGInfo(data) != nil else { return nil }
        return "data:image/png;base64," + Data(data).base64EncodedString()
    }

    /// A CSS colour from `rgb(r, g, b)` (the only form Wallet reads).
    func color(_ key: String) -> String? {
        guard let value = pass[key]?.stringValue, value.hasPrefix("rgb("), value.hasSuffix(")") else { return nil }
        let parts = value.dropFirst(4).dropLast().split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, parts.allSatisfy({ (0...255).contains($0) }) else { return nil }
        return "rgb(\(parts[0]), \(parts[1]), \(parts[2]))"
    }

    public static func escape(_ s: String) -> String { HTMLText.escape(s) }

    /// The drawing's CSS: a 320-pt-wide pass, the proportions of Wallet's.
    public static let css = """
        .sides{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}\
        .pass{position:relative;width:320px;min-height:410px;border-radius:12px;overflow:hidden;box-shadow:0 2px 10px rgba(0,0,0,.3);\
        font:13px/1.2 -apple-system,"Helvetica Neue",Helvetica,Arial,sans-serif;padding-bottom:12px}\
        .pass .background{position:absolute;inset:0;background-size:cover;filter:blur(6px);transform:scale(1.1);z-index:0}\
        .pass>*{position:relative;z-index:1}\
        .pass header{display:flex;align-items:center;gap:8px;height:50px;padding:6px 10px}\
        .pass .logo{max-height:40px;max-width:128px}.pass .logoText{font-size:16px;font-weight:600;flex:1;white-space:nowrap;overflow:hidden}\
        .pass .headers{margin-left:auto;display:flex;gap:10px;text-align:right}\
        .pass .field{display:flex;flex-direction:column;min-width:0}.pass .field .label{font-size:9px;text-transform:uppercase;color:var(--label);letter-spacing:.03em}\
        .pass .field .value{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}\
        .pass .header .value{font-size:17px}.pass .strip{height:123px;background-size:cover;background-position:center;padding:10px 12px;box-sizing:border-box}\
        .pass .primary .value{font-size:29px;font-weight:300}.pass .primary .label{font-size:10px}\
        .pass .primaries{display:flex;justify-content:space-between;padding:8px 12px}.pass .thumbnail{max-width:90px;max-height:90px}\
        .pass .row{display:flex;gap:12px;padding:8px 12px}.pass .row .field{flex:1}.pass .row .value{font-size:15px}\
        .pass .align-right{text-align:right}.pass .align-center{text-align:center}\
        .pass .truncated .value{outline:2px dashed #ff3b30;outline-offset:1px}\
        .pass .barcode{margin:14px auto 0;width:max-content;background:#fff;color:#000;border-radius:6px;padding:8px;text-align:center}\
        .pass .barcode svg{display:block;width:130px;height:130px}.pass .code-box{width:130px;height:130px;display:flex;align-items:center;justify-content:center;border:1px dashed #999;font-size:11px}\
        .pass .poster-art{position:absolute;inset:0;background-size:cover;background-position:center;z-index:0}\
        .pass.posterGeneric{min-height:505px}.pass .poster-primary{padding:180px 12px 8px}.pass .poster-primary .value{font-size:29px;font-weight:600}\
        .pass .alt{font-size:10px;margin-top:4px}.pass.back{background:#f2f2f7;color:#000;padding:12px}\
        .pass.back dt{font-size:11px;color:#6e6e73;margin-top:10px}.pass.back dd{margin:2px 0 0;white-space:pre-wrap}
        """
}
