import Core
import PassBuilder

extension FormFields {
    /// `params` as a PHP-style query (`id=5&fields[UF_CRM_X]=7&values[0]=…`): the form a
    /// `batch` command carries after its method's `?`. Booleans are `Y`/`N`, as Bitrix24 writes them.
    public static func query(_ params: [String: JSONValue]) -> String {
        var pairs: [(String, String)] = []
        func add(_ name: String, _ value: JSONValue) {
            switch value {
            case .object(let members):
                for key in members.keys.sorted() { add("\(name)[\(key)]", members[key]!) }
            case .array(let items):
                for (i, item) in items.enumerated() { add("\(name)[\(i)]", item) }
            case .string(let s): pairs.append((name, s))
            case .integer(let n): pairs.append((name, String(n)))
            case .number(let d): pairs.append((name, String(d)))
            case .bool(let b): pairs.append((name, b ? "Y" : "N"))
            case .null: pairs.append((name, ""))
            }
        }
        for key in params.keys.sorted() { add(key, params[key]!) }
        return pairs.map { "\(FormBody.escape($0.0))=\(FormBody.escape($0.1))" }.joined(separator: "&")
    }
}
