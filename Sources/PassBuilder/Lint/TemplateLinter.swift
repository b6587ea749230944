import Foundation

/// `passline template lint`: every rule of ``LintRule`` over a template folder, each variant
/// rendered with the sample values.
public enum TemplateLinter {
    public static func lint(directory: String) -> [Diagnostic] {
        let root = URL(fileURLWithPath: directory)
        func label(_ name: String) -> String { root.appendingPathComponent(name).path }
        var out: [Diagnostic] = []
        for name in ["template.json", "pass.json"] {
            if let bytes = FileManager.default.contents(atPath: label(name)), bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                out.append(Diagnostic(.error, .jsonBOM, file: label(name), "a UTF-8 byte-order mark at the start of the file; save it as UTF-8 without BOM"))
                return out
            }
        }
        let template: PassTemplate
        do {
            template = try PassTemplate.load(from: directory)
        } catch {
            out.append(Diagnostic(.error, .jsonSyntax, file: error.file, path: error.path, error.message))
            return out
        }
        return lint(template)
    }

    public static func lint(_ template: PassTemplate) -> [Diagnostic] {
        let root = URL(fileURLWithPath: template.directory)
        func label(_ name: String) -> String { root.appendingPathComponent(name).path }
        let manifestFile = label("template.json")
        let passFile = label("pass.json")
        var out: [Diagnostic] = []

        for junk in template.ignoredFiles {
            out.append(Diagnostic(.warning, .junkFile, file: label(junk), "hidden or system file; never packed into a pass"))
        }
        for dir in template.unexpectedDirectories {
            out.append(Diagnostic(.error, .bundleLayout, file: label(dir), "folders other than xx.lproj cannot be in a pass: Wallet rejects the bundle"))
        }

        // Variables: declared, used, typed.
        let variables = template.manifest.variables
        var used = Set<String>()
        var sampleValues: [String: JSONValue] = [:]
        for (name, variable) in variables.sorted(by: { $0.key < $1.key }) {
            let p = JSONPath.root.appending("variables").appending(name)
            if name.hasPrefix("$") || TemplateString.identifier(name[...]) != name {
                out.append(Diagnostic(.error, .variable, file: manifestFile, path: p, "variable names are identifiers (letters, digits, _ and .) and cannot start with $"))
            }
            switch variable.coerce(variable.sample) {
            case .success(let v): sampleValues[name] = v
            case .failure(let m):
                out.append(Diagnostic(.error, .variable, file: manifestFile, path: p.appending("sample"), "sample must be \(m.expected.rawValue), found \(m.found)"))
            }
        }
        var trees: [(file: String, base: JSONPath, tree: JSONValue)] = [(passFile, .root, template.passJSON)]
        for (name, variant) in (template.manifest.variants ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let patch = variant.pass { trees.append((manifestFile, JSONPath.root.appending("variants").appending(name).appending("pass"), patch)) }
        }
        for (file, base, tree) in trees {
            for (name, path) in TemplateRenderer.references(in: tree, path: base) {
                used.insert(name)
                if variables[name] == nil {
                    out.append(Diagnostic(.error, .variable, file: file, path: path, "variable \"\(name)\" is not declared in template.json"))
                }
            }
        }
        for name in variables.keys.sorted() where !used.contains(name) {
            out.append(Diagnostic(.warning, .variable, file: manifestFile, path: JSONPath.root.appending("variables").appending(name), "variable \"\(name)\" is declared but never used"))
        }

        // Variants.
        let declared = Set((template.manifest.variants ?? [:]).keys)
        for name in template.variantFiles.keys.sorted() where !declared.contains(name) {
            out.append(Diagnostic(.error, .variant, file: label("variants/\(name)"), "variant folder \"\(name)\" is not declared under \"variants\" in template.json"))
        }
        if let d = template.manifest.defaultVariant, !declared.contains(d) {
            out.append(Diagnostic(.error, .variant, file: manifestFile, path: JSONPath.root.appending("defaultVariant"), "default variant \"\(d)\" is not declared under \"variants\""))
        }
        for (name, variant) in (template.manifest.variants ?? [:]) where variant.pass != nil && variant.pass?.objectValue == nil {
            out.append(Diagnostic(.error, .variant, file: manifestFile, path: JSONPath.root.appending("variants").appending(name).appending("pass"), "a variant's pass patch must be an object"))
        }
        if let style = template.manifest.style, template.passJSON[style.rawValue] == nil {
            out.append(Diagnostic(.error, .style, file: passFile, path: .root, "template.json says the style is \(style.rawValue), but pass.json has no \(style.rawValue) key"))
        }

        // Every variant, rendered with the samples, against the pass rules.
        let variantNames: [String?] = declared.isEmpty ? [nil] : declared.sorted().map { Optional($0) }
        var seen = Set<Diagnostic>()
        for variant in variantNames {
            let rendered: JSONValue
            do {
                rendered = try TemplateRenderer.render(template.passJSON(variant: variant), values: sampleValues, file: passFile)
            } catch {
                // An undeclared or mistyped variable, already reported above.
                continue
            }
            let overlay = variant.flatMap { template.variantFiles[$0] } ?? [:]
            var linter = PassLinter(
                pass: rendered, passFile: passFile, files: template.bundleFiles(variant: variant),
                fileLabel: { path in overlay[path] != nil ? label("variants/\(variant!)/\(path)") : label(path) },
                isTemplate: true)
            for d in linter.run() where seen.insert(d).inserted {
                out.append(d)
            }
        }
        return out
    }
}
