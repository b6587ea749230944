// Anything logged may hold text a client chose (a device's /v1/log message, a path, a name). A
// newline in it would start what looks like a log line of its own, and bidirectional controls
// reorder what a terminal shows; so such characters are written as escapes. The set is the C0
// and C1 controls and DEL (Unicode's general category Cc), the explicit directional embeddings,
// overrides and isolates (Unicode Standard Annex #9, §2.1–2.2: U+202A–U+202E, U+2066–U+2069),
// and the line and paragraph separators U+2028/U+2029 (which some viewers break lines on).

/// Escapes of control and bidirectional characters for log output.
public enum LogEscaping {
    /// Whether `scalar` is written as an escape.
    @inline(__always)
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `text` with every such character written as `\n`, `\r`, `\t`, `\0` or `\u{…}` (Swift's
    /// own spelling); the same string, not a copy, when there is none (the usual case).
    ///
    /// A backslash is left as it is: the escapes are there so that one log call stays one line
    /// and shows what it holds, not to make the text reversible.
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.append(scalar)
                continue
            }
            let escaped: String
            switch scalar {
            case "\n": escaped = "\\n"
            case "\r": escaped = "\\r"
            case "\t": escaped = "\\t"
            case "\0": escaped = "\\0"
            default: escaped = "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
            out.append(contentsOf: escaped.unicodeScalars)
        }
        return String(out)
    }
}
