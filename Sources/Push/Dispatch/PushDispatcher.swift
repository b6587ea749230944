import Core
import Logging
import Synchronization

/// How the dispatcher drains the outbox.
public struct PushDispatcherConfiguration: Sendable, Hashable {
    /// Pushes claimed per outbox query.
    public var batchSize: Int = 500
    /// Attempts in flight at once across all senders; bounds memory whatever APNs does.
    public var maxInFlight: Int = 2_000
    /// How often the outbox is polled when nothing wakes the dispatcher (other servers' writes on
    /// PostgreSQL without LISTEN, retries falling due).
    public var pollInterval: Duration = .seconds(1)
    /// Pushes per second, or nil for as fast as the senders go. Each push makes a phone fetch a
    /// newly signed pass, so the server paces pushes to what it can sign (see docs/push.md).
    /// Broadcast pushes are not paced here: they are released after their passes are signed.
    public var pushesPerSecond: Double?
    /// How long a pass type stays paused after APNs refuses its credentials.
    public var pausePeriod: Duration = .seconds(300)
    /// Settled results are written in batches of this many, or after `settleInterval`.
    public var settleBatch: Int = 500
    public var settleInterval: Duration = .milliseconds(20)
    public var retryPolicy = RetryPolicy()

    public init() {}
}

/// Drains the push outbox through the senders: claims due pushes in batches, sends each (paced,
/// bounded in flight), and settles every push with one resolution, in batches.
///
/// Runs until its task is cancelled. Wake it with ``wake()`` after committing pushes due; it also
/// polls every ``PushDispatcherConfiguration/pollInterval``.
public final class PushDispatcher: Sendable {
    public let configuration: PushDispatcherConfiguration
    private let outbox: any PushOutbox
    private let apple: any PushSender<PushToken>
    private let android: (any PushSender<AndroidPushToken>)?
    private let observer: any PushObserver
    private let logger: Logger
    private let wakeup = ChangeSignal()
    private let resultsReady = ChangeSignal()
    private let capacityFreed = ChangeSignal()
    private let pausedUntil = Mutex<[String: ContinuousClock.Instant]>([:])
    private let shared = Mutex(Shared())

    /// Results waiting to be written, and pushes claimed but not yet settled.
    private struct Shared {
        var buffer: [(OutboxPush, PushResolution)] = []
        var unsettled = 0
        var stopping = false
    }

    /// - Parameters:
    ///   - apple: sends to APNs.
    ///   - android: sends pushes for Android wallet apps; nil ends them as rejected
    ///     (`AndroidSenderNotConfigured`), since they can never reach APNs.
    public init(
        outbox: any PushOutbox, apple: any PushSender<PushToken>, android: (any PushSender<AndroidPushToken>)?, configuration: PushDispatcherConfiguration = .init(),
        observer: any PushObserver = NoPushObserver(), logger: Logger
    ) {
        self.outbox = outbox
        self.apple = apple
        self.android = android
        self.configuration = configuration
        self.observer = observer
        self.logger = logger
    }

    /// Something was committed to the outbox: look now rather than at the next poll.
    public func wake() {
        wakeup.signal()
    }

    /// Whether pushes of `topic` are paused now.
    public func isPaused(_ topic: String) -> Bool {
        pausedUntil.withLock { $0[topic].map { $0 > .now } ?? false }
    }

    /// Claims, sends and settles until the task is cancelled. On cancellation it stops claiming
    /// and settles what has already been sent (if the database lets it); anything else falls due
    /// again when its lease ends.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.settleLoop() }
            await self.claimLoop(sends: &group)
            shared.withLock { $0.stopping = true }
            resultsReady.signal()
        }
    }

    // MARK: Claiming and sending

    private func claimLoop(sends: inout DiscardingTaskGroup) async {
        var bucket = configuration.pushesPerSecond.map { TokenBucket(rate: $0, burst: max(1, min($0 / 10, 1_000))) }
        var failures = 0
        // Paced, claim about a second's worth at a time: a claimed push must go out well within its lease.
        let claimLimit = configuration.pushesPerSecond.map { min(configuration.batchSize, max(1, Int($0))) } ?? configuration.batchSize
        while !Task.isCancelled {
            let batch: [OutboxPush]
            do {
                batch = try await outbox.claim(limit: claimLimit, excluding: pausedTopics())
                failures = 0
            } catch {
                if Task.isCancelled { break }
                observer.outboxFailed(error)
                failures += 1
                logger.error("push outbox claim failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(min(5_000, 100 << min(failures, 6))))
                continue
            }
            if batch.isEmpty {
                await wakeup.wait(timeout: configuration.pollInterval)
                continue
            }
            for push in batch {
                // Claimed but unsettled pushes are bounded, whether APNs or the database is slow.
                while shared.withLock({ $0.unsettled >= configuration.maxInFlight }) && !Task.isCancelled {
                    await capacityFreed.wait(timeout: .seconds(1))
                }
                // A broadcast's pushes are released wave by wave once their passes are signed
                // (their fetches are cache hits): the waves pace them, not the signing rate.
                if push.broadcastID == nil, var b = bucket {
                    let wait = b.take(now: .now)
                    bucket = b
                    if wait > .zero { try? await Task.sleep(for: wait) }
                }
                shared.withLock { $0.unsettled += 1 }
                sends.addTask { self.completed(push, await self.attempt(push)) }
            }
        }
    }

    /// One attempt at one push, resolved.
    private func attempt(_ push: OutboxPush) async -> PushResolution {
        if let until = pausedUntil.withLock({ $0[push.topic] }), until > .now {
            return .deferred(after: ContinuousClock.now.duration(to: until))
        }
        // Each wallet's token is checked by that wallet's rule: an FCM id is no APNs token.
        let outcome: PushOutcome
        switch push.wallet {
        case .apple:
            guard let token = try? PushToken(push.token) else { return malformed(push) }
            outcome = await apple.send(PushRequest(token: token, topic: push.topic))
        case .android:
            guard let android else {
                let outcome = FinalOutcome.rejected(status: 501, reason: "AndroidSenderNotConfigured")
                observer.finished(outcome, wallet: .android)
                return .finished(outcome)
            }
            guard let token = AndroidPushToken(push.token) else { return malformed(push) }
            outcome = await android.send(PushRequest(token: token, topic: push.topic))
        }
        observer.attempted(outcome, wallet: push.wallet)
        if case .pauseTopic(let reason) = outcome { pause(push.topic, reason: reason) }
        if case .retry(.transport(.unreachable)) = outcome { holdBack(push.topic, for: PushResolver.unsentDelay) }
        var generator = SystemRandomNumberGenerator()
        let resolution = PushResolver(policy: configuration.retryPolicy).resolve(
            push, after: outcome, pause: configuration.pausePeriod, now: .now, using: &generator)
        if case .finished(let final) = resolution { observer.finished(final, wallet: push.wallet) }
        return resolution
    }

    /// A stored token its wallet's rule refuses: ended, never sent.
    private func malformed(_ push: OutboxPush) -> PushResolution {
        observer.finished(PushResolver.malformedToken, wallet: push.wallet)
        return .finished(PushResolver.malformedToken)
    }

    /// Pass types paused now.
    private func pausedTopics() -> Set<String> {
        let now = ContinuousClock.now
        return pausedUntil.withLock { paused in
            paused = paused.filter { $0.value > now }
            return Set(paused.keys)
        }
    }

    /// APNs can't be reached for `topic`: stop claiming its pushes for a while instead of cycling
    /// the outbox through a client that fails them at once. Not an alert: the client reconnects.
    private func holdBack(_ topic: String, for duration: Duration) {
        let until = ContinuousClock.now.advanced(by: duration)
        pausedUntil.withLock { paused in
            if paused[topic].map({ $0 < until }) ?? true { paused[topic] = until }
        }
    }

    private func pause(_ topic: String, reason: APNsReason) {
        let until = ContinuousClock.now.advanced(by: configuration.pausePeriod)
        let isNew = pausedUntil.withLock { paused -> Bool in
            let wasPaused = paused[topic].map { $0 > .now } ?? false
            paused[topic] = until
            return !wasPaused
        }
        if isNew {
            logger.critical(
                "APNs refused the credentials for this pass type; its pushes are paused",
                metadata: ["topic": "\(topic)", "reason": "\(reason)", "pause": "\(configuration.pausePeriod)"])
            observer.topicPaused(topic, reason: reason, for: configuration.pausePeriod)
        }
    }

    // MARK: Settling

    private func completed(_ push: OutboxPush, _ resolution: PushResolution) {
        let count = shared.withLock { shared -> Int in
            shared.buffer.append((push, resolution))
            return shared.buffer.count
        }
        if count == 1 || count >= configuration.settleBatch { resultsReady.signal() }
    }

    /// Writes results in batches: woken by the first result of a batch, it waits a moment for more
    /// (unless the batch is full), then writes all it has.
    private func settleLoop() async {
        while true {
            await resultsReady.wait(timeout: .seconds(1))
            let full = shared.withLock { $0.buffer.count >= configuration.settleBatch || $0.stopping }
            if !full { try? await Task.sleep(for: configuration.settleInterval) }
            let (batch, done) = shared.withLock { shared -> ([(OutboxPush, PushResolution)], Bool) in
                let batch = shared.buffer
                shared.buffer.removeAll(keepingCapacity: true)
                return (batch, shared.stopping && shared.unsettled == batch.count)
            }
            var start = 0
            while start < batch.count {
                let end = min(start + configuration.settleBatch, batch.count)
                await write(Array(batch[start..<end]))
                start = end
            }
            if !batch.isEmpty {
                shared.withLock { $0.unsettled -= batch.count }
                capacityFreed.signal()
            }
            if done { return }
        }
    }

    /// Writes settled results, retrying while the database is unavailable. If it never comes
    /// back, the claims' leases end and the pushes are sent again (at-least-once).
    private func write(_ results: [(OutboxPush, PushResolution)]) async {
        var failures = 0
        while true {
            do {
                try await outbox.settle(results)
                return
            } catch {
                observer.outboxFailed(error)
                failures += 1
                logger.error("push outbox settle failed; retrying", metadata: ["error": "\(error)", "pushes": "\(results.count)"])
                if failures >= 20 || Task.isCancelled { return }
                try? await Task.sleep(for: .milliseconds(min(5_000, 100 << min(failures, 6))))
            }
        }
    }
}
