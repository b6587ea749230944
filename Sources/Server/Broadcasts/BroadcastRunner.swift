import Core
import Foundation
import Logging
import Storage
import ServiceLifecycle

/// Runs broadcasts: takes the oldest one with work left (queued, or running after a restart),
/// runs its batches until it is done, cancelled or taken by another server, and writes the
/// counted fetch-backs. Started with the server; resumes unfinished broadcasts at start.
///
/// **Waves.** Every changed pass costs one signature when a device fetches it, and a broadcast
/// makes every targeted device fetch at once. So each batch is a wave, sized to what the
/// signed-pass cache can pin: the batch commits with its pushes held, its passes are signed on
/// every core into the cache (pinned until fetched), and only then are its pushes released, so
/// each device's fetch is a cache hit. The next wave commits while this one signs, and waits for
/// room in the cache before signing: the pace is the signing rate, measured by doing it.
///
/// On PostgreSQL several servers may share the database: a broadcast is leased to one of them,
/// the lease renewed by every batch, and taken over when it lapses (a server that died). Each
/// batch also locks the broadcast row and checks the lease, so two servers never run one batch.
/// On SQLite (one server per database file) leases are not waited for, so a server restarted
/// after `kill -9` resumes at once.
public final class BroadcastRunner: Service, Sendable {
    public struct Options: Sendable {
        /// Households per batch at most (one transaction each); waves are smaller when the cache is.
        public var batchSize = 10_000
        /// How long a lease lasts without a batch renewing it.
        public var leaseSeconds: Int64 = 15
        /// How often to look for work without a wakeup (other servers' broadcasts, lapsed leases).
        public var pollInterval: Duration = .seconds(2)
        /// How often fetch-backs are written.
        public var flushInterval: Duration = .seconds(1)
        /// Consecutive batch errors before the broadcast is marked failed.
        public var maxFailures = 20
        /// How long a wave's pushes are held at most: a server that dies before releasing them
        /// leaves them to fall due by themselves then.
        public var holdSeconds: Int64 = 60
        /// How long a wave waits for earlier waves' devices to fetch before unpinning their passes.
        public var fetchPatience: Duration = .seconds(30)
        /// Tasks signing a wave at once (one per core).
        public var signers = ProcessInfo.processInfo.activeProcessorCount

        public init() {}
    }

    let store: BroadcastStore
    let outbox: PushOutboxStore
    let options: Options
    let owner: String
    let logger: Logger
    /// Signs waves ahead; nil pushes every batch at once (each fetch signs on demand).
    let signer: (any WaveSigning)?
    let wakeup = ChangeSignal()
    let fetches: BroadcastFetchCounter
    /// Runs just before each batch commits (tests throw there to simulate a crash).
    let beforeCommit: @Sendable () async throws -> Void

    init(
        store: BroadcastStore, outbox: PushOutboxStore, options: Options = Options(), logger: Logger, fetches: BroadcastFetchCounter,
        signer: (any WaveSigning)?, beforeCommit: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.store = store
        self.outbox = outbox
        self.options = options
        self.logger = logger
        self.fetches = fetches
        self.signer = signer
        self.beforeCommit = beforeCommit
        owner = UUID().uuidString
    }

    /// A new broadcast was created: look for work now.
    public func wake() { wakeup.signal() }

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

    /// Runs batches of one broadcast until it ends or is no longer ours: each batch commits
    /// while the wave before it is signed and released.
    func runBroadcast(_ id: Int64) async {
        var failures = 0
        logger.info("broadcast \(id): running")
        // Waves a server held before it died (or was stopped) were never signed here: let them go
        // now, their fetches sign on demand.
        do { try await outbox.releaseAll(broadcastID: id) } catch { logger.warning("broadcast \(id): held pushes not released: \(error)") }
        var sizer = WaveSizer(maxHouseholds: options.batchSize, budgetBytes: signer.map { $0.signAheadBudget / 2 })
        var inFlight: Task<SignedWave, Never>?
        defer { inFlight?.cancel() }
        // The order, wave k: commit k+1 while k signs; k's versions published and its pushes
        // released; k+1 starts signing; the next commit waits until k's devices have fetched
        // (committing moves the version cache's epoch, and the fast path needs k's versions).
        var pins = 0
        var fetching: Int?
        while !Self.stopping {
            do {
                if let pin = fetching, let signer {
                    await waitForFetches(signer, pin: pin)
                    fetching = nil
                }
                let outcome = try await store.runBatch(
                    id: id, owner: owner, size: sizer.households, holdSeconds: sizer.signsAhead ? options.holdSeconds : nil,
                    leaseSeconds: options.leaseSeconds, beforeCommit: beforeCommit)
                failures = 0
                if let done = await inFlight?.value {
                    sizer.observe(households: done.households, passes: done.signed.passes, bytes: done.signed.bytes)
                    fetching = done.pin
                }
                inFlight = nil
                switch outcome {
                case .progressed(let wave):
                    logger.debug("broadcast \(id): batch of \(wave.households) households, \(wave.cards) cards, \(wave.pushes) pushes")
                    if wave.holdsPushes, let signer {
                        let passes = try await store.passes(of: wave)
                        await signer.waitForRoom(sizer.expectedBytes(passes: passes.count), patience: options.fetchPatience)
                        pins += 1
                        inFlight = Task { [pin = pins] in await self.signAndRelease(wave, passes, signer: signer, pin: pin) }
                    }
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

    /// What signing a wave did.
    struct SignedWave: Sendable {
        var households: Int64
        var signed: PassService.SignedAhead
        var pin: Int
    }

    /// Signs a wave's passes ahead, publishes their versions and releases their pushes. A
    /// failure to publish costs speed only (fetches read the version); a failure to release
    /// leaves the pushes to fall due when their hold lapses.
    func signAndRelease(_ wave: BroadcastWave, _ passes: [WavePass], signer: any WaveSigning, pin: Int) async -> SignedWave {
        let id = wave.broadcastID
        let start = ContinuousClock.now
        let signed = await signer.signAhead(passes, workers: options.signers, pin: pin)
        logger.debug("broadcast \(id): wave \(wave.wave): \(signed.signed) passes signed ahead in \(ContinuousClock.now - start)")
        if signed.failed > 0 { logger.warning("broadcast \(id): \(signed.failed) passes of a wave could not be signed") }
        if let seen = signer.versionEpoch, let current = try? await store.currentVersions(of: wave) {
            signer.publish(current, seen: seen)
        }
        do { try await outbox.release(broadcastID: id, wave: wave.wave) } catch {
            logger.warning("broadcast \(id): wave \(wave.wave) not released (its pushes fall due when the hold lapses): \(error)")
        }
        return SignedWave(households: wave.households, signed: signed, pin: pin)
    }

    /// Waits until the devices of the wave signed under `pin` have fetched its passes: until
    /// none is left, or none was fetched for `stall` (devices that are gone, a slow APNs), or
    /// ``Options/fetchPatience`` has passed.
    func waitForFetches(_ signer: any WaveSigning, pin: Int, stall: Duration = .seconds(2)) async {
        let deadline = ContinuousClock.now.advanced(by: options.fetchPatience)
        var left = signer.unfetched(pin: pin)
        var lastProgress = ContinuousClock.now
        while left > 0, !Self.stopping {
            let now = ContinuousClock.now
            if now >= deadline || now - lastProgress >= stall { return }
            try? await Task.sleep(for: .milliseconds(5))
            let after = signer.unfetched(pin: pin)
            if after < left { lastProgress = .now }
            left = after
        }
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
