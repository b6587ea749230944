/// A Google Wallet issuer id: the number the Wallet console shows for the issuer account
/// (https://developers.google.com/wallet/retail/loyalty-cards/getting-started/issuer-onboarding).
/// Every class and object id starts with it, so a malformed one would make every call fail.
public struct GoogleIssuerID: Sendable, Hashable, CustomStringConvertible {
    /// The digits, as Google writes them (19 today; longer than `Int64` is not ruled out).
    public let value: String

    /// Accepts 1–40 ASCII digits; nil otherwise.
    public init?(_ text: String) {
        guard (1...40).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        value = text
    }

    public var description: String { value }
}
