import Core
import Foundation
import Logging
import Storage
import ServiceLifecycle

/// Runs broadcasts: takes the oldest one with work left (queued, or running after a restart),
/// runs its batches until it is done, cancelled or taken by another server, and writes the
/// counted fetch-backs. Started with the server; resumes unfinished broadcasts at start.
///
/// On PostgreSQL several servers may share the database: a broadcast is leased to one of them,
/// the lease renewed by every batch, and taken over when it lapses (a server that died). Each
/// batch also locks the broadcast row and checks the lease, so two servers never run one batch.
/// On SQLite (one server per database file) leases are not waited for, so a server restarted
/// after `kill -9` resumes at once.
public final class BroadcastRunner: Service, Sendable {
    public struct Options: Sendable {
        /// Households per batch (one transaction each).
        public var batchSize = 10_000
        /// How long a lease lasts without a batch renewing it.
        public var leaseSeconds: Int64 = 15
        /// How often to look for work without a wakeup (other servers' broadcasts, lapsed leases).
        public var pollInterval: Duration = .seconds(2)
        /// How often fetch-backs are written.
        public var flushInterval: Duration = .seconds(1)
        /// Consecutive batch errors before the broadcast is marked failed.
        public var maxFailures = 20

        public init() {}
    }

    let store: BroadcastStore
    let options: Options
    let owner: String
    let logger: Logger
    let pacing: @Sendable () -> BroadcastPacing
    let wakeup = ChangeSignal()
    let fetches = BroadcastFetchCounter()
    /// Runs just before each batch commits (tests throw there to simulate a crash).
    let beforeCommit: @Sendable () async throws -> Void

    /// - Parameter pacing: the dispatcher's push rate, read before each batch, to spread push-due times.
    public init(
        store: BroadcastStore, options: Options = Options(), logger: Logger,
        pacing: @escaping @Sendable () -> BroadcastPacing = { BroadcastPacing(pushesPerSecond: nil) },
        beforeCommit: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.store = store
        self.options = options
        self.logger = logger
        self.pacing = pacing
        self.beforeCommit = beforeCommit
        owner = UUID().uuidString
    }

    /// A new broadcast was created: look for work now.
    public func wake() { wakeup.signal() }

    /// Notes a pass served to a device (counted towards its card's broadcast at the next flush).
    public func noteFetch(_ fetch: PassFetch) { fetches.note(fetch) }

    static var stopping: Bool { Task.isCancelled || Task.isShuttingDownGracefully }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.runLoop() }
            group.addTask { await self.flushLoop() }
            await group.waitForAll()
        }
    }

    func runLoop() async {
        let ignoreLeases = store.database.dialect == .sqlite
        while !Self.stopping {
            let id: Int64?
            do {
                id = try await store.claimNext(owner: owner, leaseSeconds: options.leaseSeconds, ignoreLeases: ignoreLeases)
            } catch {
                logger.warning("broadcasts: cannot look for work: \(error)")
                id = nil
            }
            if let id {
                await runBroadcast(id)
            } else {
                await cancelWhenGracefulShutdown { _ = await self.wakeup.wait(timeout: self.options.pollInterval) }
            }
        }
    }

    /// Runs batches of one broadcast until it ends or is no longer ours.
    func runBroadcast(_ id: Int64) async {
        var failures = 0
        logger.info("broadcast \(id): running")
        while !Self.stopping {
            do {
                let outcome = try await store.runBatch(
                    id: id, owner: owner, size: options.batchSize, pacing: pacing(), leaseSeconds: options.leaseSeconds, beforeCommit: beforeCommit)
                failures = 0
                switch outcome {
                case .progressed(let households, let cards, let pushes):
                    logger.debug("broadcast \(id): batch of \(households) households, \(cards) cards, \(pushes) pushes")
                case .finished:
                    logger.info("broadcast \(id): done")
                    return
                case .stopped:
                    logger.info("broadcast \(id): stopped (cancelled, or run by another server)")
                    return
                }
            } catch {
                failures += 1
                logger.warning("broadcast \(id): batch failed (\(failures)/\(options.maxFailures)): \(error)")
                if failures >= options.maxFailures {
                    try? await store.fail(id: id, reason: "\(error)")
                    return
                }
                // Backs off 0.1 s, 0.2 s, … up to 5 s; the batch reruns from the committed cursor.
                let delay = min(5.0, 0.1 * Double(1 << min(failures, 6)))
                try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            }
        }
        // Shutting down: let another server take over at once.
        try? await store.release(id: id, owner: owner)
    }

    func flushLoop() async {
        while !Self.stopping {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.options.flushInterval) }
            await flush()
        }
        await flush()
    }

    /// Writes the fetches noted so far.
    func flush() async {
        let batch = fetches.drain()
        guard !batch.isEmpty else { return }
        do {
            try await store.recordFetches(batch)
        } catch {
            logger.warning("broadcasts: \(batch.values.reduce(0, +)) fetch-backs not counted: \(error)")
        }
    }
}

extension BroadcastRunner: PassFetchObserver {}
