import Hummingbird

/// A wallet's `deviceLibraryIdentifier`, as the PassKit web service routes accept it.
///
/// Apple documents it only as an opaque identifier of the device's pass library; iPhones send 32
/// hex digits, Android wallet apps UUIDs or hex digests. Accepted: 1–128 ASCII letters, digits and
/// `-` `_` `.` (not `.` or `..`, which the path check refuses). Anything else (spaces, bidirectional
/// controls such as U+202E, emoji) is no identifier a wallet sends, and would be stored and shown
/// as given: it is refused with 400 before anything is read or written.
struct DeviceLibraryIdentifier: Sendable, Hashable {
    static let maximumLength = 128

    let rawValue: String

    init?(_ text: String) {
        guard (1...Self.maximumLength).contains(text.utf8.count), text.utf8.allSatisfy(Self.isAllowed) else { return nil }
        rawValue = text
    }

    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}

extension Parameters {
    /// The `device` path segment as a ``DeviceLibraryIdentifier``; 400 naming it otherwise.
    func deviceLibraryIdentifier(_ name: String = "device") throws -> DeviceLibraryIdentifier {
        guard let device = DeviceLibraryIdentifier(try segment(name)) else {
            throw APIError.badRequest(
                "\(name) must be 1–\(DeviceLibraryIdentifier.maximumLength) characters of A–Z, a–z, 0–9, - _ . (a wallet's device library identifier)",
                field: name)
        }
        return device
    }
}
