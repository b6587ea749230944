import Loyalty

extension SQLRow {
    /// The phone in column `i`. The server only ever stores a parsed ``PhoneNumber``'s E.164, so a
    /// value that does not parse is a damaged row: reported by name, never handed on as `""`.
    func phone(_ i: Int, _ column: String) throws -> PhoneNumber {
        let text = try text(i, column)
        do { return try PhoneNumber(parsing: text) } catch {
            throw DatabaseError("\(column) holds \(text.debugDescription), not a phone number: \(error)")
        }
    }
}
