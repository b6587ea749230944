import Foundation
import NIOCore

/// The body of one request, checked the way APNs checks it: not empty (400 `PayloadEmpty`), at most 4,096 bytes
/// (413 `PayloadTooLarge`), and a JSON object (400 `BadPayload`: the mock's own reason, since Apple documents none for
/// malformed JSON). Wallet pushes send `{}`, which takes a fast path.
enum RequestBodyCheck {
    static let maximumBytes = 4096

    static func check(_ body: ByteBuffer?, length: Int) -> MockRejection? {
        if length == 0 { return MockRejection(400, "PayloadEmpty", "the body is empty") }
        if length > maximumBytes {
            return MockRejection(413, "PayloadTooLarge", "the body has \(length) bytes; at most \(maximumBytes)")
        }
        guard let body else { return MockRejection(400, "PayloadEmpty", "the body is empty") }
        if isEmptyObject(body) { return nil }
        let bytes = Data(body.readableBytesView)
        guard (try? JSONSerialization.jsonObject(with: bytes)) is [String: Any] else {
            return MockRejection(400, "BadPayload", "the body is not a JSON object")
        }
        return nil
    }

    /// `{}` with optional whitespace around and between the braces.
    static func isEmptyObject(_ body: ByteBuffer) -> Bool {
        var seenOpen = false
        var seenClose = false
        for byte in body.readableBytesView {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            case UInt8(ascii: "{") where !seenOpen: seenOpen = true
            case UInt8(ascii: "}") where seenOpen && !seenClose: seenClose = true
            default: return false
            }
        }
        return seenClose
    }
}
