/// A `LoyaltyClass`: the program's template every card of it shares — issuer, program name and
/// logo, colour, labels, links, and where save/delete callbacks go
/// (https://developers.google.com/wallet/reference/rest/v1/loyaltyclass).
public struct GoogleLoyaltyClass: Codable, Sendable, Hashable {
    public var id: GoogleWalletID
    public var issuerName: String
    /// Ellipsized after about 20 characters on the phone.
    public var programName: String
    public var programLogo: GoogleImage
    /// ``GoogleReviewStatus/underReview`` on insert and update.
    public var reviewStatus: GoogleReviewStatus
    /// `#rrggbb`.
    public var hexBackgroundColor: String?
    public var localizedIssuerName: GoogleLocalizedString?
    public var localizedProgramName: GoogleLocalizedString?
    public var accountIdLabel: String?
    public var accountNameLabel: String?
    public var rewardsTier: String?
    public var rewardsTierLabel: String?
    public var heroImage: GoogleImage?
    public var wideProgramLogo: GoogleImage?
    public var textModulesData: [GoogleTextModule]?
    public var linksModuleData: GoogleLinksModule?
    public var callbackOptions: GoogleCallbackOptions?
    /// ISO 3166-1 alpha-2.
    public var countryCode: String?

    public init(
        id: GoogleWalletID, issuerName: String, programName: String, programLogo: GoogleImage,
        reviewStatus: GoogleReviewStatus = .underReview, hexBackgroundColor: String? = nil,
        localizedIssuerName: GoogleLocalizedString? = nil, localizedProgramName: GoogleLocalizedString? = nil,
        accountIdLabel: String? = nil, accountNameLabel: String? = nil, rewardsTier: String? = nil, rewardsTierLabel: String? = nil,
        heroImage: GoogleImage? = nil, wideProgramLogo: GoogleImage? = nil, textModulesData: [GoogleTextModule]? = nil,
        linksModuleData: GoogleLinksModule? = nil, callbackOptions: GoogleCallbackOptions? = nil, countryCode: String? = nil
    ) {
        self.id = id
        self.issuerName = issuerName
        self.programName = programName
        self.programLogo = programLogo
        self.reviewStatus = reviewStatus
        self.hexBackgroundColor = hexBackgroundColor
        self.localizedIssuerName = localizedIssuerName
        self.localizedProgramName = localizedProgramName
        self.accountIdLabel = accountIdLabel
        self.accountNameLabel = accountNameLabel
        self.rewardsTier = rewardsTier
        self.rewardsTierLabel = rewardsTierLabel
        self.heroImage = heroImage
        self.wideProgramLogo = wideProgramLogo
        self.textModulesData = textModulesData
        self.linksModuleData = linksModuleData
        self.callbackOptions = callbackOptions
        self.countryCode = countryCode
    }
}
