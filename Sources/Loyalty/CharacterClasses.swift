// Character tests shared by the parsers. Only ASCII counts as a digit or letter here: a lookalike
// (full-width "１", Arabic-Indic "١") must never silently become a different key.

extension Character {
    var isASCIIDigit: Bool { isASCII && ("0"..."9").contains(self) }
    var isASCIILowercaseLetter: Bool { isASCII && ("a"..."z").contains(self) }
    var isASCIIUppercaseLetter: Bool { isASCII && ("A"..."Z").contains(self) }
    var isASCIILetterOrDigit: Bool { isASCIIDigit || isASCIILowercaseLetter || isASCIIUppercaseLetter }
}

enum CharacterList {
    /// The distinct characters of `characters`, in first-seen order: what an error message lists.
    static func distinct(_ characters: some Sequence<Character>) -> String {
        var seen: [Character] = []
        for c in characters where !seen.contains(c) { seen.append(c) }
        return String(seen)
    }

    /// `text` quoted for a one-line message; invisible characters (controls, format marks such as
    /// U+200E, odd spaces) are spelled as `U+XXXX` so the reader can see what was refused.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator, .unassigned, .privateUse, .surrogate:
                if scalar == " " { out.append(" ") } else { out += "U+" + hex(scalar.value) }
            default:
                if scalar == "\"" || scalar == "\\" { out.append("\\") }
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
