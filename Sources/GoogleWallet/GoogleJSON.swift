import Foundation

/// The JSON we send Google: compact, keys sorted (the same value always gives the same bytes),
/// and `/` unescaped (URLs stay readable and a save link's JWT stays short).
public enum GoogleJSON {
    /// `value` as JSON bytes.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// A `T` from JSON bytes (Google's answers carry more fields than we model; those are ignored).
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
