import Foundation

/// A card's Google Wallet loyalty object, as Passline tracks it.
public struct GoogleObjectRecord: Sendable, Hashable {
    public var cardNumber: String
    /// `<issuer id>.<suffix>`, fixed when the row is made.
    public var objectID: String
    public var classID: String
    /// Google has the object (an insert succeeded, or answered 409).
    public var inserted: Bool
    /// Bumped by every change of the card's pass.
    public var version: Int64
    /// The version Google shows.
    public var syncedVersion: Int64
    /// When the outbox sends it next; nil when Google is current (or it was given up).
    public var dueAt: Date?
    public var attempts: Int
    /// Why the last send failed, if it did.
    public var lastError: String?
    public var syncedAt: Date?
    /// In somebody's Google Wallet now, as the save and delete callbacks say.
    public var saved: Bool
    public var createdAt: Date

    /// What the card's API reports: `synced`, `pending` (a change not sent yet, or never
    /// inserted) or `failed` (Google refused it; `lastError` says why).
    public var syncState: String {
        if inserted && syncedVersion >= version && dueAt == nil { return "synced" }
        if dueAt == nil && lastError != nil { return "failed" }
        return "pending"
    }
}

/// A broadcast's message to add to a card's Google object.
public struct GoogleMessageRecord: Sendable, Hashable {
    public var id: Int64
    public var cardNumber: String
    public var objectID: String
    public var broadcastID: Int64
    public var header: String
    public var body: String
    public var attempts: Int
    /// How many messages this card's object was sent with a notification in the 24 hours
    /// before the claim (Google allows 3).
    public var notifiedToday: Int
}

/// What a save or delete callback did.
public enum GoogleEventOutcome: Sendable, Hashable {
    case recorded
    /// The nonce was seen before: nothing changed.
    case duplicate
    /// No card has this object id.
    case unknownObject
}

/// A save or delete, as Google's callback names it.
public enum GoogleEventKind: String, Sendable, Hashable {
    case save
    case delete = "del"
}
