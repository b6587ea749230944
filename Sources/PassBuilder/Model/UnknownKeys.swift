/// A coding key for arbitrary member names.
struct AnyCodingKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Model types keep the members they don't know, so that a pass written by a newer tool
/// (or with keys Apple adds later) survives a decode/encode round trip.
protocol PreservesUnknownKeys {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

extension PreservesUnknownKeys {
    static func unknownKeys(in decoder: any Decoder) throws -> [String: JSONValue] {
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        var result: [String: JSONValue] = [:]
        for key in container.allKeys where !known.contains(key.stringValue) {
            result[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
        }
        return result
    }

    static func encode(unknownKeys: [String: JSONValue], to encoder: any Encoder) throws {
        guard !unknownKeys.isEmpty else { return }
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for (key, value) in unknownKeys {
            try container.encode(value, forKey: AnyCodingKey(key))
        }
    }
}
