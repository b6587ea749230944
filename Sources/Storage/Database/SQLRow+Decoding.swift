import Foundation

// Throwing readers for store decoders. A column the schema makes required that reads NULL, or a
// value of the wrong type, is a damaged row: the read fails naming the column, instead of handing
// on `0`, `""` or a made-up enum case that a caller would take for real data.
extension SQLRow {
    /// The integer in column `i`; NULL or any other type throws, naming `column`.
    func int(_ i: Int, _ column: String) throws -> Int64 {
        guard let v = try optionalInt(i, column) else { throw Self.mismatch(column, expected: "integer", got: values[i]) }
        return v
    }

    /// The integer in column `i`, or nil for NULL; any other type throws, naming `column`.
    func optionalInt(_ i: Int, _ column: String) throws -> Int64? {
        switch values[i] {
        case .null: return nil
        case .integer(let v): return v
        // PostgreSQL reports some integer expressions as numeric; only whole values count.
        case .double(let d) where Int64(exactly: d) != nil: return Int64(exactly: d)
        default: throw Self.mismatch(column, expected: "integer", got: values[i])
        }
    }

    /// The text in column `i`; NULL or any other type throws, naming `column`.
    func text(_ i: Int, _ column: String) throws -> String {
        guard let v = try optionalText(i, column) else { throw Self.mismatch(column, expected: "text", got: values[i]) }
        return v
    }

    /// The text in column `i`, or nil for NULL; any other type throws, naming `column`.
    func optionalText(_ i: Int, _ column: String) throws -> String? {
        switch values[i] {
        case .null: return nil
        case .text(let s): return s
        default: throw Self.mismatch(column, expected: "text", got: values[i])
        }
    }

    /// The instant in column `i`, stored as whole epoch seconds.
    func date(_ i: Int, _ column: String) throws -> Date {
        Date(timeIntervalSince1970: TimeInterval(try int(i, column)))
    }

    /// The instant in column `i`, or nil for NULL.
    func optionalDate(_ i: Int, _ column: String) throws -> Date? {
        try optionalInt(i, column).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// The enum case whose raw value is the text in column `i`; an unknown value throws.
    func value<T: RawRepresentable>(_ i: Int, _ column: String, as type: T.Type = T.self) throws -> T where T.RawValue == String {
        guard let v = try optionalValue(i, column, as: type) else { throw Self.mismatch(column, expected: "\(T.self)", got: values[i]) }
        return v
    }

    /// The enum case in column `i`, or nil for NULL; an unknown value throws.
    func optionalValue<T: RawRepresentable>(_ i: Int, _ column: String, as type: T.Type = T.self) throws -> T? where T.RawValue == String {
        guard let raw = try optionalText(i, column) else { return nil }
        guard let v = T(rawValue: raw) else { throw DatabaseError("\(column): expected \(T.self), got \(raw.debugDescription)") }
        return v
    }

    static func mismatch(_ column: String, expected: String, got value: SQLValue) -> DatabaseError {
        let got: String
        switch value {
        case .null: got = "NULL"
        case .integer(let v): got = "integer \(v)"
        case .double(let d): got = "real \(d)"
        case .text(let s): got = "text \(s.prefix(40).debugDescription)"
        case .blob(let b): got = "blob of \(b.count) bytes"
        }
        return DatabaseError("\(column): expected \(expected), got \(got)")
    }
}
