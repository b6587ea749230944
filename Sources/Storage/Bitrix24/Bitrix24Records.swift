import Foundation

/// The portal the app is installed in. Its OAuth tokens are kept sealed by the server (the store
/// never sees them in the clear).
public struct Bitrix24Portal: Sendable, Hashable {
    public var memberID: String
    public var domain: String
    public var applicationToken: String
    public var clientEndpoint: String
    public var sealedTokens: [UInt8]
    public var installedAt: Date
    public var updatedAt: Date

    public init(memberID: String, domain: String, applicationToken: String, clientEndpoint: String, sealedTokens: [UInt8], installedAt: Date, updatedAt: Date) {
        self.memberID = memberID
        self.domain = domain
        self.applicationToken = applicationToken
        self.clientEndpoint = clientEndpoint
        self.sealedTokens = sealedTokens
        self.installedAt = installedAt
        self.updatedAt = updatedAt
    }
}

/// What an install did.
public enum PortalInstallOutcome: Sendable, Hashable {
    case installed
    /// The same portal installed again: its tokens and application token replaced.
    case reinstalled
    /// Another portal holds this server: one portal per server.
    case refused(installedDomain: String)
}

/// Which of the portal's queues: what it sent us, or what we send it.
public enum PortalQueue: String, Sendable, Hashable {
    /// Events and robot calls received, to act on.
    case inbox = "b24_inbox"
    /// REST calls to make (registrations, robot answers, CRM write-backs).
    case outbox = "b24_outbox"
}

/// One waiting item of a queue.
public struct PortalQueueItem: Sendable, Hashable {
    public var id: Int64
    /// A REST method (outbox) or an event name or robot code (inbox).
    public var kind: String
    /// While queued, a newer item with the same key replaces this one.
    public var key: String?
    /// JSON: the call's parameters, or what was received.
    public var payload: String
    /// Attempts made so far, this one included once claimed.
    public var attempts: Int
    public var createdAt: Date
}

/// A new item for a queue.
public struct NewPortalQueueItem: Sendable, Hashable {
    public var kind: String
    public var key: String?
    public var payload: String

    public init(kind: String, key: String? = nil, payload: String) {
        self.kind = kind
        self.key = key
        self.payload = payload
    }
}

/// What became of a claimed item.
public enum PortalQueueOutcome: Sendable, Hashable {
    case done
    case retry(at: Date, error: String)
    case failed(error: String)
}
