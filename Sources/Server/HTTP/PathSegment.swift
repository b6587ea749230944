import Foundation
import Hummingbird

extension Parameters {
    /// A path parameter that is safe to store and echo: 1–255 bytes, no control characters,
    /// no `/` or `\`, not `.` or `..`.
    func segment(_ name: String) throws -> String {
        try Self.segment(name, raw: get(name))
    }

    /// The rule of ``segment(_:)`` on a raw (percent-encoded) value: also what the `/api/v1`
    /// operations' path parameters pass (``PathSegmentsMiddleware``).
    static func segment(_ name: String, raw: (some StringProtocol)?) throws -> String {
        guard let raw = raw.map({ String($0) }) else { throw APIError.badRequest("missing path segment \(name)", field: name) }
        // Devices percent-encode path segments; validate what they stand for.
        guard let value = raw.utf8.contains(UInt8(ascii: "%")) ? raw.removingPercentEncoding : raw else { throw APIError.badRequest("\(name) is not valid percent-encoded UTF-8", field: name) }
        guard !value.isEmpty, value.utf8.count <= 255 else { throw APIError.badRequest("\(name) must be 1–255 bytes", field: name) }
        guard isAllowed(value) else { throw APIError.badRequest("\(name) contains characters that are not allowed", field: name) }
        return value
    }

    /// No control characters, `/` or `\`, not `.` and no `..`.
    static func isAllowed(_ value: some StringProtocol) -> Bool {
        value != "." && !containsDotDot(value)
            && !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") })
    }

    /// Whether `value` contains `..`, on its bytes: Foundation's `contains` bridges to NSString,
    /// a measurable cost on every device request.
    static func containsDotDot(_ value: some StringProtocol) -> Bool {
        var previousWasDot = false
        for byte in value.utf8 {
            let isDot = byte == UInt8(ascii: ".")
            if isDot && previousWasDot { return true }
            previousWasDot = isDot
        }
        return false
    }
}
