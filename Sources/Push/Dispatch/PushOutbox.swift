/// Which wallet holds the pass: Apple Wallet is pushed through APNs; Android wallet apps that
/// speak the same web service are told through another channel.
public enum WalletKind: String, Sendable, Hashable, CaseIterable {
    case apple, android
}

/// A push claimed from the outbox.
public struct OutboxPush: Sendable, Hashable {
    /// The push token as stored: not yet validated (a malformed one never reaches a sender).
    public var token: String
    /// The pass type ID, which is the APNs topic.
    public var topic: String
    public var wallet: WalletKind
    /// Attempts already made and failed transiently (from earlier claims).
    public var attempts: Int
    /// The outbox's own bookkeeping, handed back on settling.
    public var generation: Int64
    public var broadcastID: Int64?

    public init(token: String, topic: String, wallet: WalletKind, attempts: Int = 0, generation: Int64 = 0, broadcastID: Int64? = nil) {
        self.token = token
        self.topic = topic
        self.wallet = wallet
        self.attempts = attempts
        self.generation = generation
        self.broadcastID = broadcastID
    }
}

/// What the outbox is to do with a claimed push.
public enum PushResolution: Sendable, Hashable {
    /// It is over: exactly one final outcome.
    case finished(FinalOutcome)
    /// Try again after `after`; `attempts` failed so far.
    case retry(after: Duration, attempts: Int)
    /// Not attempted (its pass type is paused): due again after `after`, attempts unchanged.
    case deferred(after: Duration)
}

/// The durable queue of pushes due. Claims must be exclusive and expire (a lease), so a crashed
/// dispatcher's pushes fall due again: delivery is at-least-once.
public protocol PushOutbox: Sendable {
    /// Up to `limit` pushes due now, hidden from other claims until settled or the lease ends,
    /// leaving out the pass types in `excluding` (paused: their pushes wait untouched).
    func claim(limit: Int, excluding: Set<String>) async throws -> [OutboxPush]
    /// Records what became of claimed pushes.
    func settle(_ results: [(OutboxPush, PushResolution)]) async throws
}
