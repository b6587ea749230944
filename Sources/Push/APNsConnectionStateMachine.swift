/// The state of one HTTP/2 connection to APNs, as a pure value: events in, actions out.
///
/// It owns no socket, timer or clock. The network layer reports events (connected, SETTINGS,
/// responses, resets, GOAWAY, PING acks, clock ticks, close) and carries out the returned
/// ``Action``s. Every request handed to ``reserveStream(for:deadline:now:)`` comes back exactly
/// once: as the `request` of a ``Completion`` from ``responseReceived(streamID:accepted:now:)``, or
/// inside a `.retryElsewhere`, `.timedOut` or `.close` action. That is the property that keeps
/// pushes from vanishing when APNs stalls, resets or drains a connection.
public struct APNsConnectionStateMachine: Sendable {
    /// Tunables; the defaults follow widely used APNs clients (apns2, for one), whose values APNs tolerates.
    public struct Configuration: Hashable, Sendable {
        /// Our own ceiling on streams in flight, whatever APNs allows: it bounds memory.
        public var maximumConcurrentStreams: Int
        /// Send a PING after this long without any frame from APNs (apns2 uses 15 s).
        public var pingInterval: Duration
        /// Close the connection if the PING is not acknowledged within this.
        public var pingTimeout: Duration
        /// Give up on a connection that has not completed its handshake within this.
        public var connectTimeout: Duration
        /// Token (JWT) authentication: APNs allows one stream until a request succeeds.
        public var tokenAuthentication: Bool
        /// The highest stream ID we may use; lower only in tests.
        public var maximumStreamID: Int32
        /// Ask for a replacement connection once a stream ID at or above this fraction of
        /// ``maximumStreamID`` is used, so the replacement is ready before IDs run out.
        public var rotationFraction: Double

        public init(
            maximumConcurrentStreams: Int = 1000,
            pingInterval: Duration = .seconds(15),
            pingTimeout: Duration = .seconds(5),
            connectTimeout: Duration = .seconds(10),
            tokenAuthentication: Bool = false,
            maximumStreamID: Int32 = .max,
            rotationFraction: Double = 0.9
        ) {
            precondition(maximumConcurrentStreams >= 1, "need at least one stream")
            precondition(maximumStreamID >= 1, "need at least one stream ID")
            precondition(rotationFraction > 0 && rotationFraction <= 1, "rotationFraction must be in (0, 1]")
            self.maximumConcurrentStreams = maximumConcurrentStreams
            self.pingInterval = pingInterval
            self.pingTimeout = pingTimeout
            self.connectTimeout = connectTimeout
            self.tokenAuthentication = tokenAuthentication
            self.maximumStreamID = maximumStreamID
            self.rotationFraction = rotationFraction
        }
    }

    /// Where the connection is in its life.
    public enum Phase: Hashable, Sendable {
        /// Not yet connecting.
        case idle
        /// TCP/TLS/HTTP/2 handshake under way.
        case connecting
        /// Open for new streams.
        case active
        /// No new streams; in-flight ones may finish (after GOAWAY, rotation or ``drain(now:)``).
        case draining
        /// Finished; refuses everything.
        case closed
    }

    /// Why the machine wants the connection closed.
    public enum CloseReason: Hashable, Sendable {
        /// The handshake did not finish in time.
        case connectTimeout
        /// APNs did not answer a PING in time: the connection is presumed dead.
        case pingTimeout
        /// APNs sent GOAWAY and every stream it processed has finished.
        case goAway(errorCode: UInt32)
        /// Stream IDs ran out and every in-flight stream has finished.
        case streamIDsExhausted
        /// The owner asked to drain (e.g. rotation or idle reaping) and it has.
        case drained
    }

    /// What the network layer must do.
    public enum Action: Hashable, Sendable {
        /// Nothing.
        case none
        /// Send an HTTP/2 PING.
        case sendPing
        /// Close the connection; these in-flight requests were never answered: send them elsewhere.
        case close(CloseReason, retryElsewhere: [RequestID])
        /// These requests were not processed by APNs: send them on another connection.
        case retryElsewhere([RequestID])
        /// These requests passed their deadline: reset their streams (RST_STREAM CANCEL) and treat
        /// them as a retryable timeout.
        case timedOut([RequestID])
        /// Stream IDs are running low: open a replacement connection, then ``drain(now:)`` this one.
        case openReplacement
    }

    /// The result of a response: which request it answered (nil for a late or unknown stream,
    /// e.g. one already timed out) and what to do next.
    public struct Completion: Hashable, Sendable {
        public var request: RequestID?
        public var action: Action

        public init(request: RequestID?, action: Action) {
            self.request = request
            self.action = action
        }
    }

    private struct InFlight: Hashable, Sendable {
        var request: RequestID
        var deadline: ContinuousClock.Instant
    }

    private enum Replacement: Hashable, Sendable { case notNeeded, pending, signalled }

    /// The configuration the machine was made with.
    public let configuration: Configuration
    /// The current phase.
    public private(set) var phase: Phase = .idle
    /// APNs's SETTINGS_MAX_CONCURRENT_STREAMS; `nil` until it sends one (HTTP/2: unlimited).
    public private(set) var peerMaximumConcurrentStreams: Int?
    /// Whether any request has succeeded on this connection (lifts token auth's single stream).
    public private(set) var hasSucceeded = false

    private var inFlight: [StreamID: InFlight] = [:]
    // Int64 so stepping past Int32.max can't trap.
    private var nextStreamID: Int64 = 1
    private var rotationThreshold: Int64
    private var replacement = Replacement.notNeeded
    private var connectStartedAt: ContinuousClock.Instant?
    private var lastFrameAt: ContinuousClock.Instant?
    private var pingSentAt: ContinuousClock.Instant?
    private var drainReason = CloseReason.drained

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.rotationThreshold = Int64(Double(configuration.maximumStreamID) * configuration.rotationFraction)
    }

    // MARK: Queries

    /// Requests in flight.
    public var inFlightCount: Int { inFlight.count }

    /// Streams we may have in flight now: the peer's limit, capped by ours, and 1 under token auth
    /// until the first success; 0 unless active.
    public var streamLimit: Int {
        guard phase == .active else { return 0 }
        var limit = min(configuration.maximumConcurrentStreams, peerMaximumConcurrentStreams ?? .max)
        if configuration.tokenAuthentication && !hasSucceeded { limit = min(limit, 1) }
        return limit
    }

    /// Free stream slots now; what a pool compares connections by.
    public var availableStreams: Int { max(0, streamLimit - inFlight.count) }

    /// Whether a replacement connection has been asked for because stream IDs are running low.
    public var needsReplacement: Bool { replacement != .notNeeded }

    // MARK: Events

    /// The owner starts connecting.
    public mutating func connect(now: ContinuousClock.Instant) {
        guard phase == .idle else { return }
        phase = .connecting
        connectStartedAt = now
    }

    /// The handshake finished and APNs's first SETTINGS arrived.
    public mutating func connected(maxConcurrentStreams: Int?, now: ContinuousClock.Instant) -> Action {
        guard phase == .idle || phase == .connecting else { return .none }
        phase = .active
        peerMaximumConcurrentStreams = maxConcurrentStreams.map { max(0, $0) }
        lastFrameAt = now
        return .none
    }

    /// APNs changed SETTINGS_MAX_CONCURRENT_STREAMS (it drops to 1 after a rejected push and
    /// restores it after an accepted one). Streams already open above a lower limit keep running;
    /// APNs refuses any it won't process with RST_STREAM, reported via ``streamReset(streamID:now:)``.
    public mutating func settingsChanged(maxConcurrentStreams: Int?, now: ContinuousClock.Instant) -> Action {
        guard phase == .active || phase == .draining else { return .none }
        peerMaximumConcurrentStreams = maxConcurrentStreams.map { max(0, $0) }
        lastFrameAt = now
        return .none
    }

    /// Reserves a stream for `request`, or returns `nil` if the connection is not active, is at its
    /// stream limit, or has no stream IDs left; the caller then tries another connection.
    public mutating func reserveStream(
        for request: RequestID,
        deadline: ContinuousClock.Instant,
        now: ContinuousClock.Instant
    ) -> StreamID? {
        guard inFlight.count < streamLimit, nextStreamID <= Int64(configuration.maximumStreamID) else {
            return nil
        }
        let id = StreamID(Int32(nextStreamID))
        inFlight[id] = InFlight(request: request, deadline: deadline)
        nextStreamID += 2
        if Int64(id.rawValue) >= rotationThreshold && replacement == .notNeeded { replacement = .pending }
        if nextStreamID > Int64(configuration.maximumStreamID) {
            // The last ID is used: finish what's in flight, then close.
            phase = .draining
            drainReason = .streamIDsExhausted
        }
        return id
    }

    /// A complete response arrived on `streamID`; `accepted` is true for a 2xx status.
    public mutating func responseReceived(
        streamID: StreamID,
        accepted: Bool,
        now: ContinuousClock.Instant
    ) -> Completion {
        guard phase == .active || phase == .draining else { return Completion(request: nil, action: .none) }
        lastFrameAt = now
        if accepted { hasSucceeded = true }
        guard let entry = inFlight.removeValue(forKey: streamID) else {
            return Completion(request: nil, action: .none)
        }
        return Completion(request: entry.request, action: closeIfDrained(retrying: []))
    }

    /// APNs reset `streamID` (e.g. REFUSED_STREAM after lowering its limit) before answering.
    public mutating func streamReset(streamID: StreamID, now: ContinuousClock.Instant) -> Action {
        guard phase == .active || phase == .draining else { return .none }
        lastFrameAt = now
        guard let entry = inFlight.removeValue(forKey: streamID) else { return .none }
        return closeIfDrained(retrying: [entry.request])
    }

    /// APNs sent GOAWAY: streams above `lastStreamID` were never processed and go elsewhere;
    /// those at or below it may still complete here. No new streams.
    public mutating func goAway(lastStreamID: StreamID, errorCode: UInt32 = 0, now: ContinuousClock.Instant) -> Action {
        switch phase {
        case .idle, .closed:
            return .none
        case .connecting:
            phase = .closed
            return .close(.goAway(errorCode: errorCode), retryElsewhere: [])
        case .active, .draining:
            lastFrameAt = now
            let unprocessed = inFlight.filter { $0.key > lastStreamID }.sorted { $0.key < $1.key }
            for (id, _) in unprocessed { inFlight[id] = nil }
            phase = .draining
            drainReason = .goAway(errorCode: errorCode)
            return closeIfDrained(retrying: unprocessed.map(\.value.request))
        }
    }

    /// APNs acknowledged our PING.
    public mutating func pingAcknowledged(now: ContinuousClock.Instant) {
        guard phase == .active || phase == .draining else { return }
        pingSentAt = nil
        lastFrameAt = now
    }

    /// The owner wants this connection retired (rotation, idle reaping): no new streams, close
    /// once in-flight streams finish.
    public mutating func drain(now: ContinuousClock.Instant) -> Action {
        switch phase {
        case .idle, .connecting:
            phase = .closed
            return .close(.drained, retryElsewhere: [])
        case .active:
            phase = .draining
            drainReason = .drained
            return closeIfDrained(retrying: [])
        case .draining, .closed:
            return .none
        }
    }

    /// Time passed: expire deadlines, check the handshake and PING health, signal rotation.
    /// Returns the actions in the order to perform them.
    public mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .idle, .closed:
            return []
        case .connecting:
            if let started = connectStartedAt, started.duration(to: now) >= configuration.connectTimeout {
                phase = .closed
                return [.close(.connectTimeout, retryElsewhere: [])]
            }
            return []
        case .active, .draining:
            break
        }
        var actions: [Action] = []
        let expired = inFlight.filter { $0.value.deadline <= now }.sorted { $0.key < $1.key }
        if !expired.isEmpty {
            for (id, _) in expired { inFlight[id] = nil }
            actions.append(.timedOut(expired.map(\.value.request)))
        }
        if let sent = pingSentAt, sent.duration(to: now) >= configuration.pingTimeout {
            let stranded = inFlight.sorted { $0.key < $1.key }.map(\.value.request)
            inFlight.removeAll()
            phase = .closed
            actions.append(.close(.pingTimeout, retryElsewhere: stranded))
            return actions
        }
        if pingSentAt == nil, let last = lastFrameAt, last.duration(to: now) >= configuration.pingInterval {
            pingSentAt = now
            actions.append(.sendPing)
        }
        if replacement == .pending {
            replacement = .signalled
            actions.append(.openReplacement)
        }
        let close = closeIfDrained(retrying: [])
        if close != .none { actions.append(close) }
        return actions
    }

    /// The connection is gone (closed by us after a `.close` action, or reset by the network).
    /// Anything still in flight was never answered and goes elsewhere.
    public mutating func closed(now: ContinuousClock.Instant) -> Action {
        guard phase != .closed else { return .none }
        phase = .closed
        let stranded = inFlight.sorted { $0.key < $1.key }.map(\.value.request)
        inFlight.removeAll()
        return stranded.isEmpty ? .none : .retryElsewhere(stranded)
    }

    // MARK: Helpers

    /// In draining with nothing left in flight, close; otherwise hand back `requests` (if any).
    private mutating func closeIfDrained(retrying requests: [RequestID]) -> Action {
        if phase == .draining && inFlight.isEmpty {
            phase = .closed
            return .close(drainReason, retryElsewhere: requests)
        }
        return requests.isEmpty ? .none : .retryElsewhere(requests)
    }
}
