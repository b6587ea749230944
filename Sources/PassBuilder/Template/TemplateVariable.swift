import Foundation

/// The type a template variable's value must have.
public enum VariableType: String, Codable, Sendable, CaseIterable {
    case string, integer, number, boolean
    /// An ISO 8601 / W3C date-time string with a time zone, e.g. `2026-09-01T10:00:00+03:00`.
    case date
}

/// A variable declared in a template's `template.json`.
public struct TemplateVariable: Codable, Sendable, Hashable {
    public var type: VariableType
    public var sample: JSONValue
    public var description: String?

    public init(type: VariableType, sample: JSONValue, description: String? = nil) {
        self.type = type
        self.sample = sample
        self.description = description
    }

    /// Checks a value against the declared type, returning it normalised (an integral
    /// JSON number for an `integer`, for instance) or a reason it does not fit.
    public func coerce(_ value: JSONValue) -> Result<JSONValue, TypeMismatch> {
        switch (type, value) {
        case (.string, .string): return .success(value)
        case (.integer, .integer): return .success(value)
        case (.integer, .number(let d)) where d.isFinite && d == d.rounded() && abs(d) < 9.2e18: return .success(.integer(Int64(d)))
        case (.number, .integer): return .success(value)
        case (.number, .number(let d)):
            return d.isFinite ? .success(value) : .failure(TypeMismatch(expected: type, found: "a non-finite number"))
        case (.boolean, .bool): return .success(value)
        case (.date, .string(let s)):
            return W3CDate.isValid(s) ? .success(value) : .failure(TypeMismatch(expected: type, found: "\"\(s)\" (not an ISO 8601 date-time with a time zone)"))
        default: return .failure(TypeMismatch(expected: type, found: value.typeName))
        }
    }

    public struct TypeMismatch: Error, Sendable, Equatable {
        public var expected: VariableType
        public var found: String
    }
}

/// W3C / ISO 8601 date-times as Wallet accepts them: `YYYY-MM-DDThh:mm[:ss[.fff]]` followed by `Z` or `±hh:mm`.
enum W3CDate {
    static func isValid(_ s: String) -> Bool {
        let u = Array(s.utf8)
        func digits(_ range: Range<Int>) -> Bool {
            range.upperBound <= u.count && range.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(u[$0]) }
        }
        func at(_ i: Int, _ c: Character) -> Bool { i < u.count && u[i] == c.asciiValue! }
        guard digits(0..<4), at(4, "-"), digits(5..<7), at(7, "-"), digits(8..<10), at(10, "T"), digits(11..<13), at(13, ":"), digits(14..<16) else {
            return false
        }
        var i = 16
        if at(i, ":") {
            guard digits(i + 1..<i + 3) else { return false }
            i += 3
            if at(i, ".") {
                i += 1
                let start = i
                while digits(i..<i + 1) { i += 1 }
                guard i > start else { return false }
            }
        }
        if at(i, "Z") { return i + 1 == u.count }
        guard at(i, "+") || at(i, "-"), digits(i + 1..<i + 3), at(i + 3, ":"), digits(i + 4..<i + 6) else { return false }
        return i + 6 == u.count
    }
}
