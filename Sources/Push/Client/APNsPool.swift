import Core
import Logging
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// The connections to APNs for one topic: ``APNsPoolState`` under a lock, plus the I/O its effects
/// call for (connecting, waking connection handlers, closing channels, resuming callers) and a
/// timer that ticks it.
final class APNsPool: Sendable {
    typealias Waiter = CheckedContinuation<PushOutcome, Never>
    typealias State = APNsPoolState<Waiter>

    /// What the handlers of this pool's connections share.
    struct Shared: Sendable {
        let topic: String
        let endpoint: APNsEndpoint
        let sslContext: NIOSSLContext
        /// SNI and certificate name; nil for an IP literal (NIOSSL then checks the IP address).
        let serverHostname: String?
        let providerToken: ProviderToken?
        let expiration: Duration
        let connectTimeout: Duration
        let logger: Logger
    }

    /// A connection's channel and handler, once its channel exists.
    struct Link: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<APNsConnectionHandler>
    }

    private struct Locked {
        var state: State
        var links: [ConnectionID: Link] = [:]
        var timer: RepeatedTask?
        var timerWanted = false
    }

    /// Effects with connection IDs resolved to links, ready to perform outside the lock.
    private struct Work {
        var completions: [(Waiter, PushOutcome)] = []
        var kicks: [Link] = []
        var connects: [ConnectionID] = []
        var closes: [any Channel] = []
        var providerTokenExpired = false
        var startTimer = false
    }

    let shared: Shared
    private let group: any EventLoopGroup
    private let tickInterval: TimeAmount
    private let locked: Mutex<Locked>

    init(shared: Shared, settings: State.Settings, group: any EventLoopGroup) {
        self.shared = shared
        self.group = group
        let shortest = [
            settings.requestTimeout, settings.connection.pingInterval, settings.connection.pingTimeout,
            settings.connection.connectTimeout, settings.idleTimeout,
        ].min()!
        // Deadlines are checked this often: a fraction of the shortest period, within [5 ms, 250 ms].
        let tick = min(max(shortest / 5, .milliseconds(5)), .milliseconds(250))
        self.tickInterval = .nanoseconds(tick.wholeNanoseconds)
        self.locked = Mutex(Locked(state: State(settings: settings, seed: UInt64.random(in: .min ... .max))))
    }

    // MARK: Callers

    /// One push to `token` on this pool's topic.
    func send(_ token: PushToken) async -> PushOutcome {
        await withCheckedContinuation { (continuation: Waiter) in
            let work = withState(skippingKickOf: nil) { state, effects in
                state.submit(token, waiter: continuation, now: .now, effects: &effects)
            }
            run(work)
        }
    }

    func snapshot() -> APNsClientSnapshot {
        locked.withLock { $0.state.snapshot }
    }

    /// Completes every outstanding request, closes every connection and waits for them to close.
    func shutdown() async {
        let (work, timer, channels) = locked.withLock { locked -> (Work, RepeatedTask?, [any Channel]) in
            var effects = State.Effects()
            locked.state.shutdown(now: .now, effects: &effects)
            let channels = locked.links.values.map(\.channel)
            let work = resolve(effects, in: &locked, skippingKickOf: nil)
            let timer = locked.timer
            locked.timer = nil
            locked.timerWanted = true  // never start one again
            return (work, timer, channels)
        }
        timer?.cancel()
        run(work)
        for channel in channels {
            channel.close(promise: nil)
            try? await channel.closeFuture.get()
        }
    }

    // MARK: Connection handlers (called on their event loop)

    /// Applies what connection `id` read (in order), then hands over its outbox, under one lock:
    /// one lock per read burst rather than per response.
    func process(_ events: inout [ConnectionEvent], from id: ConnectionID, outbox: inout [OutboxItem]) {
        let work = locked.withLock { locked -> Work in
            var effects = State.Effects()
            let now = ContinuousClock.now
            for event in events { locked.state.handle(event, from: id, now: now, effects: &effects) }
            locked.state.takeOutbox(id, into: &outbox)
            return resolve(effects, in: &locked, skippingKickOf: id)
        }
        events.removeAll(keepingCapacity: true)
        run(work)
    }

    /// The handler's outbox: see ``APNsPoolState/takeOutbox(_:into:)``.
    func takeOutbox(_ id: ConnectionID, into buffer: inout [OutboxItem]) {
        locked.withLock { $0.state.takeOutbox(id, into: &buffer) }
    }

    // MARK: Connections

    private func connect(_ id: ConnectionID) {
        let loop = group.next()
        shared.logger.debug("connecting to APNs", metadata: ["connection": "\(id)"])
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.nanoseconds(shared.connectTimeout.wholeNanoseconds))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel, id: id) }
            }
            .connect(host: shared.endpoint.host, port: shared.endpoint.port)
            .whenFailure { [self] error in
                // Not worth a warning if the pool had given up on it (shutdown, handshake timeout).
                let wanted = locked.withLock { $0.state.contains(id) }
                shared.logger.log(
                    level: wanted ? .warning : .debug,
                    "cannot connect to APNs at \(shared.endpoint.host):\(shared.endpoint.port): \(error)",
                    metadata: ["connection": "\(id)"]
                )
                channelClosed(id)
            }
    }

    /// Sets up a new channel's pipeline: TLS, HTTP/2, and the handler that feeds this pool.
    private func configure(_ channel: any Channel, id: ConnectionID) throws {
        let tls = try NIOSSLClientHandler(context: shared.sslContext, serverHostname: shared.serverHostname)
        let http2 = NIOHTTP2Handler(mode: .client, connectionConfiguration: Self.http2Connection, streamConfiguration: Self.http2Streams)
        let batcher = FlushBatcher()
        let handler = APNsConnectionHandler(pool: self, id: id, batcher: batcher)
        try channel.pipeline.syncOperations.addHandlers([tls, batcher, http2, handler])
        let link = Link(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
        let wanted = locked.withLock { locked -> Bool in
            guard locked.state.contains(id) else { return false }
            locked.links[id] = link
            return true
        }
        // The pool gave up on it (handshake timeout, shutdown) before the channel existed.
        if !wanted { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { [self] _ in channelClosed(id) }
    }

    private func channelClosed(_ id: ConnectionID) {
        shared.logger.debug("APNs connection closed", metadata: ["connection": "\(id)"])
        let work = locked.withLock { locked -> Work in
            locked.links[id] = nil
            var effects = State.Effects()
            locked.state.closed(id, now: .now, effects: &effects)
            return resolve(effects, in: &locked, skippingKickOf: nil)
        }
        run(work)
    }

    private func tick() {
        run(withState(skippingKickOf: nil) { $0.tick(now: .now, effects: &$1) })
    }

    // MARK: Effects

    private func withState(
        skippingKickOf current: ConnectionID?,
        _ body: (inout State, inout State.Effects) -> Void
    ) -> Work {
        locked.withLock { locked in
            var effects = State.Effects()
            body(&locked.state, &effects)
            var work = resolve(effects, in: &locked, skippingKickOf: current)
            if !locked.timerWanted {
                locked.timerWanted = true
                work.startTimer = true
            }
            return work
        }
    }

    /// Resolves connection IDs to links. A kick of `current` is skipped: its handler has just taken
    /// its outbox.
    private func resolve(_ effects: State.Effects, in locked: inout Locked, skippingKickOf current: ConnectionID?) -> Work {
        var work = Work()
        work.completions = effects.completions
        for id in effects.kicks where id != current {
            if let link = locked.links[id] { work.kicks.append(link) }
        }
        work.connects = effects.connects
        for id in effects.closes {
            if let link = locked.links[id] { work.closes.append(link.channel) }
        }
        work.providerTokenExpired = effects.providerTokenExpired
        return work
    }

    private func run(_ work: Work) {
        for (waiter, outcome) in work.completions { waiter.resume(returning: outcome) }
        for link in work.kicks {
            link.handler.eventLoop.execute { link.handler.value.drainOutbox() }
        }
        for channel in work.closes { channel.close(promise: nil) }
        for id in work.connects { connect(id) }
        if work.providerTokenExpired { shared.providerToken?.invalidate() }
        if work.startTimer { startTimer() }
    }

    private func startTimer() {
        let task = group.next().scheduleRepeatedTask(initialDelay: tickInterval, delay: tickInterval) { [self] _ in tick() }
        let cancelled = locked.withLock { locked -> Bool in
            // A shutdown raced us: it took no timer to cancel, so cancel this one.
            if locked.state.isShutDown { return true }
            locked.timer = task
            return false
        }
        if cancelled { task.cancel() }
    }

    // MARK: HTTP/2 settings

    /// APNs is trusted, and it legitimately sends bursts of SETTINGS (its stream limit drops to 1
    /// after each rejection and comes back after a success) and of RST_STREAM, which NIO's
    /// server-minded defaults (200 per 30 s) would treat as an attack and close the connection.
    static let http2Connection: NIOHTTP2Handler.ConnectionConfiguration = {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = [
            HTTP2Setting(parameter: .enablePush, value: 0),
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 0),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 16_384),
        ]
        // We build every request header block ourselves and read only `:status` back.
        configuration.headerBlockValidation = .disabled
        configuration.maximumConnectionGlitches = 1_000_000
        configuration.maximumRecentlyResetStreams = 4_096
        configuration.controlFrameRateLimit.maximumCount = 10_000
        configuration.controlFrameRateLimit.windowLength = .seconds(1)
        return configuration
    }()

    static let http2Streams: NIOHTTP2Handler.StreamConfiguration = {
        var configuration = NIOHTTP2Handler.StreamConfiguration()
        configuration.streamResetFrameRateLimit.maximumCount = 10_000
        configuration.streamResetFrameRateLimit.windowLength = .seconds(1)
        configuration.streamErrorRateLimit.maximumCount = 10_000
        configuration.streamErrorRateLimit.windowLength = .seconds(1)
        return configuration
    }()
}
