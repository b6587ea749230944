/// Renders a template's JSON tree by walking it: placeholders live only in string values,
/// so a value can never change the document's structure, whatever characters it holds.
public enum TemplateRenderer {
    /// Replaces every placeholder in `tree` with its value. `values` must already be coerced to
    /// the declared types. `file` names the template file in errors.
    public static func render(_ tree: JSONValue, values: [String: JSONValue], file: String) throws(TemplateError) -> JSONValue {
        try render(tree, values: values, file: file, path: .root)
    }

    static func render(_ node: JSONValue, values: [String: JSONValue], file: String, path: JSONPath) throws(TemplateError) -> JSONValue {
        switch node {
        case .string(let s):
            switch TemplateString(s) {
            case .literal: return node
            case .whole(let name):
                guard let value = values[name] else { throw missing(name, file: file, path: path) }
                return value
            case .interpolated(let pieces):
                var out = ""
                for piece in pieces {
                    switch piece {
                    case .text(let t): out += t
                    case .variable(let name):
                        guard let value = values[name] else { throw missing(name, file: file, path: path) }
                        out += value.interpolationText
                    }
                }
                return .string(out)
            }
        case .array(let elements):
            var out: [JSONValue] = []
            out.reserveCapacity(elements.count)
            for (i, e) in elements.enumerated() { out.append(try render(e, values: values, file: file, path: path.appending(i))) }
            return .array(out)
        case .object(let members):
            var out: [String: JSONValue] = [:]
            // Sorted as the writer and the render plan go, so the first missing variable reported is the same.
            for k in JSONWriter.sortedKeys(members) { out[k] = try render(members[k]!, values: values, file: file, path: path.appending(k)) }
            return .object(out)
        default:
            return node
        }
    }

    static func missing(_ name: String, file: String, path: JSONPath) -> TemplateError {
        TemplateError(file: file, path: path, message: "missing variable \"\(name)\"")
    }

    /// Every placeholder in the tree with the path where it stands.
    static func references(in node: JSONValue, path: JSONPath = .root) -> [(name: String, path: JSONPath)] {
        switch node {
        case .string(let s): return TemplateString(s).variables.map { ($0, path) }
        case .array(let a): return a.enumerated().flatMap { references(in: $1, path: path.appending($0)) }
        case .object(let o): return o.keys.sorted().flatMap { references(in: o[$0]!, path: path.appending($0)) }
        default: return []
        }
    }
}
