/// Receives what the dispatcher does, for metrics and alerts.
public protocol PushObserver: Sendable {
    /// One attempt ended with `outcome` (final or not).
    func attempted(_ outcome: PushOutcome, wallet: WalletKind)
    /// A push reached its one final outcome.
    func finished(_ outcome: FinalOutcome, wallet: WalletKind)
    /// A pass type's pushes are paused: its credentials are refused. Operators must act.
    func topicPaused(_ topic: String, reason: APNsReason, for duration: Duration)
    /// The outbox could not be read or written; the dispatcher retries.
    func outboxFailed(_ error: any Error)
}

/// An observer that ignores everything.
public struct NoPushObserver: PushObserver {
    public init() {}
    public func attempted(_ outcome: PushOutcome, wallet: WalletKind) {}
    public func finished(_ outcome: FinalOutcome, wallet: WalletKind) {}
    public func topicPaused(_ topic: String, reason: APNsReason, for duration: Duration) {}
    public func outboxFailed(_ error: any Error) {}
}
