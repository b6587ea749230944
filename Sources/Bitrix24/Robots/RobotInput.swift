import Foundation
import Loyalty

/// A robot call's properties, validated: what the app does for it. A bad value is refused by
/// name before anything is written; the robot then answers with `error` in its return values.
public enum RobotInput: Sendable, Hashable {
    case cardIssue(phone: PhoneNumber, name: String?)
    /// `phone` nil: the deal's (or contact's) own phone, read from the CRM.
    case cardCheck(phone: PhoneNumber?, amount: Money?)
    case dealAccrue(deal: Int64, amount: Money)
    case dealDebit(deal: Int64, points: Int64)
    case promo(message: String, points: Int64?, tier: String?)

    public init(_ call: RobotCall) throws(Bitrix24InputError) {
        let p = call.properties
        func text(_ key: String) -> String? {
            guard let value = p[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func phone(_ key: String) throws(Bitrix24InputError) -> PhoneNumber? {
            guard let value = text(key) else { return nil }
            do { return try PhoneNumber(parsing: value) } catch { throw Bitrix24InputError(key, "\(value) is not a phone number: \(error)") }
        }
        func money(_ key: String) throws(Bitrix24InputError) -> Money? {
            guard let value = text(key) else { return nil }
            do { return try Amount.money(value) } catch { throw Bitrix24InputError(key, error.description) }
        }
        func points(_ key: String) throws(Bitrix24InputError) -> Int64? {
            guard let value = text(key) else { return nil }
            guard let n = Int64(value), n > 0 else { throw Bitrix24InputError(key, "must be a whole number of points above zero, not \(value)") }
            return n
        }
        func deal() throws(Bitrix24InputError) -> Int64 {
            guard case .deal(let id) = call.document else { throw Bitrix24InputError("document_id", "this robot runs in deals, not in \(call.document)") }
            return id
        }
        switch call.robot {
        case .cardIssue:
            guard let phone = try phone("phone") else { throw .missing("phone") }
            self = .cardIssue(phone: phone, name: text("name"))
        case .cardCheck:
            self = .cardCheck(phone: try phone("phone"), amount: try money("amount"))
        case .dealAccrue:
            let id = try deal()
            guard let amount = try money("amount") else { throw .missing("amount") }
            self = .dealAccrue(deal: id, amount: amount)
        case .dealDebit:
            let id = try deal()
            guard let points = try points("points") else { throw .missing("points") }
            self = .dealDebit(deal: id, points: points)
        case .promo:
            guard let message = text("message") else { throw .missing("message") }
            self = .promo(message: message, points: try points("points"), tier: text("tier"))
        }
    }
}
