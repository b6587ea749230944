/// Why a request from a portal was refused, naming the field: the handler answers it with a 4xx
/// (or, for a robot, `error` in its return values) and changes nothing.
public struct Bitrix24InputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The form field or robot property at fault, as the portal names it (`auth[member_id]`).
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }

    static func missing(_ field: String) -> Self { Self(field, "is required") }
}
