/// A validated APNs device push token: hexadecimal, 64…200 characters, stored in lower case.
///
/// Requests to APNs only accept a `PushToken`, so a malformed token (one a device or attacker sent
/// at registration) is refused here and can never reach APNs, where it would earn a
/// `BadDeviceToken` and drop the connection's stream limit to 1.
public struct PushToken: Hashable, Sendable, CustomStringConvertible {
    /// The shortest token accepted: 32 bytes, the size every current device uses.
    public static let minimumLength = 64
    /// The longest token accepted; Apple reserves the right to grow tokens up to 100 bytes.
    public static let maximumLength = 200

    /// The normalised (lower-case hexadecimal) token, as it goes into `/3/device/<token>`.
    public let hex: String

    /// Validates and normalises `string`.
    /// - Throws: ``PushTokenError`` saying what is wrong with it.
    public init(_ string: String) throws(PushTokenError) {
        let utf8 = string.utf8
        if utf8.isEmpty { throw .empty }
        // Check characters first so an error names the real problem, not a length symptom of it.
        var normalised: [UInt8] = []
        normalised.reserveCapacity(utf8.count)
        for (offset, byte) in utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"):
                normalised.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                normalised.append(byte + 32)
            default:
                throw .notHexadecimal(offset: offset)
            }
        }
        let count = normalised.count
        if count < Self.minimumLength { throw .tooShort(length: count) }
        if count > Self.maximumLength { throw .tooLong(length: count) }
        // A token is whole bytes; an odd digit count means it was truncated or padded.
        if !count.isMultiple(of: 2) { throw .oddLength(length: count) }
        self.hex = String(decoding: normalised, as: UTF8.self)
    }

    public var description: String { hex }
}

/// Why a string is not a valid ``PushToken``.
public enum PushTokenError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The string was empty.
    case empty
    /// A character that is not a hexadecimal digit, at this UTF-8 offset.
    case notHexadecimal(offset: Int)
    /// Fewer than ``PushToken/minimumLength`` digits.
    case tooShort(length: Int)
    /// More than ``PushToken/maximumLength`` digits.
    case tooLong(length: Int)
    /// An odd number of digits, so not a whole number of bytes.
    case oddLength(length: Int)

    public var description: String {
        switch self {
        case .empty: "push token is empty"
        case .notHexadecimal(let offset): "push token has a non-hexadecimal character at offset \(offset)"
        case .tooShort(let length): "push token has \(length) hex digits; at least \(PushToken.minimumLength) required"
        case .tooLong(let length): "push token has \(length) hex digits; at most \(PushToken.maximumLength) allowed"
        case .oddLength(let length): "push token has an odd number of hex digits (\(length))"
        }
    }
}
