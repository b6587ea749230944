/// An Android wallet app's push token: the FCM registration id its backend is told about through
/// the Android webhook. Not hexadecimal, so not a ``PushToken``; bounded and limited to the
/// characters FCM ids use so it is safe to store, log and put in the webhook's JSON.
public struct AndroidPushToken: Sendable, Hashable, CustomStringConvertible {
    public static let lengths = 16...4096
    public let value: String

    /// Validates `string`; nil when it is not an Android wallet app's token.
    public init?(_ string: String) {
        guard Self.lengths.contains(string.utf8.count), string.utf8.allSatisfy({ Self.allowed($0) }) else { return nil }
        value = string
    }

    /// What the rule accepts, for error messages.
    public static let rule = "\(lengths.lowerBound)–\(lengths.upperBound) characters of A–Z, a–z, 0–9, ':', '-', '_', '.'"

    public var description: String { value }

    private static func allowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }
}
