import Foundation

/// A verified save or delete callback: a user added a card to Google Wallet or removed it
/// (https://developers.google.com/wallet/generic/use-cases/use-callbacks-for-saves-and-deletions).
/// Google may deliver one more than once; ``nonce`` tells repeats apart.
public struct GoogleCallback: Sendable, Hashable {
    public enum Event: String, Sendable, Hashable {
        case save = "save"
        case delete = "del"
    }

    public let classId: GoogleWalletID
    public let objectId: GoogleWalletID
    public let eventType: Event
    /// Unique per event: the same nonce again is a redelivery.
    public let nonce: String
    /// After this the message is no longer accepted.
    public let expTime: Date

    public init(classId: GoogleWalletID, objectId: GoogleWalletID, eventType: Event, nonce: String, expTime: Date) {
        self.classId = classId
        self.objectId = objectId
        self.eventType = eventType
        self.nonce = nonce
        self.expTime = expTime
    }
}
