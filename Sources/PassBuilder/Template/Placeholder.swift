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
        guard s.utf8.contains(UInt8(ascii: "{")) else { self = .literal(s); return }
        var pieces: [Piece] = []
        var text = Substring()
        var rest = s[...]
        while let open = rest.range(of: "{{") {
            text += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            if let close = afterOpen.range(of: "}}"), let name = Self.identifier(afterOpen[..<close.lowerBound]) {
                if !text.isEmpty { pieces.append(.text(String(text))); text = "" }
                pieces.append(.variable(name))
                rest = afterOpen[close.upperBound...]
            } else {
                text += "{{"
                rest = afterOpen
            }
        }
        text += rest
        if !text.isEmpty { pieces.append(.text(String(text))) }
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
