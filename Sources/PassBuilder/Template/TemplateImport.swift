import Foundation

/// Makes a Passline template from a designer's work: an Apple Pass Designer `.pkpasstemplate`
/// (a folder of pass.json, images and tooling.json) or any `.pkpass`. Every field value becomes
/// a typed variable with the original value as its sample, as do the serial number and the
/// barcode's message; the identifiers the credentials supply are left out; images are kept at
/// every scale, localizations with them. The result is a template folder's files.
public enum TemplateImport {
    /// What an import makes: the template's files by path, and what the designer should know.
    public struct Result: Sendable {
        public var files: [String: [UInt8]]
        public var notes: [String]
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Keys Passline supplies from the credentials and the server.
    static let injected = ["passTypeIdentifier", "teamIdentifier", "webServiceURL", "authenticationToken"]
    /// pass-builder's tooling.json keys.
    static let toolingKeys: Set<String> = ["designerVersion", "builderVersion", "automaticallyGenerateCompatiblePass"]

    /// Imports the bundle's files (by path inside it) as template `name`.
    public static func make(name: String, bundle: [String: [UInt8]]) throws(Failure) -> Result {
        guard let bytes = bundle["pass.json"] else { throw Failure(description: "no pass.json in the bundle") }
        guard case .object(var pass)? = try? JSONValue(parsingLeniently: bytes) else {
            throw Failure(description: "pass.json is not a JSON object")
        }
        var notes: [String] = []
        var variables: [String: JSONValue] = [:]
        func variable(_ wanted: String, _ value: JSONValue, _ description: String) -> JSONValue {
            var name = identifier(wanted)
            var n = 2
            while variables[name] != nil { name = identifier(wanted) + String(n); n += 1 }
            variables[name] = .object(["type": .string(type(of: value).rawValue), "sample": value, "description": .string(description)])
            return .string("{{\(name)}}")
        }
        for key in injected where pass[key] != nil {
            pass[key] = nil
            notes.append("\(key) removed: the server supplies it (credentials, PASSLINE_PUBLIC_URL)")
        }
        pass["serialNumber"] = variable("serialNumber", pass["serialNumber"] ?? .string("SAMPLE-0001"), "Unique per pass type; set by the server")
        let styles = ["boardingPass", "coupon", "eventTicket", "generic", "storeCard", "posterGeneric"].filter { pass[$0] != nil }
        for style in styles {
            guard case .object(var structure)? = pass[style] else { continue }
            for group in ["headerFields", "primaryFields", "secondaryFields", "auxiliaryFields", "backFields", "additionalInfoFields", "footerFields"] {
                guard case .array(let fields)? = structure[group] else { continue }
                structure[group] = .array(fields.map { field in
                    guard case .object(var f) = field, let key = f["key"]?.stringValue, let value = f["value"] else { return field }
                    f["value"] = variable(key, value, "\(style).\(group) \(key)" + (f["label"]?.stringValue.map { " (\($0))" } ?? ""))
                    return .object(f)
                })
            }
            pass[style] = .object(structure)
        }
        if case .array(let barcodes)? = pass["barcodes"] {
            // One variable for every barcode's message: they encode the same thing in different formats.
            var message: JSONValue?
            pass["barcodes"] = .array(barcodes.map { barcode in
                guard case .object(var b) = barcode, let original = b["message"] else { return barcode }
                if message == nil { message = variable("barcodeMessage", original, "The barcode's message") }
                b["message"] = message
                return .object(b)
            })
        }
        if case .object(var legacy)? = pass["barcode"], let original = legacy["message"] {
            legacy["message"] = variables["barcodeMessage"] != nil ? .string("{{barcodeMessage}}") : variable("barcodeMessage", original, "The barcode's message")
            pass["barcode"] = .object(legacy)
            notes.append("barcode (one, iOS 8 and earlier) kept beside barcodes; newer iPhones read barcodes")
        }
        var files: [String: [UInt8]] = [:]
        for (path, data) in bundle {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            switch name {
            case "pass.json", "manifest.json", "signature": continue
            case "tooling.json":
                if case .object(let tooling)? = try? JSONValue(parsingLeniently: data) {
                    for key in tooling.keys.sorted() where !toolingKeys.contains(key) {
                        notes.append("tooling.json: unknown key \(key) ignored")
                    }
                    if tooling["automaticallyGenerateCompatiblePass"] == .bool(true) {
                        notes.append("tooling.json asks for a compatible pass for older iOS: give the template a generic variant")
                    }
                } else {
                    notes.append("tooling.json is not a JSON object; ignored")
                }
                continue
            default:
                if name.hasPrefix(".") || path.hasPrefix("__MACOSX/") { continue }
                files[path] = data
            }
        }
        let style = styles.first.map(JSONValue.string) ?? .null
        let manifest = JSONValue.object([
            "name": .string(name), "description": pass["description"] ?? .string(name), "style": style,
            "variables": .object(variables),
        ])
        files["pass.json"] = JSONValue.object(pass).prettySerialized()
        files["template.json"] = manifest.prettySerialized()
        return Result(files: files, notes: notes)
    }

    /// A variable's type, from its sample.
    static func type(of value: JSONValue) -> VariableType {
        switch value {
        case .integer: .integer
        case .number: .number
        case .bool: .boolean
        case .string(let s): W3CDate.isValid(s) ? .date : .string
        default: .string
        }
    }

    /// A field key as a variable name: letters and digits, camel case, starting with a letter.
    static func identifier(_ key: String) -> String {
        var out = ""
        var upper = false
        for c in key.unicodeScalars {
            if CharacterSet.alphanumerics.contains(c), c.isASCII {
                let s = String(c)
                out += upper && !out.isEmpty ? s.uppercased() : s
                upper = false
            } else {
                upper = true
            }
        }
        if out.isEmpty || out.first!.isNumber { out = "field" + out }
        return out
    }
}
