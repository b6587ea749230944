// A tier (status level). Plain settable fields because the program is edited as a whole and then
// checked by LoyaltyProgram.validate(), which can name the offending field.

/// A tier of the program: what share of a purchase a card earns, and when a card reaches it.
///
/// Field rules are checked by ``LoyaltyProgram/validate()``, not here, so an edited program can be
/// reported with every offending field path at once.
public struct Tier: Sendable, Hashable, Codable {
    /// Stable identifier stored on accounts: `[a-z0-9_-]{1,32}`, e.g. `"silver"`.
    public var code: String
    /// Display name, e.g. `"Silver"`: not blank, at most 64 characters.
    public var name: String
    /// Share of a purchase credited as points (see ``LedgerRules/accrualPoints(purchase:tier:program:)``).
    public var accrual: Percent
    /// Cumulative purchases (the account's turnover) that move a card up to this tier automatically;
    /// nil means the tier is only given by hand.
    public var upgradeTurnover: Money?
    /// Pass template variant for cards in this tier: `[A-Za-z0-9_-]{1,64}`; nil for the template's default.
    public var variant: String?

    public init(code: String, name: String, accrual: Percent, upgradeTurnover: Money? = nil, variant: String? = nil) {
        self.code = code
        self.name = name
        self.accrual = accrual
        self.upgradeTurnover = upgradeTurnover
        self.variant = variant
    }
}
