import Foundation

/// A pass template folder: `template.json`, `pass.json` with placeholders, the bundle's static
/// files (images, `xx.lproj/pass.strings`), and optional `variants/<name>/` overlays.
public struct PassTemplate: Sendable {
    /// The folder name, e.g. `loyalty`.
    public let name: String
    /// The folder, as given (used in error messages).
    public let directory: String
    public let manifest: TemplateManifest
    /// pass.json as written by the designer, placeholders included.
    public let passJSON: JSONValue
    /// Bundle files other than pass.json, by bundle path (`icon@2x.png`, `ru.lproj/pass.strings`).
    public let files: [String: [UInt8]]
    /// Files of each variant folder, by bundle path.
    public let variantFiles: [String: [String: [UInt8]]]
    /// Hidden and system files that are never packed (`.DS_Store`, `__MACOSX/…`).
    public let ignoredFiles: [String]
    /// Folders that cannot be in a pass (anything but `xx.lproj` at the root).
    public let unexpectedDirectories: [String]

    static let metadataFiles: Set<String> = ["template.json", "README.md", "pass.json"]

    /// Reads a template folder. Throws on what makes it unusable (unreadable or malformed
    /// template.json or pass.json); everything else is for ``TemplateLinter`` to report.
    public static func load(from directory: String) throws(TemplateError) -> PassTemplate {
        let root = URL(fileURLWithPath: directory)
        let manifestFile = root.appendingPathComponent("template.json").path
        let passFile = root.appendingPathComponent("pass.json").path
        let manifestBytes = try readFile(manifestFile)
        let manifest: TemplateManifest
        do {
            manifest = try JSONDecoder().decode(TemplateManifest.self, from: Data(manifestBytes))
        } catch let error as DecodingError {
            throw TemplateError(file: manifestFile, message: describe(error))
        } catch {
            throw TemplateError(file: manifestFile, message: "\(error)")
        }
        let passBytes = try readFile(passFile)
        let passJSON: JSONValue
        do {
            passJSON = try JSONValue(parsing: passBytes)
        } catch {
            throw TemplateError(file: passFile, message: error.description)
        }

        var files: [String: [UInt8]] = [:]
        var ignored: [String] = []
        var unexpected: [String] = []
        var variantFiles: [String: [String: [UInt8]]] = [:]
        let fm = FileManager.default
        let entries = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        for entry in entries.sorted() {
            let path = root.appendingPathComponent(entry).path
            if isJunk(entry) { ignored.append(entry); continue }
            if metadataFiles.contains(entry) { continue }
            if isDirectory(path) {
                if entry == "variants" {
                    for variant in ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted() where !isJunk(variant) {
                        let variantPath = root.appendingPathComponent("variants/\(variant)").path
                        guard isDirectory(variantPath) else { unexpected.append("variants/\(variant)"); continue }
                        var collected: [String: [UInt8]] = [:]
                        try collect(variantPath, prefix: "", into: &collected, ignored: &ignored, unexpected: &unexpected, label: "variants/\(variant)/")
                        variantFiles[variant] = collected
                    }
                } else if entry.hasSuffix(".lproj") {
                    try collect(path, prefix: entry + "/", into: &files, ignored: &ignored, unexpected: &unexpected, label: "")
                } else {
                    unexpected.append(entry)
                }
            } else {
                files[entry] = try readFile(path)
            }
        }
        return PassTemplate(
            name: root.lastPathComponent, directory: directory, manifest: manifest, passJSON: passJSON, files: files,
            variantFiles: variantFiles, ignoredFiles: ignored, unexpectedDirectories: unexpected)
    }

    /// Collects the files of a folder whose own sub-folders may only be `xx.lproj` (at its root).
    private static func collect(
        _ dir: String, prefix: String, into files: inout [String: [UInt8]], ignored: inout [String], unexpected: inout [String], label: String
    ) throws(TemplateError) {
        for entry in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
            let path = URL(fileURLWithPath: dir).appendingPathComponent(entry).path
            if isJunk(entry) { ignored.append(label + prefix + entry); continue }
            if isDirectory(path) {
                if prefix.isEmpty, entry.hasSuffix(".lproj") {
                    try collect(path, prefix: entry + "/", into: &files, ignored: &ignored, unexpected: &unexpected, label: label)
                } else {
                    unexpected.append(label + prefix + entry)
                }
            } else {
                files[prefix + entry] = try readFile(path)
            }
        }
    }

    static func isJunk(_ name: String) -> Bool { name.hasPrefix(".") || name == "__MACOSX" || name == "Thumbs.db" }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    static func readFile(_ path: String) throws(TemplateError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TemplateError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        return [UInt8](data)
    }

    /// The JSON path a decoding error concerns, as a field name (`tiers[0].accrual`).
    public static func field(_ error: DecodingError) -> String {
        let context: DecodingError.Context
        var path: [CodingKey]
        switch error {
        case .keyNotFound(let key, let ctx): (context, path) = (ctx, ctx.codingPath + [key])
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx): (context, path) = (ctx, ctx.codingPath)
        @unknown default: return ""
        }
        _ = context
        if path.isEmpty { return "" }
        var out = ""
        for key in path {
            if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out
    }

    /// A decoding error as one line: the JSON path and what was wrong.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ ctx: DecodingError.Context) -> String {
            JSONPath(ctx.codingPath.map { $0.intValue.map(JSONPath.Component.index) ?? .key($0.stringValue) }).description
        }
        switch error {
        case .keyNotFound(let key, let ctx): return "\(path(ctx)): missing key \"\(key.stringValue)\""
        case .typeMismatch(let type, let ctx): return "\(path(ctx)): expected \(type): \(ctx.debugDescription)"
        case .valueNotFound(let type, let ctx): return "\(path(ctx)): expected \(type), found null"
        case .dataCorrupted(let ctx): return "\(path(ctx)): \(ctx.debugDescription) \(ctx.underlyingError.map { "\($0)" } ?? "")"
        @unknown default: return "\(error)"
        }
    }

    /// The file name of pass.json, for error messages.
    public var passFile: String { URL(fileURLWithPath: directory).appendingPathComponent("pass.json").path }

    /// The variant to use: the requested one, else the template's default (if any).
    public func variant(named requested: String?) throws(TemplateError) -> String? {
        guard let name = requested ?? manifest.defaultVariant else { return nil }
        guard manifest.variants?[name] != nil || variantFiles[name] != nil else {
            let known = Set((manifest.variants ?? [:]).keys).union(variantFiles.keys).sorted()
            throw TemplateError(
                file: URL(fileURLWithPath: directory).appendingPathComponent("template.json").path,
                message: "unknown variant \"\(name)\" (known: \(known.joined(separator: ", ")))")
        }
        return name
    }

    /// pass.json with the variant's patch applied.
    public func passJSON(variant: String?) -> JSONValue {
        guard let variant, let patch = manifest.variants?[variant]?.pass else { return passJSON }
        return passJSON.merging(patch: patch)
    }

    /// The bundle files with the variant's files replacing the root ones.
    public func bundleFiles(variant: String?) -> [String: [UInt8]] {
        guard let variant, let overlay = variantFiles[variant] else { return files }
        return files.merging(overlay) { _, new in new }
    }

    /// Checks `values` against the declared variables and returns them coerced to their types.
    /// An undeclared name or a value of the wrong type is an error naming template.json.
    public func coerce(_ values: [String: JSONValue]) throws(TemplateError) -> [String: JSONValue] {
        let file = URL(fileURLWithPath: directory).appendingPathComponent("template.json").path
        var out: [String: JSONValue] = [:]
        out.reserveCapacity(values.count)
        for (name, value) in values {
            guard let declared = manifest.variables[name] else {
                throw TemplateError(file: file, path: JSONPath.root.appending("variables"), message: "unknown variable \"\(name)\" (not declared in the template)")
            }
            switch declared.coerce(value) {
            case .success(let v): out[name] = v
            case .failure(let m):
                throw TemplateError(file: file, path: JSONPath.root.appending("variables").appending(name), message: "value of \"\(name)\" must be \(m.expected.rawValue), found \(m.found)")
            }
        }
        return out
    }
}
