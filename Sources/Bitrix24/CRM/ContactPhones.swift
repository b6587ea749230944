import Loyalty
import PassBuilder

/// A contact's phones, from its `PHONE` multi-field (`[{ID, VALUE, VALUE_TYPE, TYPE_ID}]`), each
/// parsed by the program's phone rule; what does not parse (an extension, a typo) is skipped and
/// counted, never guessed at.
public struct ContactPhones: Sendable, Hashable {
    public var phones: [PhoneNumber]
    public var unreadable: Int

    public init(_ contact: JSONValue) {
        var phones: [PhoneNumber] = []
        var unreadable = 0
        for entry in contact["PHONE"]?.arrayValue ?? [] {
            guard let value = entry["VALUE"]?.stringValue, !value.isEmpty else { continue }
            if let phone = try? PhoneNumber(parsing: value) {
                if !phones.contains(phone) { phones.append(phone) }
            } else {
                unreadable += 1
            }
        }
        self.phones = phones
        self.unreadable = unreadable
    }
}
