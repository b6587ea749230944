/// A `LoyaltyObject`: one card — its holder, balance, barcode and messages
/// (https://developers.google.com/wallet/reference/rest/v1/loyaltyobject).
public struct GoogleLoyaltyObject: Codable, Sendable, Hashable {
    public var id: GoogleWalletID
    public var classId: GoogleWalletID
    public var state: GoogleObjectState
    /// The member id shown on the card (our card number).
    public var accountId: String?
    public var accountName: String?
    public var loyaltyPoints: GoogleLoyaltyPoints?
    public var secondaryLoyaltyPoints: GoogleLoyaltyPoints?
    public var barcode: GoogleBarcode?
    public var heroImage: GoogleImage?
    public var hexBackgroundColor: String?
    public var textModulesData: [GoogleTextModule]?
    public var linksModuleData: GoogleLinksModule?
    public var messages: [GoogleMessage]?
    public var notifyPreference: GoogleNotifyPreference?

    public init(
        id: GoogleWalletID, classId: GoogleWalletID, state: GoogleObjectState = .active, accountId: String? = nil, accountName: String? = nil,
        loyaltyPoints: GoogleLoyaltyPoints? = nil, secondaryLoyaltyPoints: GoogleLoyaltyPoints? = nil, barcode: GoogleBarcode? = nil,
        heroImage: GoogleImage? = nil, hexBackgroundColor: String? = nil, textModulesData: [GoogleTextModule]? = nil,
        linksModuleData: GoogleLinksModule? = nil, messages: [GoogleMessage]? = nil, notifyPreference: GoogleNotifyPreference? = nil
    ) {
        self.id = id
        self.classId = classId
        self.state = state
        self.accountId = accountId
        self.accountName = accountName
        self.loyaltyPoints = loyaltyPoints
        self.secondaryLoyaltyPoints = secondaryLoyaltyPoints
        self.barcode = barcode
        self.heroImage = heroImage
        self.hexBackgroundColor = hexBackgroundColor
        self.textModulesData = textModulesData
        self.linksModuleData = linksModuleData
        self.messages = messages
        self.notifyPreference = notifyPreference
    }
}

/// The fields of a `PATCH /loyaltyObject/{id}`: only those set are sent, and each one sent
/// replaces Google's (a list as a whole). A balance change is
/// `GoogleLoyaltyObjectPatch(loyaltyPoints: …)`.
public struct GoogleLoyaltyObjectPatch: Codable, Sendable, Hashable {
    public var state: GoogleObjectState?
    public var accountId: String?
    public var accountName: String?
    public var loyaltyPoints: GoogleLoyaltyPoints?
    public var secondaryLoyaltyPoints: GoogleLoyaltyPoints?
    public var barcode: GoogleBarcode?
    public var heroImage: GoogleImage?
    public var hexBackgroundColor: String?
    public var textModulesData: [GoogleTextModule]?
    public var linksModuleData: GoogleLinksModule?
    public var notifyPreference: GoogleNotifyPreference?

    public init(
        state: GoogleObjectState? = nil, accountId: String? = nil, accountName: String? = nil, loyaltyPoints: GoogleLoyaltyPoints? = nil,
        secondaryLoyaltyPoints: GoogleLoyaltyPoints? = nil, barcode: GoogleBarcode? = nil, heroImage: GoogleImage? = nil,
        hexBackgroundColor: String? = nil, textModulesData: [GoogleTextModule]? = nil, linksModuleData: GoogleLinksModule? = nil,
        notifyPreference: GoogleNotifyPreference? = nil
    ) {
        self.state = state
        self.accountId = accountId
        self.accountName = accountName
        self.loyaltyPoints = loyaltyPoints
        self.secondaryLoyaltyPoints = secondaryLoyaltyPoints
        self.barcode = barcode
        self.heroImage = heroImage
        self.hexBackgroundColor = hexBackgroundColor
        self.textModulesData = textModulesData
        self.linksModuleData = linksModuleData
        self.notifyPreference = notifyPreference
    }
}
