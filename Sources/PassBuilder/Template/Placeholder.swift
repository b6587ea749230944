/// A template string split into literal text and `{{variable}}` references.
///
/// `{{ name }}` (spaces optional) is a reference when `name` is an identifier (letters, digits,
/// `_`, `.`, not starting with a digit); any other `{{` is literal text.
enum TemplateString: Equatable {
    case literal(String)
    /// The whole string is one placeholder: it takes the variable's typed value.
    case whole(String)
    /// Literal text with placeholders inside: the values are interpolated as text.
    case interpolated([Piece])

    enum Piece: Equatable {
        case text(String)
        case variable(String)
    }

    init(_ s: String) {
        let bytes = Array(s.utf8)
        guard bytes.contains(UInt8(ascii: "{")) else { self = .literal(s); return }
        // Scanned as UTF-8 bytes: searching Strings would match by grapheme, and a combining mark
        // right after "}}" would hide the placeholder.
        let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        var pieces: [Piece] = []
        var text: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if i + 1 < bytes.count, bytes[i] == open, bytes[i + 1] == open {
                var j = i + 2
                while j + 1 < bytes.count, !(bytes[j] == close && bytes[j + 1] == close) { j += 1 }
                if j + 1 < bytes.count, let name = Self.identifier(String(decoding: bytes[(i + 2)..<j], as: UTF8.self)[...]) {
                    if !text.isEmpty { pieces.append(.text(String(decoding: text, as: UTF8.self))); text = [] }
                    pieces.append(.variable(name))
                    i = j + 2
                    continue
                }
                text.append(contentsOf: [open, open])
                i += 2
                continue
            }
            text.append(bytes[i])
            i += 1
        }
        if !text.isEmpty { pieces.append(.text(String(decoding: text, as: UTF8.self))) }
        switch pieces.count {
        case 0: self = .literal(s)
        case 1:
            if case .variable(let name) = pieces[0] { self = .whole(name) } else { self = .literal(s) }
        default: self = .interpolated(pieces)
        }
    }

    static func identifier(_ s: Substring) -> String? {
        let trimmed = s.trimmingSpaces
        guard let first = trimmed.unicodeScalars.first, first.properties.isAlphabetic || first == "_" || first == "$",
              trimmed.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "." || $0 == "$" })
        else { return nil }
        return String(trimmed)
    }

    var variables: [String] {
        switch self {
        case .literal: return []
        case .whole(let name): return [name]
        case .interpolated(let pieces): return pieces.compactMap { if case .variable(let n) = $0 { n } else { nil } }
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}

extension JSONValue {
    /// Text of a value interpolated into a longer string.
    var interpolationText: String {
        switch self {
        case .string(let s): return s
        case .integer(let i): return String(i)
        case .number: return String(decoding: serialized(), as: UTF8.self)
        case .bool(let b): return b ? "true" : "false"
        case .null: return ""
        case .array, .object: return String(decoding: serialized(), as: UTF8.self)
        }
    }
}
