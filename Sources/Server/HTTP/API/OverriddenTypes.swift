import PassBuilder

/// A JSON integer that, when it is not one, fails naming its field: Foundation's decoder reports
/// `1.5` read as an `Int` as "not valid JSON" at the root, which would hide which field was wrong.
struct WholeNumber: Codable, Hashable, Sendable {
    var value: Int64

    init(_ value: Int64) { self.value = value }

    init(from decoder: any Decoder) throws {
        let field = decoder.codingPath.last?.stringValue ?? "value"
        switch try JSONValue(from: decoder) {
        case .integer(let n): value = n
        case .null: throw DecodingError.valueNotFound(Int64.self, .init(codingPath: decoder.codingPath, debugDescription: "\(field) is required"))
        default:
            throw DecodingError.typeMismatch(Int64.self, .init(codingPath: decoder.codingPath, debugDescription: "\(field) must be a whole number"))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// The `limit` query parameter: 1–500; anything else is 400 naming `limit` (the generated query
/// decoder's error names no parameter).
struct PageSize: Codable, Hashable, Sendable {
    var value: Int

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let n = Int(text), (1...500).contains(n) else { throw APIError.badRequest("limit must be 1–500", field: "limit") }
        value = n
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
