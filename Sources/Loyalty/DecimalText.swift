// The strict decimal grammar shared by Money and Percent. Strict because these strings arrive
// from CRMs and hand-edited JSON: "1,5" or "1e3" has more than one plausible meaning, so it is
// refused with a reason instead of being read one way.

/// Parses `digits [ "." digits ]` into an integer scaled by 10^`decimals` ("7.5", 2 → 750).
enum DecimalText {
    enum Failure: Error, Equatable {
        case empty
        case whitespace
        case sign
        case exponent
        case comma
        case invalidCharacter(Character)
        case multipleDecimalPoints
        case missingDigits
        case tooManyDecimals(Int)
        case tooLarge
    }

    /// - Parameters:
    ///   - decimals: the most digits allowed after the point; the result is scaled by 10^decimals.
    ///   - maximum: the largest scaled value accepted.
    static func scaled(_ text: String, decimals: Int, maximum: Int64) throws(Failure) -> Int64 {
        guard !text.isEmpty else { throw .empty }
        // The first offending character decides, so the message points at what the writer typed first.
        for c in text where !c.isASCIIDigit && c != "." {
            if c.isWhitespace { throw .whitespace }
            switch c {
            case "+", "-", "\u{2212}": throw .sign
            case "e", "E": throw .exponent
            case ",": throw .comma
            default: throw .invalidCharacter(c)
            }
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw .multipleDecimalPoints }
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        // ".5" and "5." are refused: both are usually a truncated paste.
        guard !whole.isEmpty, parts.count == 1 || !fraction.isEmpty else { throw .missingDigits }
        guard fraction.count <= decimals else { throw .tooManyDecimals(fraction.count) }

        var value: Int64 = 0
        for c in whole.drop(while: { $0 == "0" }) + fraction + String(repeating: "0", count: decimals - fraction.count) {
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (added, o2) = shifted.addingReportingOverflow(Int64(c.asciiValue! - UInt8(ascii: "0")))
            guard !o1, !o2, added <= maximum else { throw .tooLarge }
            value = added
        }
        return value
    }
}
