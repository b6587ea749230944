import Bitrix24
import PassBuilder

/// Request parameters as the portal reads them: a JSON object, or a form with PHP-style nested
/// names turned into the same objects (`fields[NAME]=Anna` → `{"fields": {"NAME": "Anna"}}`,
/// `values[]=a` → `{"values": ["a"]}`).
enum MockParams {
    static func parse(json bytes: [UInt8]) -> [String: JSONValue]? {
        guard let value = try? JSONValue(parsingLeniently: bytes), case .object(let members) = value else { return nil }
        return members
    }

    static func parse(form bytes: [UInt8]) -> [String: JSONValue] {
        guard let form = FormFields(bytes) else { return [:] }
        var root: JSONValue = .object([:])
        for (path, value) in form.fields { insert(&root, path[...], .string(value)) }
        return root.objectValue ?? [:]
    }

    private static func insert(_ node: inout JSONValue, _ path: ArraySlice<String>, _ value: JSONValue) {
        guard let key = path.first else {
            node = value
            return
        }
        let rest = path.dropFirst()
        if key.isEmpty {
            var items = node.arrayValue ?? []
            var child: JSONValue = .object([:])
            insert(&child, rest, value)
            items.append(child)
            node = .array(items)
        } else {
            var members = node.objectValue ?? [:]
            var child = members[key] ?? .object([:])
            insert(&child, rest, value)
            members[key] = child
            node = .object(members)
        }
    }

    /// A scalar as text (ids arrive as numbers from JSON, as strings from forms).
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s): s
        case .integer(let n): String(n)
        case .number(let d): d == d.rounded() ? String(Int64(d)) : String(d)
        case .bool(let b): b ? "1" : "0"
        default: nil
        }
    }

    static func id(_ value: JSONValue?) -> Int64? {
        guard let text = text(value), let n = Int64(text), n > 0 else { return nil }
        return n
    }

    /// Parameter names are case-insensitive in Bitrix24 (`id` and `ID` both work).
    static func get(_ params: [String: JSONValue], _ name: String) -> JSONValue? {
        params[name] ?? params[name.uppercased()] ?? params[name.lowercased()]
    }
}
