import Core
import Foundation

/// An `application/x-www-form-urlencoded` body: what an HTML form posts.
struct FormBody: Sendable {
    /// Fields in order; a name may repeat.
    var fields: [(String, String)]

    /// Parses the body; `+` is a space and `%XX` a byte. Invalid escapes or UTF-8 give nil.
    init?(_ bytes: [UInt8]) {
        fields = []
        guard !bytes.isEmpty else { return }
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : []) else { return nil }
            fields.append((name, value))
        }
    }

    /// The first value of `name`, if any.
    subscript(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }

    static func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%") {
                guard i + 2 < bytes.endIndex, let hi = Hex.value(of: bytes[i + 1]), let lo = Hex.value(of: bytes[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return String(validating: out, as: UTF8.self)
    }
}
