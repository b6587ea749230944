import Foundation
import Loyalty

/// Checks of request fields beyond their JSON type (which the generated decoder checks): each
/// refusal is a 422 naming the field.
enum Fields {
    /// An optional text: nil when absent or null, otherwise as ``required(_:_:max:trimmed:)``.
    static func text(_ value: String?, _ field: String, max: Int = 200, trimmed: Bool = true) throws -> String? {
        guard let value else { return nil }
        return try required(value, field, max: max, trimmed: trimmed)
    }

    /// A text of at most `max` characters (and the code points and bytes ``TextLimit`` allows
    /// them), not blank, without control characters; trimmed unless `trimmed` is false (a key,
    /// matched byte for byte).
    static func required(_ value: String, _ field: String, max: Int = 200, trimmed: Bool = true) throws -> String {
        let t = trimmed ? value.trimmingCharacters(in: .whitespacesAndNewlines) : value
        guard !t.isEmpty else { throw APIError.unprocessable("\(field) must not be empty", field: field) }
        try TextLimit(characters: max).validate(t, field: field)
        guard !t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.unprocessable("\(field) contains control characters", field: field)
        }
        return t
    }

    /// A positive whole number of points, at most ``PointLimits/perEntry``.
    static func points(_ number: WholeNumber, _ field: String = "points") throws -> Int64 {
        let value = number.value
        guard value > 0, value <= PointLimits.perEntry else {
            throw APIError.unprocessable("\(field) must be a whole number of points from 1 to \(PointLimits.perEntry)", field: field)
        }
        return value
    }

    /// An amount: a decimal string (at most 2 decimals) or a whole number of currency units.
    static func money(_ value: Components.Schemas.MoneyInput, _ field: String) throws -> Money {
        // A JSON integer is whole currency units; parsed as text, so range limits apply, no overflow.
        let text = switch value {
        case .Money(let s): s
        case .case2(let n): String(n)
        }
        do { return try Money(parsing: text) } catch { throw APIError.unprocessable("\(field): \(error)", field: field) }
    }

    /// A page size: 1–500, 50 when absent.
    static func limit(_ value: PageSize?) -> Int {
        value?.value ?? 50
    }

    /// A phone as a person writes it, normalised.
    static func phone(_ text: String, _ field: String = "phone", status: APIError.Kind = .unprocessable) throws -> PhoneNumber {
        do { return try PhoneNumber(parsing: text) } catch {
            throw status == .badRequest ? APIError.badRequest("\(field): \(error)", field: field) : APIError.unprocessable("\(field): \(error)", field: field)
        }
    }
}

extension APIError {
    /// Whether a field's refusal is of the request's form (400) or of its content (422).
    enum Kind { case badRequest, unprocessable }
}
