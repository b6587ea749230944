import Core

/// A form body with PHP-style nested names, the way Bitrix24 posts events, robot calls and
/// placements (`application/x-www-form-urlencoded`): `auth[domain]=…`, `data[FIELDS][ID]=759`,
/// `document_id[0]=crm` or `document_id[]=crm`, `properties[phone]=…`.
public struct FormFields: Sendable {
    /// Every field in order, its name split into its path (`a[b][c]` → `a`, `b`, `c`).
    public let fields: [(path: [String], value: String)]

    /// Parses a form body; nil when it is not valid form encoding (a bad `%` escape or UTF-8).
    public init?(_ bytes: [UInt8]) {
        guard let body = FormBody(bytes) else { return nil }
        self.init(body.fields)
    }

    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { (Self.path($0.0), $0.1) }
    }

    private init(fields: [(path: [String], value: String)]) {
        self.fields = fields
    }

    /// These fields, then `pairs` (a query string's): a name in both is found here first.
    public func appending(_ pairs: [(String, String)]) -> FormFields {
        FormFields(fields: fields + pairs.map { (Self.path($0.0), $0.1) })
    }

    /// `a[b][c]` → `["a", "b", "c"]`; `a[]` → `["a", ""]`; a name with unbalanced brackets is
    /// one plain name.
    static func path(_ name: String) -> [String] {
        guard let open = name.firstIndex(of: "[") else { return [name] }
        var path = [String(name[..<open])]
        var rest = name[open...]
        while rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else { return [name] }
            path.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return rest.isEmpty ? path : [name]
    }

    /// The first value at exactly `path`: `form["auth", "domain"]`.
    public subscript(_ path: String...) -> String? {
        fields.first { $0.path == path }?.value
    }

    /// The values of a list, in order: `name[0]`, `name[1]`, … or `name[]` repeated.
    public func list(_ name: String) -> [String] {
        let items = fields.filter { $0.path.count == 2 && $0.path[0] == name }
        if items.allSatisfy({ Int($0.path[1]) != nil }) {
            return items.sorted { Int($0.path[1])! < Int($1.path[1])! }.map(\.value)
        }
        return items.map(\.value)
    }

    /// The members of a map, in order: `properties[phone]=…` → `("phone", …)`.
    public func members(_ name: String) -> [(key: String, value: String)] {
        fields.filter { $0.path.count == 2 && $0.path[0] == name }.map { ($0.path[1], $0.value) }
    }
}
