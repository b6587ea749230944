// Where card numbers come from: the program chooses once for all new cards.

/// How a new card gets its number.
public enum CardNumberRule: String, Sendable, Codable, CaseIterable {
    /// Generated from the phone's digits and the person's suffix in the household,
    /// see ``CardNumbers/virtual(phone:suffix:)``.
    case virtualFromPhone
    /// Given by the operator (a plastic card), see ``CardNumbers/validateSupplied(_:)``.
    case supplied
}
