import Foundation

/// A `pass.strings` file: `"key" = "value";` lines with `/* */` and `//` comments.
///
/// Read as UTF-8 (what Passline writes), or UTF-16 with a byte-order mark (classic Cocoa files).
public struct PassStrings: Sendable, Hashable {
    public var entries: [String: String]

    public init(entries: [String: String]) { self.entries = entries }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public init(bytes: [UInt8]) throws(ParseError) {
        let text: String
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let little = bytes[0] == 0xFF
            var units: [UInt16] = []
            var i = 2
            while i + 1 < bytes.count {
                units.append(little ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]))
                i += 2
            }
            text = String(decoding: units, as: UTF16.self)
        } else {
            var body = bytes[...]
            if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
            guard let s = String(validating: body, as: UTF8.self) else { throw ParseError(line: 1, message: "not valid UTF-8") }
            text = s
        }
        entries = try Self.parse(Array(text.unicodeScalars))
    }

    private static func parse(_ s: [Unicode.Scalar]) throws(ParseError) -> [String: String] {
        var i = 0
        var line = 1
        var result: [String: String] = [:]
        func skip() throws(ParseError) {
            while i < s.count {
                if s[i] == "\n" { line += 1; i += 1 } else if s[i].properties.isWhitespace { i += 1 } else if s[i] == "/", i + 1 < s.count, s[i + 1] == "*" {
                    i += 2
                    while i + 1 < s.count, !(s[i] == "*" && s[i + 1] == "/") { if s[i] == "\n" { line += 1 }; i += 1 }
                    guard i + 1 < s.count else { throw ParseError(line: line, message: "unterminated comment") }
                    i += 2
                } else if s[i] == "/", i + 1 < s.count, s[i + 1] == "/" {
                    while i < s.count, s[i] != "\n" { i += 1 }
                } else { return }
            }
        }
        func hex4() throws(ParseError) -> UInt32 {
            var hex = ""
            while hex.count < 4, i + 1 < s.count, s[i + 1].properties.isASCIIHexDigit { i += 1; hex.unicodeScalars.append(s[i]) }
            guard hex.count == 4 || !hex.isEmpty, let v = UInt32(hex, radix: 16) else { throw ParseError(line: line, message: "invalid \\U escape") }
            return v
        }
        func quoted() throws(ParseError) -> String {
            guard i < s.count, s[i] == "\"" else { throw ParseError(line: line, message: "expected a quoted string") }
            i += 1
            var out = String.UnicodeScalarView()
            while i < s.count, s[i] != "\"" {
                if s[i] == "\n" { line += 1 }
                if s[i] == "\\", i + 1 < s.count {
                    i += 1
                    switch s[i] {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "U", "u":
                        var value = try hex4()
                        // \UD83D\UDE00: a UTF-16 surrogate pair, as classic .strings files write characters above U+FFFF.
                        if (0xD800...0xDBFF).contains(value), i + 2 < s.count, s[i + 1] == "\\", s[i + 2] == "U" || s[i + 2] == "u" {
                            i += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw ParseError(line: line, message: "invalid \\U surrogate pair") }
                            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let u = Unicode.Scalar(value) else { throw ParseError(line: line, message: "invalid \\U escape") }
                        out.append(u)
                    case "\n":
                        line += 1
                        out.append("\n")
                    default: out.append(s[i])
                    }
                } else {
                    out.append(s[i])
                }
                i += 1
            }
            guard i < s.count else { throw ParseError(line: line, message: "unterminated string") }
            i += 1
            return String(out)
        }
        while true {
            try skip()
            if i >= s.count { return result }
            let key = try quoted()
            try skip()
            guard i < s.count, s[i] == "=" else { throw ParseError(line: line, message: "expected '=' after \"\(key)\"") }
            i += 1
            try skip()
            let value = try quoted()
            try skip()
            guard i < s.count, s[i] == ";" else { throw ParseError(line: line, message: "expected ';' after the value of \"\(key)\"") }
            i += 1
            guard result.updateValue(value, forKey: key) == nil else { throw ParseError(line: line, message: "duplicate key \"\(key)\"") }
        }
    }

    /// UTF-8 text, keys sorted, so a generated file is deterministic.
    public func serialized() -> [UInt8] {
        // Escaped scalar by scalar: String replacing matches graphemes, and a combining mark
        // after `"` would leave the quote unescaped.
        func escape(_ s: String) -> String {
            var out = String.UnicodeScalarView()
            for u in s.unicodeScalars {
                switch u {
                case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
                case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
                case "\n": out.append(contentsOf: "\\n".unicodeScalars)
                default: out.append(u)
                }
            }
            return String(out)
        }
        return Array(entries.keys.sorted().map { "\"\(escape($0))\" = \"\(escape(entries[$0]!))\";\n" }.joined().utf8)
    }
}
