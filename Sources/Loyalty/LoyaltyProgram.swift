// The program configuration: the settings the ledger rules read. A value so a request can work
// on a consistent snapshot while an administrator edits the next version.

/// The loyalty program configuration (a JSON file in the data directory, editable through the API).
///
/// Decoding does not validate: call ``validate()`` (or ``validationErrors()``) before using a
/// program read from a file or a request. The ledger rules assume a valid program.
public struct LoyaltyProgram: Sendable, Hashable, Codable {
    /// Display name of the program: not blank, at most 100 characters.
    public var name: String
    /// ISO 4217 code of the account currency (`"RUB"`): three capital letters. Amounts have two decimals.
    public var currency: String
    /// The tiers, ordered low → high: at least one, unique codes, and `upgradeTurnover` strictly
    /// increasing among the tiers that set it.
    public var tiers: [Tier]
    /// Code of the tier new cards start in.
    public var defaultTier: String
    /// Points credited when a household's first card is issued; ≥ 0.
    public var welcomePoints: Int64
    /// What one point pays, e.g. 1.00 RUB; more than zero.
    public var pointValue: Money
    /// The largest share of a purchase that may be paid with points.
    public var maxPaymentShare: Percent
    /// How new cards get their numbers.
    public var cardNumbers: CardNumberRule
    /// The self-registration page; nil keeps it closed (see ``JoinSettings``).
    public var join: JoinSettings?
    /// SMS language, budget, notifications and texts; nil means the defaults (see ``SmsSettings``).
    public var sms: SmsSettings?

    public init(
        name: String, currency: String, tiers: [Tier], defaultTier: String, welcomePoints: Int64,
        pointValue: Money, maxPaymentShare: Percent, cardNumbers: CardNumberRule, join: JoinSettings? = nil, sms: SmsSettings? = nil
    ) {
        self.join = join
        self.sms = sms
        self.name = name
        self.currency = currency
        self.tiers = tiers
        self.defaultTier = defaultTier
        self.welcomePoints = welcomePoints
        self.pointValue = pointValue
        self.maxPaymentShare = maxPaymentShare
        self.cardNumbers = cardNumbers
    }

    /// The tier with this code, or nil.
    public func tier(_ code: String) -> Tier? {
        tiers.first { $0.code == code }
    }
}
