import Foundation

/// Who a dashboard session belongs to: exactly one of the two, so a row can never name both or neither.
public enum AdminSessionOwner: Sendable, Hashable {
    /// The configured admin token, as a MAC under the server secret (never the token): another
    /// token gives another tag, so rotating the token ends its sessions.
    case adminToken(tag: String)
    /// An API key with the `admin` scope, by its id (never its secret).
    case key(id: String)
}

/// A dashboard session as read back with its owner's current state.
public struct AdminSessionRecord: Sendable, Hashable {
    public var owner: AdminSessionOwner
    /// The per-session token every form carries back (checked on each POST).
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date
    /// For a key's session: whether the key still exists, unrevoked, with the admin scope.
    /// Always true for the admin token's (its tag is compared by the caller).
    public var ownerActive: Bool
}

/// One wallet that holds a card's pass, as the dashboard shows it: which kind and since when
/// (the device's identifier and push token stay out of it).
public struct AdminDeviceRecord: Sendable, Hashable {
    public var client: WalletClient
    public var registeredAt: Date
}
