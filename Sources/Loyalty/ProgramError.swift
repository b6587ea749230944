// A program validation failure, addressed by field path so an editing UI can highlight the field.

/// A rule of ``LoyaltyProgram`` that the configuration breaks.
public struct ProgramError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path of the offending field in the program's JSON, e.g. `"tiers[1].code"`.
    public var field: String
    /// What is wrong, e.g. `"duplicates tiers[0].code \"base\""`.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// `field: message`.
    public var description: String { "\(field): \(message)" }
}
