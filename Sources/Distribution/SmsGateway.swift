// Sending one SMS. Gateways differ in everything but this: a recipient, a text, perhaps a sender
// name, and an answer that is either "accepted" (maybe with the provider's message id), "refused"
// (don't send this again) or "not now" (try again later).

import Loyalty

/// One text message to one phone.
public struct SmsMessage: Sendable, Hashable {
    public var to: PhoneNumber
    public var text: String
    /// The sender name or number the provider shows, if it lets the sender choose.
    public var sender: String?

    public init(to: PhoneNumber, text: String, sender: String? = nil) {
        self.to = to
        self.text = text
        self.sender = sender
    }
}

/// A gateway's acceptance of a message.
public struct SmsReceipt: Sendable, Hashable {
    /// The provider's id for the message, when it gives one.
    public var providerMessageID: String?

    public init(providerMessageID: String? = nil) {
        self.providerMessageID = providerMessageID
    }
}

/// Why a gateway did not accept a message.
public enum SmsGatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The provider refused the message itself (bad number, blocked sender, bad credentials…):
    /// sending it again will not help.
    case rejected(String)
    /// The provider could not be reached or asked to come back later (timeouts, 5xx, 429).
    case unavailable(String)

    public var description: String {
        switch self {
        case .rejected(let why): return "rejected: \(why)"
        case .unavailable(let why): return "unavailable: \(why)"
        }
    }

    /// Whether the same message may be accepted later.
    public var isRetryable: Bool {
        if case .unavailable = self { return true }
        return false
    }
}

/// Something that delivers SMS. Implementations never log credentials.
public protocol SmsGateway: Sendable {
    /// A short name for logs and delivery records ("http sms.example.com", "dev").
    var name: String { get }
    /// Hands `message` to the provider.
    /// - Throws: ``SmsGatewayError``.
    func send(_ message: SmsMessage) async throws -> SmsReceipt
}
