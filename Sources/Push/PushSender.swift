/// One push: an empty payload to one device for one pass type. Wallet pushes carry no content;
/// they only make the device ask the web service which passes changed.
///
/// `Token` is the wallet's own token type: a ``PushToken`` for APNs, an ``AndroidPushToken`` for
/// an Android wallet app's webhook. Each sender takes only its own, so a token can never reach a
/// service that would not understand it.
public struct PushRequest<Token: Sendable & Hashable>: Sendable, Hashable {
    /// The device's push token, validated by its wallet's rule.
    public var token: Token
    /// The pass type ID, which is the APNs topic.
    public var topic: String

    public init(token: Token, topic: String) {
        self.token = token
        self.topic = topic
    }
}

/// Anything that can attempt a push and classify the result: the APNs client, the Android-wallet
/// webhook sender, test fakes.
public protocol PushSender<Token>: Sendable {
    associatedtype Token: Sendable & Hashable
    /// One attempt. Never throws for APNs or network failures: they are classified into the outcome.
    func send(_ request: PushRequest<Token>) async -> PushOutcome
}
