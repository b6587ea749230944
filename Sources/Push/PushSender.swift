/// One push: an empty payload to one device for one pass type. Wallet pushes carry no content;
/// they only make the device ask the web service which passes changed.
public struct PushRequest: Sendable, Hashable {
    /// The device's push token, validated.
    public var token: PushToken
    /// The pass type ID, which is the APNs topic.
    public var topic: String

    public init(token: PushToken, topic: String) {
        self.token = token
        self.topic = topic
    }
}

/// Anything that can attempt a push and classify the result: the APNs client, the Android-wallet
/// webhook sender, test fakes.
public protocol PushSender: Sendable {
    /// One attempt. Never throws for APNs or network failures: they are classified into the outcome.
    func send(_ request: PushRequest) async -> PushOutcome
}
