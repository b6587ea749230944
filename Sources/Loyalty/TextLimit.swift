// How long a text a client sends may be, in each unit that costs something: characters (what a
// person sees and a field's layout holds), Unicode code points (what every text routine walks)
// and UTF-8 bytes (what is stored, signed into a pass and sent). A limit in characters alone let
// one letter carry 100,000 combining marks: one character, 200 KB. Unicode's Stream-Safe Text
// Format (UAX #15 §13) shows real text needs at most 30 combining marks on a character; names and
// messages need far fewer.

/// The limits of one text field. ``check(_:field:)`` throws a ``TextLimitError`` naming the field.
public struct TextLimit: Sendable, Hashable {
    /// Extended grapheme clusters (Swift `Character`s).
    public let characters: Int
    /// Unicode scalars (code points).
    public let scalars: Int
    /// Bytes of UTF-8.
    public let bytes: Int

    /// Explicit limits: each at least 1, and none looser than the next unit allows.
    public init(characters: Int, scalars: Int, bytes: Int) {
        precondition(characters >= 1 && scalars >= characters && bytes >= scalars, "a text limit must hold its own characters")
        self.characters = characters
        self.scalars = scalars
        self.bytes = bytes
    }

    /// `characters`, with 2 code points per character and 4 bytes per code point (UTF-8's most):
    /// a full-length text of any script fits, decomposed accents, flags and skin tones included;
    /// a character stacked with marks does not.
    public init(characters: Int) {
        self.init(characters: characters, scalars: 2 * characters, bytes: 8 * characters)
    }

    /// Throws when `text` is over any of the limits (the first unit over, in bytes, code points,
    /// characters: cheapest to count first, as counting characters needs grapheme breaking).
    public func check(_ text: String, field: String) throws(TextLimitError) {
        let byteCount = text.utf8.count
        guard byteCount <= bytes else { throw TextLimitError(field: field, unit: .bytes, limit: bytes, actual: byteCount) }
        let scalarCount = text.unicodeScalars.count
        guard scalarCount <= scalars else { throw TextLimitError(field: field, unit: .codePoints, limit: scalars, actual: scalarCount) }
        let characterCount = text.count
        guard characterCount <= characters else { throw TextLimitError(field: field, unit: .characters, limit: characters, actual: characterCount) }
    }

    /// Whether `text` is within every limit.
    public func allows(_ text: String) -> Bool {
        (try? check(text, field: "")) != nil
    }
}
