/// `Message`: a note shown in the card's details; ``GoogleMessageType/textAndNotify`` also
/// notifies the phone (https://developers.google.com/wallet/reference/rest/v1/loyaltyobject/addmessage).
public struct GoogleMessage: Codable, Sendable, Hashable {
    public var header: String?
    public var body: String?
    /// Ours, unique per object: lets a message be recognised (and not added twice).
    public var id: String?
    public var messageType: GoogleMessageType?
    public var localizedHeader: GoogleLocalizedString?
    public var localizedBody: GoogleLocalizedString?

    public init(
        header: String? = nil, body: String? = nil, id: String? = nil, messageType: GoogleMessageType? = nil,
        localizedHeader: GoogleLocalizedString? = nil, localizedBody: GoogleLocalizedString? = nil
    ) {
        self.header = header
        self.body = body
        self.id = id
        self.messageType = messageType
        self.localizedHeader = localizedHeader
        self.localizedBody = localizedBody
    }
}
