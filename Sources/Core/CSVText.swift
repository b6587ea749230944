/// Writing CSV (RFC 4180): a field with a comma, semicolon, quote or line break is quoted, its
/// quotes doubled; lines end in CRLF. A field starting with `=`, `+`, `-` or `@` is prefixed
/// with `'` so a spreadsheet does not run it as a formula (OWASP's CSV injection advice).
public enum CSVText {
    /// One line of `fields`, CRLF-terminated.
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    public static func field(_ text: String) -> String {
        var text = text
        if let first = text.unicodeScalars.first, "=+-@".unicodeScalars.contains(first), Int64(text) == nil {
            text = "'" + text
        }
        guard text.contains(where: { $0 == "," || $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        var out = "\""
        for c in text {
            if c == "\"" { out += "\"\"" } else { out.append(c) }
        }
        return out + "\""
    }
}
