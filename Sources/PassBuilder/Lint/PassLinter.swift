import Foundation

/// Checks a rendered pass.json and its bundle files against the rules Wallet enforces on install
/// (images, field keys, barcodes, colours, dates, the required keys and web-service pairing):
/// Wallet refuses a pass that breaks one without saying why, so the linter says it first.
struct PassLinter {
    var pass: JSONValue
    var passFile: String
    /// Bundle files other than pass.json, by bundle path.
    var files: [String: [UInt8]]
    /// Where bundle files live on disk, for messages (`PassTemplates/loyalty/`).
    var fileLabel: (String) -> String
    /// A template gets passTypeIdentifier/teamIdentifier from the credentials, so they are not required in it.
    var isTemplate: Bool

    private(set) var diagnostics: [Diagnostic] = []

    static let textAlignments: Set<String> = ["PKTextAlignmentLeft", "PKTextAlignmentCenter", "PKTextAlignmentRight", "PKTextAlignmentNatural"]
    static let numberStyles: Set<String> = ["PKNumberStyleDecimal", "PKNumberStylePercent", "PKNumberStyleScientific", "PKNumberStyleSpellOut"]
    static let dateStyles: Set<String> = ["PKDateStyleNone", "PKDateStyleShort", "PKDateStyleMedium", "PKDateStyleLong", "PKDateStyleFull"]
    static let injectedKeys = ["passTypeIdentifier", "teamIdentifier", "webServiceURL", "authenticationToken"]

    mutating func error(_ rule: LintRule, _ path: JSONPath?, _ message: String, file: String? = nil) {
        diagnostics.append(Diagnostic(.error, rule, file: file ?? passFile, path: path, message))
    }

    mutating func warning(_ rule: LintRule, _ path: JSONPath?, _ message: String, file: String? = nil) {
        diagnostics.append(Diagnostic(.warning, rule, file: file ?? passFile, path: path, message))
    }

    mutating func run() -> [Diagnostic] {
        guard case .object(let top) = pass else {
            error(.jsonSyntax, .root, "pass.json must be a JSON object")
            return diagnostics
        }
        let root = JSONPath.root
        checkRequired(top)
        let styles = PassStyle.allCases.filter { top[$0.rawValue] != nil }
        // posterGeneric carries generic beside it for iOS 26 and earlier: the one pair allowed.
        let poster = Set(styles) == [.posterGeneric, .generic]
        if styles.count != 1, !poster {
            error(.style, root, styles.isEmpty ? "no style key (one of \(PassStyle.allCases.map(\.rawValue).joined(separator: ", ")))" : "more than one style key: \(styles.map(\.rawValue).joined(separator: ", "))")
        }
        if styles == [.posterGeneric] {
            warning(.style, root.appending("posterGeneric"), "posterGeneric needs iOS 27: add a generic style beside it, or iPhones on iOS 26 and earlier refuse the pass")
        }
        let style = poster ? PassStyle.posterGeneric : styles.first
        for s in styles where poster || s == style {
            if let structure = top[s.rawValue] { checkFields(structure, style: s, path: root.appending(s.rawValue)) }
        }
        checkFeaturedActions(top)
        if style == .storeCard {
            // Wallet installs such a pass and ignores what does not apply: warnings, not refusals.
            if top["groupingIdentifier"] != nil { warning(.groupingIdentifier, root.appending("groupingIdentifier"), "groupingIdentifier is ignored on a storeCard (event tickets and boarding passes only)") }
            if top["relevantDate"] != nil { warning(.relevantDate, root.appending("relevantDate"), "relevantDate is ignored on a storeCard (store-card relevance is by location)") }
            for image in ["thumbnail", "background", "footer"] {
                for path in files.keys.sorted() where imageBase(path) == image {
                    warning(.styleImages, nil, "\(image) images are not shown on a storeCard (logo, icon and strip only): Wallet ignores it", file: fileLabel(path))
                }
            }
        }
        checkColors(top)
        checkDates(top)
        checkRelevance(top)
        checkNFC(top, style: style)
        checkWebService(top)
        checkBarcodes(top)
        checkImages(style: style)
        checkStrings()
        return diagnostics
    }

    // MARK: required keys

    mutating func checkRequired(_ top: [String: JSONValue]) {
        let root = JSONPath.root
        if top["formatVersion"] != .integer(1) {
            error(.requiredKey, root.appending("formatVersion"), top["formatVersion"] == nil ? "formatVersion is required (1)" : "formatVersion must be the integer 1")
        }
        var required = ["serialNumber", "organizationName", "description"]
        if !isTemplate { required += ["passTypeIdentifier", "teamIdentifier"] }
        for key in required {
            switch top[key] {
            case .string(let s) where !s.isEmpty: break
            case nil: error(.requiredKey, root.appending(key), "\(key) is required")
            default: error(.requiredKey, root.appending(key), "\(key) must be a non-empty string")
            }
        }
        if isTemplate {
            for key in ["passTypeIdentifier", "teamIdentifier"] where top[key] != nil {
                warning(.injectedKey, root.appending(key), "\(key) comes from the signing certificate or configuration; the template's value is replaced")
            }
        }
    }

    // MARK: fields

    mutating func checkFields(_ structure: JSONValue, style: PassStyle, path: JSONPath) {
        guard case .object(let groups) = structure else {
            error(.fieldValue, path, "\(style.rawValue) must be an object of field arrays")
            return
        }
        var seenKeys: [String: JSONPath] = [:]
        var counts: [String: Int] = [:]
        for group in ["headerFields", "primaryFields", "secondaryFields", "auxiliaryFields", "backFields", "additionalInfoFields", "footerFields"] {
            guard let value = groups[group] else { continue }
            let groupPath = path.appending(group)
            guard case .array(let fields) = value else { error(.fieldValue, groupPath, "\(group) must be an array"); continue }
            counts[group] = fields.count
            for (i, field) in fields.enumerated() {
                checkField(field, group: group, path: groupPath.appending(i), seenKeys: &seenKeys)
            }
        }
        let header = counts["headerFields", default: 0]
        let primary = counts["primaryFields", default: 0]
        let secondary = counts["secondaryFields", default: 0]
        let auxiliary = counts["auxiliaryFields", default: 0]
        let footer = counts["footerFields", default: 0]
        if footer > 1 { error(.fieldCount, path.appending("footerFields"), "at most 1 footer field (found \(footer)): Wallet shows one") }
        if header > 3 { error(.fieldCount, path.appending("headerFields"), "at most 3 header fields (found \(header))") }
        if primary > 1, style != .boardingPass { error(.fieldCount, path.appending("primaryFields"), "at most 1 primary field (found \(primary))") }
        if style == .storeCard || style == .coupon || style == .generic {
            if secondary + auxiliary > 4 {
                error(.fieldCount, path, "secondary and auxiliary fields together at most 4 on a \(style.rawValue) (found \(secondary) + \(auxiliary))")
            }
        } else {
            if secondary > 4 { error(.fieldCount, path.appending("secondaryFields"), "at most 4 secondary fields (found \(secondary))") }
            if auxiliary > 4 { error(.fieldCount, path.appending("auxiliaryFields"), "at most 4 auxiliary fields (found \(auxiliary))") }
        }
    }

    mutating func checkField(_ field: JSONValue, group: String, path: JSONPath, seenKeys: inout [String: JSONPath]) {
        guard case .object(let f) = field else { error(.fieldValue, path, "a field must be an object"); return }
        switch f["key"] {
        case .string(let key) where !key.isEmpty:
            if let first = seenKeys[key] {
                error(.fieldKeyUnique, path.appending("key"), "field key \"\(key)\" is already used at \(first); keys must be unique across the pass")
            } else {
                seenKeys[key] = path
            }
        default: error(.fieldValue, path.appending("key"), "a field needs a non-empty string key")
        }
        let value = f["value"]
        switch value {
        case .string, .integer, .number: break
        case nil: error(.fieldValue, path.appending("value"), "a field needs a value")
        default: error(.fieldValue, path.appending("value"), "a field value must be a string, a number or a date string (found \(value!.typeName))")
        }
        if let alignment = f["textAlignment"] {
            if group == "primaryFields" || group == "backFields" {
                error(.textAlignment, path.appending("textAlignment"), "textAlignment is not allowed on \(group == "primaryFields" ? "primary" : "back") fields")
            } else if alignment.stringValue.map(Self.textAlignments.contains) != true {
                error(.textAlignment, path.appending("textAlignment"), "textAlignment must be one of \(Self.textAlignments.sorted().joined(separator: ", "))")
            }
        }
        let isNumber = value?.isNumber ?? false
        if let code = f["currencyCode"] {
            if !isNumber { error(.numberFormat, path.appending("currencyCode"), "currencyCode applies only to a numeric value (the value is \(value?.typeName ?? "missing"))") }
            if let s = code.stringValue, s.count == 3, s.allSatisfy({ $0.isASCII && $0.isUppercase }) {} else {
                error(.numberFormat, path.appending("currencyCode"), "currencyCode must be an ISO 4217 code such as \"RUB\"")
            }
            if f["numberStyle"] != nil { error(.numberFormat, path, "a field has either currencyCode or numberStyle, not both") }
        }
        if let style = f["numberStyle"] {
            if !isNumber { error(.numberFormat, path.appending("numberStyle"), "numberStyle applies only to a numeric value (the value is \(value?.typeName ?? "missing"))") }
            if style.stringValue.map(Self.numberStyles.contains) != true {
                error(.numberFormat, path.appending("numberStyle"), "numberStyle must be one of \(Self.numberStyles.sorted().joined(separator: ", "))")
            }
        }
        if let message = f["changeMessage"] {
            checkChangeMessage(message, path: path.appending("changeMessage"))
        }
        let isDate = ["dateStyle", "timeStyle", "isRelative", "ignoresTimeZone"].contains { f[$0] != nil }
        for key in ["dateStyle", "timeStyle"] {
            if let s = f[key], s.stringValue.map(Self.dateStyles.contains) != true {
                error(.date, path.appending(key), "\(key) must be one of \(Self.dateStyles.sorted().joined(separator: ", "))")
            }
        }
        if isDate {
            if let s = value?.stringValue, W3CDate.isValid(s) {} else {
                error(.date, path.appending("value"), "a field with a date style needs an ISO 8601 date-time with a time zone as its value")
            }
        }
        if f["dataDetectorTypes"] != nil, group != "backFields" {
            error(.fieldValue, path.appending("dataDetectorTypes"), "dataDetectorTypes applies to back fields only")
        }
    }

    /// changeMessage must contain `%@`, in pass.json or in every localization that translates it.
    mutating func checkChangeMessage(_ message: JSONValue, path: JSONPath) {
        guard let text = message.stringValue else { error(.changeMessage, path, "changeMessage must be a string"); return }
        var translated = false
        for (file, strings) in localizations() {
            if let local = strings.entries[text] {
                translated = true
                if !local.contains("%@") {
                    error(.changeMessage, path, "the \(file) translation of changeMessage \"\(text)\" lacks %@ (\"\(local)\")")
                }
            }
        }
        if !translated, !text.contains("%@") {
            error(.changeMessage, path, "changeMessage must contain %@, which Wallet replaces with the new value")
        }
    }

    // MARK: colours, dates, relevance, nfc, web service, barcodes

    mutating func checkColors(_ top: [String: JSONValue]) {
        for key in ["backgroundColor", "foregroundColor", "labelColor", "stripColor"] {
            guard let value = top[key] else { continue }
            if let s = value.stringValue, Self.isRGB(s) { continue }
            error(.color, JSONPath.root.appending(key), "\(key) must be a CSS colour rgb(r, g, b) with components 0–255")
        }
    }

    static func isRGB(_ s: String) -> Bool {
        let trimmed = s.filter { $0 != " " }
        guard trimmed.hasPrefix("rgb("), trimmed.hasSuffix(")") else { return false }
        let parts = trimmed.dropFirst(4).dropLast().split(separator: ",", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { Int($0).map { (0...255).contains($0) } ?? false }
    }

    mutating func checkDates(_ top: [String: JSONValue]) {
        for key in ["expirationDate", "relevantDate"] {
            guard let value = top[key] else { continue }
            if let s = value.stringValue, W3CDate.isValid(s) { continue }
            error(.date, JSONPath.root.appending(key), "\(key) must be an ISO 8601 date-time with a time zone, e.g. 2026-12-31T23:59:00+03:00")
        }
    }

    mutating func checkRelevance(_ top: [String: JSONValue]) {
        let root = JSONPath.root
        if let locations = top["locations"] {
            if let a = locations.arrayValue {
                if a.count > 10 { error(.locations, root.appending("locations"), "at most 10 locations (found \(a.count))") }
                for (i, l) in a.enumerated() where !(l["latitude"]?.isNumber ?? false) || !(l["longitude"]?.isNumber ?? false) {
                    error(.locations, root.appending("locations").appending(i), "a location needs numeric latitude and longitude")
                }
            } else {
                error(.locations, root.appending("locations"), "locations must be an array")
            }
        }
        if let beacons = top["beacons"] {
            if let a = beacons.arrayValue {
                if a.count > 10 { error(.beacons, root.appending("beacons"), "at most 10 beacons (found \(a.count))") }
                var seen = Set<String>()
                for (i, b) in a.enumerated() {
                    let p = root.appending("beacons").appending(i)
                    guard let uuid = b["proximityUUID"]?.stringValue, Self.isUUID(uuid) else {
                        error(.beacons, p, "a beacon needs a proximityUUID in UUID form")
                        continue
                    }
                    let identity = "\(uuid.uppercased())/\(b["major"].map { "\($0)" } ?? "")/\(b["minor"].map { "\($0)" } ?? "")"
                    if !seen.insert(identity).inserted { error(.beacons, p, "duplicate beacon \(uuid)") }
                    for key in ["major", "minor"] {
                        if let v = b[key], case .integer(let n) = v, (0...65535).contains(n) {} else if b[key] != nil {
                            error(.beacons, p.appending(key), "\(key) must be an integer 0–65535")
                        }
                    }
                }
            } else {
                error(.beacons, root.appending("beacons"), "beacons must be an array")
            }
        }
    }

    static func isUUID(_ s: String) -> Bool {
        let groups = s.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isHexDigit } }
    }

    mutating func checkNFC(_ top: [String: JSONValue], style: PassStyle?) {
        guard let nfc = top["nfc"] else { return }
        let p = JSONPath.root.appending("nfc")
        if style != .storeCard { error(.nfc, p, "nfc is allowed on store cards only") }
        guard case .object(let o) = nfc else { error(.nfc, p, "nfc must be an object"); return }
        if let m = o["message"]?.stringValue {
            if m.utf8.count > 64 { error(.nfc, p.appending("message"), "nfc.message is at most 64 bytes (found \(m.utf8.count))") }
        } else {
            error(.nfc, p.appending("message"), "nfc.message is required")
        }
        if o["encryptionPublicKey"]?.stringValue == nil {
            error(.nfc, p.appending("encryptionPublicKey"), "nfc.encryptionPublicKey (base64 X.509 SubjectPublicKeyInfo, P-256) is required")
        }
        warning(.nfc, p, "nfc needs an NFC-enabled Pass Type ID certificate (an Apple entitlement); without one the pass will not install")
    }

    mutating func checkWebService(_ top: [String: JSONValue]) {
        let root = JSONPath.root
        let url = top["webServiceURL"]
        let token = top["authenticationToken"]
        if let url {
            if let s = url.stringValue, s.hasPrefix("https://") {} else if let s = url.stringValue, s.hasPrefix("http://") {
                warning(.webService, root.appending("webServiceURL"), "webServiceURL should use https; plain http works only on devices with the developer setting enabled")
            } else {
                error(.webService, root.appending("webServiceURL"), "webServiceURL must be an https URL")
            }
            if token == nil { error(.webService, root.appending("authenticationToken"), "a pass with webServiceURL needs an authenticationToken") }
        }
        if let token {
            if url == nil { error(.webService, root.appending("authenticationToken"), "authenticationToken is only allowed with a webServiceURL") }
            if (token.stringValue?.count ?? 0) < 16 { error(.webService, root.appending("authenticationToken"), "authenticationToken must be a string of at least 16 characters") }
        }
        if isTemplate {
            for key in ["webServiceURL", "authenticationToken"] where top[key] != nil {
                warning(.injectedKey, root.appending(key), "\(key) comes from the server's configuration; the template's value is replaced")
            }
        }
    }

    mutating func checkBarcodes(_ top: [String: JSONValue]) {
        var entries: [(JSONValue, JSONPath)] = []
        if let b = top["barcode"] { entries.append((b, JSONPath.root.appending("barcode"))) }
        if let list = top["barcodes"] {
            guard let a = list.arrayValue else { error(.barcode, JSONPath.root.appending("barcodes"), "barcodes must be an array"); return }
            entries += a.enumerated().map { ($1, JSONPath.root.appending("barcodes").appending($0)) }
        }
        // iOS 26 and earlier show the first format they know: an iOS 27 format needs a QR or
        // PDF417 after it (WWDC26 "What's new in Wallet"), or older iPhones show no barcode.
        let formats = entries.map { $0.0["format"]?.stringValue }
        for (i, format) in formats.enumerated() where format.map(Barcode.iOS27Formats.contains) == true {
            if !formats[(i + 1)...].contains(where: { $0 == "PKBarcodeFormatQR" || $0 == "PKBarcodeFormatPDF417" }) {
                warning(.barcode, entries[i].1.appending("format"), "\(format!) is new in iOS 27: add a PKBarcodeFormatQR or PKBarcodeFormatPDF417 barcode after it, or iPhones on iOS 26 and earlier show no barcode")
            }
        }
        for (b, p) in entries {
            guard case .object(let o) = b else { error(.barcode, p, "a barcode must be an object"); continue }
            if o["format"]?.stringValue.map(Barcode.formats.contains) != true {
                error(.barcode, p.appending("format"), "format must be one of \(Barcode.formats.sorted().joined(separator: ", "))")
            }
            if o["message"]?.stringValue == nil { error(.barcode, p.appending("message"), "a barcode needs a message") }
            if o["messageEncoding"]?.stringValue == nil { error(.barcode, p.appending("messageEncoding"), "a barcode needs a messageEncoding (usually iso-8859-1)") }
        }
    }

    // MARK: featured actions

    /// `featuredActions` (iOS 27): at most two, each with an `identifier`, a `type` and, when it
    /// opens something, a `url` (WWDC26 "What's new in Wallet"; apple/pass-builder's `Pass.Action`).
    mutating func checkFeaturedActions(_ top: [String: JSONValue]) {
        guard let value = top["featuredActions"] else { return }
        let path = JSONPath.root.appending("featuredActions")
        guard let actions = value.arrayValue else { error(.featuredActions, path, "featuredActions must be an array"); return }
        if actions.count > 2 { error(.featuredActions, path, "at most 2 featured actions (found \(actions.count))") }
        for (i, action) in actions.enumerated() {
            let p = path.appending(i)
            guard case .object(let a) = action else { error(.featuredActions, p, "a featured action must be an object"); continue }
            for key in ["identifier", "type"] where (a[key]?.stringValue ?? "").isEmpty {
                error(.featuredActions, p.appending(key), "a featured action needs a \(key)")
            }
            if let url = a["url"], url.stringValue == nil { error(.featuredActions, p.appending("url"), "url must be a string") }
        }
    }

    // MARK: images

    /// Each image slot in points, from Apple's "Pass Design and Creation" (Wallet Developer Guide:
    /// "images are scaled, preserving aspect ratio, to fill their allotted space … and cropped")
    /// and pass-builder's image slots (icon 38×38 pt; iOS 27's primaryLogo, secondaryLogo and
    /// artwork). `exact`: the slot is filled (scaled, and cropped when the aspect differs);
    /// otherwise the image is scaled down to fit. A size off the slot is a warning that says what
    /// Wallet will do: Wallet installs the pass either way.
    static let imageSlots: [String: (width: Int, height: Int, exact: Bool)] = [
        "icon": (38, 38, true), "logo": (160, 50, false), "thumbnail": (90, 90, false),
        "background": (180, 220, true), "footer": (286, 15, false),
        "primaryLogo": (126, 30, false), "secondaryLogo": (135, 12, false), "artwork": (358, 448, true),
    ]

    /// The strip's slot: 375 pt wide; 98 pt on an event ticket, 144 on a store card or coupon, 123 otherwise.
    static func stripHeight(_ style: PassStyle?) -> Int {
        style == .eventTicket ? 98 : style == .storeCard || style == .coupon ? 144 : 123
    }

    func imageBase(_ path: String) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard name.hasSuffix(".png") else { return nil }
        var base = String(name.dropLast(4))
        for suffix in ["@2x", "@3x"] where base.hasSuffix(suffix) { base = String(base.dropLast(3)) }
        return base
    }

    static func points(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }

    static func scale(_ path: String) -> Int { path.hasSuffix("@3x.png") ? 3 : path.hasSuffix("@2x.png") ? 2 : 1 }

    mutating func checkImages(style: PassStyle?) {
        // Without an icon Wallet refuses the pass (it shows it on the lock screen and in notifications).
        if files["icon.png"] == nil, files["icon@2x.png"] == nil, files["icon@3x.png"] == nil,
           !files.keys.contains(where: { $0.contains(".lproj/icon") && $0.hasSuffix(".png") }) {
            error(.imageMissing, nil, "icon.png is required: Wallet refuses a pass without an icon (it shows it on the lock screen and in notifications)", file: fileLabel("icon.png"))
        } else {
            if files["icon.png"] == nil {
                warning(.imageMissing, nil, "icon.png (@1x) is missing: Wallet uses the @2x or @3x icon (Apple's pass-builder requires one scale only)", file: fileLabel("icon.png"))
            }
            for scale in ["@2x", "@3x"] where files["icon\(scale).png"] == nil {
                warning(.imageMissing, nil, "icon\(scale).png is missing: screens at \(scale) scale up a smaller icon (blurry)", file: fileLabel("icon\(scale).png"))
            }
        }
        for path in files.keys.sorted() {
            guard let base = imageBase(path) else { continue }
            guard let info = PNGInfo(files[path]!) else {
                error(.imageFormat, nil, "not a PNG image: Wallet cannot draw it", file: fileLabel(path))
                continue
            }
            let s = Self.scale(path)
            // The image's size in points at its scale.
            let w = Double(info.width) / Double(s), h = Double(info.height) / Double(s)
            let size = "\(info.width)×\(info.height) px (\(Self.points(w))×\(Self.points(h)) pt at @\(s)x)"
            if base == "strip" {
                let slotH = Self.stripHeight(style)
                if Int(w.rounded()) != 375 || Int(h.rounded()) != slotH {
                    warning(.imageSize, nil, "strip is \(size); Wallet scales it to fill 375×\(slotH) pt and crops what overflows (\(375 * s)×\(slotH * s) px fits exactly)", file: fileLabel(path))
                }
            } else if let slot = base == "background" && style == .posterGeneric ? (345, 505, true) : Self.imageSlots[base] {
                if slot.exact {
                    // The icon's older size (Apple's guide: 29×29 pt) is drawn as crisply as pass-builder's 38×38.
                    let fits = Int(w.rounded()) == slot.width && Int(h.rounded()) == slot.height
                        || base == "icon" && Int(w.rounded()) == 29 && Int(h.rounded()) == 29
                    if !fits {
                        let crop = abs(w / h - Double(slot.width) / Double(slot.height)) > 0.02 ? ", cropping what overflows" : ""
                        warning(.imageSize, nil, "\(base) is \(size); Wallet scales it to fill \(slot.width)×\(slot.height) pt\(crop) (\(slot.width * s)×\(slot.height * s) px fits exactly)", file: fileLabel(path))
                    }
                } else if w > Double(slot.width) + 0.5 || h > Double(slot.height) + 0.5 {
                    let k = min(Double(slot.width) / w, Double(slot.height) / h)
                    warning(.imageSize, nil, "\(base) is \(size); Wallet scales it down to \(Self.points(w * k))×\(Self.points(h * k)) pt to fit \(slot.width)×\(slot.height) pt", file: fileLabel(path))
                }
            }
            if s > 1 {
                let one = path.replacingOccurrences(of: "@\(s)x.png", with: ".png")
                if let base1 = files[one].flatMap(PNGInfo.init),
                   abs(base1.width * s - info.width) > s || abs(base1.height * s - info.height) > s {
                    warning(.imageSize, nil, "@\(s)x image is \(info.width)×\(info.height) px but \(one) is \(base1.width)×\(base1.height) px: screens at different scales will show different sizes (it should be \(s)× that)", file: fileLabel(path))
                }
            }
        }
        for path in files.keys.sorted() where path.contains(".lproj/") && imageBase(path) != nil {
            let name = String(path.split(separator: "/").last!)
            if files[name] != nil {
                warning(.imageMissing, nil, "\(name) is both at the top level and in \(path); Apple advises one place only", file: fileLabel(path))
            }
        }
    }

    // MARK: localizations

    func localizations() -> [(String, PassStrings)] {
        files.keys.sorted().filter { $0.hasSuffix(".lproj/pass.strings") }.compactMap { path in
            (try? PassStrings(bytes: files[path]!)).map { (fileLabel(path), $0) }
        }
    }

    mutating func checkStrings() {
        var keySets: [(String, Set<String>)] = []
        for path in files.keys.sorted() where path.hasSuffix(".strings") {
            let bytes = files[path]!
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                error(.jsonBOM, nil, "a UTF-8 byte-order mark at the start of the file; save it as UTF-8 without BOM", file: fileLabel(path))
            }
            do {
                keySets.append((path, Set(try PassStrings(bytes: bytes).entries.keys)))
            } catch {
                self.error(.strings, nil, "\(error)", file: fileLabel(path))
            }
            if !path.hasSuffix(".lproj/pass.strings") {
                warning(.strings, nil, "Wallet reads only xx.lproj/pass.strings", file: fileLabel(path))
            }
        }
        if let (firstPath, firstKeys) = keySets.first {
            for (path, keys) in keySets.dropFirst() where keys != firstKeys {
                let missing = firstKeys.subtracting(keys).sorted().prefix(5)
                let extra = keys.subtracting(firstKeys).sorted().prefix(5)
                warning(.strings, nil, "keys differ from \(firstPath): missing \(missing.joined(separator: ", ")); extra \(extra.joined(separator: ", "))", file: fileLabel(path))
            }
        }
    }
}
