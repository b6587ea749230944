// The program's consistency rules, reported per field so a UI can show each problem where it is.

extension LoyaltyProgram {
    /// Throws the first broken rule; see ``validationErrors()`` for the rules.
    public func validate() throws(ProgramError) {
        if let first = validationErrors().first { throw first }
    }

    /// Every broken rule, in field order (empty when the program is valid):
    ///
    /// - `name`: not blank, at most 100 characters, no control characters;
    /// - `currency`: three capital ASCII letters (ISO 4217 form);
    /// - `tiers`: at least one;
    /// - `tiers[i].code`: `[a-z0-9_-]{1,32}` and unique;
    /// - `tiers[i].name`: not blank, at most 64 characters, no control characters;
    /// - `tiers[i].variant`: when set, `[A-Za-z0-9_-]{1,64}`;
    /// - `tiers[i].upgradeTurnover`: when set, greater than that of every lower tier that sets it;
    /// - `defaultTier`: the code of one of the tiers;
    /// - `welcomePoints`: 0 … ``PointLimits/perEntry``;
    /// - `pointValue`: more than zero (points are money divided by it).
    public func validationErrors() -> [ProgramError] {
        var errors: [ProgramError] = []
        func fail(_ field: String, _ message: String) { errors.append(ProgramError(field: field, message: message)) }

        if Self.isBlank(name) { fail("name", "must not be blank") }
        else if name.count > 100 || name.utf8.count > 400 { fail("name", "must be at most 100 characters") }
        else if Self.hasControl(name) { fail("name", "must not contain control characters (such as NUL or a line break)") }

        if !(currency.count == 3 && currency.allSatisfy(\.isASCIIUppercaseLetter)) {
            fail("currency", "must be an ISO 4217 code of three capital letters, e.g. RUB")
        }

        if tiers.isEmpty { fail("tiers", "must contain at least one tier") }
        var firstIndexOfCode: [String: Int] = [:]
        var previousThreshold: (index: Int, value: Money)?
        for (i, tier) in tiers.enumerated() {
            let path = "tiers[\(i)]"
            if !Self.isCode(tier.code) {
                fail("\(path).code", "must be 1–32 characters of a-z, 0-9, _ and -")
            } else if let earlier = firstIndexOfCode[tier.code] {
                fail("\(path).code", "duplicates tiers[\(earlier)].code \"\(tier.code)\"")
            } else {
                firstIndexOfCode[tier.code] = i
            }
            if Self.isBlank(tier.name) { fail("\(path).name", "must not be blank") }
            else if tier.name.count > 64 || tier.name.utf8.count > 256 { fail("\(path).name", "must be at most 64 characters") }
            else if Self.hasControl(tier.name) { fail("\(path).name", "must not contain control characters (such as NUL or a line break)") }
            if let variant = tier.variant, !Self.isVariant(variant) {
                fail("\(path).variant", "must be 1–64 characters of A-Z, a-z, 0-9, _ and -")
            }
            if let threshold = tier.upgradeTurnover {
                if let previous = previousThreshold, threshold <= previous.value {
                    fail("\(path).upgradeTurnover", "must be greater than tiers[\(previous.index)].upgradeTurnover (\(previous.value)): tiers are ordered low to high")
                }
                previousThreshold = (i, threshold)
            }
        }

        if tier(defaultTier) == nil { fail("defaultTier", "\"\(defaultTier)\" is not the code of a tier") }
        if !(0...PointLimits.perEntry).contains(welcomePoints) { fail("welcomePoints", "must be 0–\(PointLimits.perEntry)") }
        if pointValue == .zero { fail("pointValue", "must be more than 0") }
        errors += distributionValidationErrors()
        return errors
    }

    static func isBlank(_ text: String) -> Bool { text.allSatisfy(\.isWhitespace) }

    /// C0/C1 controls and DEL: a name is drawn on a pass and printed in messages.
    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// `[a-z0-9_-]{1,32}`: safe in URLs, file names and SQL literals without escaping.
    static func isCode(_ text: String) -> Bool {
        (1...32).contains(text.count) && text.allSatisfy { $0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == "_" || $0 == "-" }
    }

    /// `[A-Za-z0-9_-]{1,64}`: a variant names a directory of the pass template.
    static func isVariant(_ text: String) -> Bool {
        (1...64).contains(text.count) && text.allSatisfy { $0.isASCIILetterOrDigit || $0 == "_" || $0 == "-" }
    }
}
