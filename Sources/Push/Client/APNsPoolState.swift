import Core
import NIOCore

/// Identifies one connection of a pool.
struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    let rawValue: UInt64
    var description: String { "c\(rawValue)" }
}

/// What a connection's handler is to write, in order.
enum OutboxItem: Sendable, Hashable {
    /// Open `stream` with a push to `token` (HEADERS + DATA `{}`).
    case open(StreamID, RequestID, PushToken)
    /// RST_STREAM CANCEL: the request timed out.
    case reset(StreamID)
    /// An HTTP/2 PING health check.
    case ping
}

/// What a connection's handler read, in order; handed to the pool once per read burst.
enum ConnectionEvent: Sendable, Hashable {
    /// APNs's first SETTINGS: the connection is up.
    case connected(maxConcurrentStreams: Int?)
    /// APNs changed SETTINGS_MAX_CONCURRENT_STREAMS.
    case settingsChanged(maxConcurrentStreams: Int?)
    case response(StreamID, APNsResponse)
    /// RST_STREAM; `refused` for REFUSED_STREAM.
    case reset(StreamID, refused: Bool)
    case goAway(lastStreamID: StreamID, errorCode: UInt32)
    case pingAcknowledged
}

/// The connection pool of one topic as a pure value: requests and network events in, effects out.
///
/// It owns one ``APNsConnectionStateMachine`` per connection and a bounded FIFO of requests
/// waiting for a stream. It performs no I/O and reads no clock: ``APNsPool`` feeds it under a lock
/// and carries out the ``Effects``. Every request submitted comes back exactly once, as a
/// completion in some call's effects: answered, timed out, refused at once (queue full, APNs
/// unreachable, shut down), or after a bounded number of re-sends of a push APNs never processed.
struct APNsPoolState<Waiter> {
    /// Tunables, derived from ``APNsClientConfiguration``.
    struct Settings: Sendable {
        var connections: Int
        var connection: APNsConnectionStateMachine.Configuration
        var requestTimeout: Duration
        var maxPending: Int
        var backoff: RetryPolicy
        var stagger: Duration
        var idleTimeout: Duration
        var maxResends: Int
    }

    /// What the owner must do after a call, outside its lock.
    struct Effects {
        /// Resume these waiters with these outcomes.
        var completions: [(Waiter, PushOutcome)] = []
        /// These connections have items in their outbox: have their handler drain it.
        var kicks: [ConnectionID] = []
        /// Start connecting these new connections.
        var connects: [ConnectionID] = []
        /// Close these connections' channels.
        var closes: [ConnectionID] = []
        /// APNs said the provider token expired: sign a new one.
        var providerTokenExpired = false

        init() {}
    }

    private struct Record {
        var token: PushToken
        var waiter: Waiter
        var deadline: ContinuousClock.Instant
        /// Where it was sent; nil while waiting.
        var connection: ConnectionID?
        var stream: StreamID?
        /// Whether the handler has written its HEADERS (only then may it be reset).
        var written = false
        var resends = 0
    }

    // Not nested in this generic type, so that reading them needs no generic value witnesses.
    private typealias Connection = PoolConnection
    private typealias Slot = PoolSlot

    private enum Place {
        case slot(Int)
        case retired(ConnectionID)
    }

    let settings: Settings
    private var slots: [Slot]
    /// Connections taken out of their slot (GOAWAY, rotation, provider token) finishing their streams.
    private var retired: [ConnectionID: Connection] = [:]
    private var records: [RequestID: Record] = [:]
    private var waiting = CircularBuffer<PoolWaiting>()
    private var nextRequest: UInt64 = 0
    private var nextConnection: UInt64 = 0
    private var lastConnectStart: ContinuousClock.Instant?
    private var lastDemand: ContinuousClock.Instant?
    private(set) var isShutDown = false
    private var random: SplitMix64

    init(settings: Settings, seed: UInt64) {
        precondition(settings.connections >= 1, "a pool needs a connection")
        self.settings = settings
        self.slots = Array(repeating: Slot(), count: settings.connections)
        self.random = SplitMix64(seed: seed)
    }

    // MARK: Queries

    /// Requests not yet completed.
    var outstanding: Int { records.count }
    /// Requests waiting for a stream.
    var waitingCount: Int { waiting.count }

    var snapshot: APNsClientSnapshot {
        var result = APNsClientSnapshot(waiting: waiting.count)
        for slot in slots {
            guard let connection = slot.connection else { continue }
            switch connection.machine.phase {
            case .active: result.activeConnections += 1
            case .idle, .connecting: result.connectingConnections += 1
            case .draining: result.drainingConnections += 1
            case .closed: break
            }
            result.inFlight += connection.machine.inFlightCount
        }
        for connection in retired.values {
            result.drainingConnections += 1
            result.inFlight += connection.machine.inFlightCount
        }
        return result
    }

    /// Every connection the pool knows (open, connecting or draining).
    var connectionIDs: [ConnectionID] {
        slots.compactMap(\.id) + retired.keys
    }

    /// Whether `id` is still part of the pool (a channel for an unknown one is closed at once).
    func contains(_ id: ConnectionID) -> Bool { locate(id) != nil }

    // MARK: Requests

    /// A new push to `token`; `waiter` comes back in some call's completions with its outcome.
    mutating func submit(_ token: PushToken, waiter: Waiter, now: ContinuousClock.Instant, effects: inout Effects) {
        if isShutDown {
            effects.completions.append((waiter, .retry(.transport(.clientShutDown))))
            return
        }
        lastDemand = now
        startConnections(now: now, effects: &effects)
        let fastSlot = waiting.isEmpty ? bestSlot() : nil
        if fastSlot == nil {
            if isUnreachable {
                effects.completions.append((waiter, .retry(.transport(.unreachable))))
                return
            }
            if waiting.count >= settings.maxPending {
                effects.completions.append((waiter, .retry(.transport(.overloaded))))
                return
            }
        }
        nextRequest &+= 1
        let entry = PoolWaiting(request: RequestID(nextRequest), deadline: now.advanced(by: settings.requestTimeout), token: token)
        records[entry.request] = Record(token: token, waiter: waiter, deadline: entry.deadline)
        if let fastSlot {
            assign(entry, to: fastSlot, now: now, effects: &effects)
        } else {
            waiting.append(entry)
        }
    }

    /// Hands connection `id`'s outbox to its handler: swaps it with `buffer` (which must be empty,
    /// and whose capacity the outbox keeps, so this allocates nothing), then leaves out requests
    /// that have since moved or finished and marks the rest written.
    mutating func takeOutbox(_ id: ConnectionID, into buffer: inout [OutboxItem]) {
        guard let place = locate(id) else { return }
        update(place) { connection in
            connection.kickPending = false
            swap(&connection.outbox, &buffer)
        }
        var kept = 0
        for index in buffer.indices {
            let item = buffer[index]
            if case .open(let stream, let request, _) = item {
                guard let position = records.index(forKey: request), records.values[position].connection == id,
                      records.values[position].stream == stream
                else { continue }
                records.values[position].written = true
            }
            buffer[kept] = item
            kept += 1
        }
        buffer.removeLast(buffer.count - kept)
    }

    // MARK: Network events

    /// One event read from connection `id`.
    mutating func handle(_ event: ConnectionEvent, from id: ConnectionID, now: ContinuousClock.Instant, effects: inout Effects) {
        switch event {
        case .connected(let limit): connected(id, maxConcurrentStreams: limit, now: now, effects: &effects)
        case .settingsChanged(let limit): settingsChanged(id, maxConcurrentStreams: limit, now: now, effects: &effects)
        case .response(let stream, let response): responseReceived(id, stream: stream, response: response, now: now, effects: &effects)
        case .reset(let stream, let refused): streamReset(id, stream: stream, refused: refused, now: now, effects: &effects)
        case .goAway(let last, let code): goAway(id, lastStreamID: last, errorCode: code, now: now, effects: &effects)
        case .pingAcknowledged: pingAcknowledged(id, now: now)
        }
    }

    /// The handshake finished and APNs's first SETTINGS arrived.
    mutating func connected(_ id: ConnectionID, maxConcurrentStreams: Int?, now: ContinuousClock.Instant, effects: inout Effects) {
        guard let place = locate(id) else { return }
        let action = update(place) { $0.machine.connected(maxConcurrentStreams: maxConcurrentStreams, now: now) }
        perform(action, on: id, failure: .connectionReset, now: now, effects: &effects)
        dispatchWaiting(now: now, effects: &effects)
    }

    /// APNs changed SETTINGS_MAX_CONCURRENT_STREAMS.
    mutating func settingsChanged(_ id: ConnectionID, maxConcurrentStreams: Int?, now: ContinuousClock.Instant, effects: inout Effects) {
        guard let place = locate(id) else { return }
        let action = update(place) { $0.machine.settingsChanged(maxConcurrentStreams: maxConcurrentStreams, now: now) }
        perform(action, on: id, failure: .connectionReset, now: now, effects: &effects)
        dispatchWaiting(now: now, effects: &effects)
    }

    /// A complete response arrived on `stream`.
    mutating func responseReceived(
        _ id: ConnectionID,
        stream: StreamID,
        response: APNsResponse,
        now: ContinuousClock.Instant,
        effects: inout Effects
    ) {
        guard let place = locate(id) else { return }
        let accepted = (200..<300).contains(response.status)
        let completion = update(place) { connection in
            connection.answered = true
            connection.lastUsed = now
            return connection.machine.responseReceived(streamID: stream, accepted: accepted, now: now)
        }
        if case .slot(let index) = place { slots[index].failures = 0 }
        if let request = completion.request {
            complete(request, accepted ? .delivered : PushOutcome(response), effects: &effects)
        }
        perform(completion.action, on: id, failure: .connectionReset, now: now, effects: &effects)
        if response.reason == .expiredProviderToken {
            // APNs wedges a connection whose token it called expired (pushy): retire it.
            effects.providerTokenExpired = true
            retireAndDrain(id, now: now, effects: &effects)
        }
        dispatchWaiting(now: now, effects: &effects)
    }

    /// APNs reset `stream` before answering; `refused` for REFUSED_STREAM (never processed).
    mutating func streamReset(_ id: ConnectionID, stream: StreamID, refused: Bool, now: ContinuousClock.Instant, effects: inout Effects) {
        guard let place = locate(id) else { return }
        let action = update(place) { $0.machine.streamReset(streamID: stream, now: now) }
        perform(action, on: id, failure: refused ? .refusedStream : .connectionReset, now: now, effects: &effects)
        dispatchWaiting(now: now, effects: &effects)
    }

    /// APNs sent GOAWAY: streams above `lastStreamID` go to other connections; the slot gets a
    /// new connection after a short jittered delay.
    mutating func goAway(
        _ id: ConnectionID,
        lastStreamID: StreamID,
        errorCode: UInt32,
        now: ContinuousClock.Instant,
        effects: inout Effects
    ) {
        guard let place = locate(id) else { return }
        let action = update(place) { $0.machine.goAway(lastStreamID: lastStreamID, errorCode: errorCode, now: now) }
        retire(id, backOff: true, now: now)
        perform(action, on: id, failure: .goAwayUnprocessed, now: now, effects: &effects)
        startConnections(now: now, effects: &effects)
        dispatchWaiting(now: now, effects: &effects)
    }

    /// APNs acknowledged our PING.
    mutating func pingAcknowledged(_ id: ConnectionID, now: ContinuousClock.Instant) {
        guard let place = locate(id) else { return }
        update(place) { $0.machine.pingAcknowledged(now: now) }
    }

    /// The channel is gone (closed by us, by APNs, by the network, or it never connected).
    mutating func closed(_ id: ConnectionID, now: ContinuousClock.Instant, effects: inout Effects) {
        guard let place = locate(id) else { return }
        let connection = remove(place)
        var machine = connection.machine
        let everActive = machine.phase == .active || machine.phase == .draining
        let action = machine.closed(now: now)
        if case .slot(let index) = place {
            if !connection.answered { slots[index].failures += 1 }
            backOff(slot: index, now: now)
        }
        if case .retryElsewhere(let stranded) = action {
            resend(stranded, failure: .connectionReset, now: now, effects: &effects)
        }
        if !everActive && isUnreachable {
            // Every slot's attempt failed and no connection is up or on its way: say so now rather
            // than let the waiting requests run into their deadlines.
            failWaiting(.unreachable, effects: &effects)
        }
        startConnections(now: now, effects: &effects)
        dispatchWaiting(now: now, effects: &effects)
    }

    /// Time passed: deadlines, PING health, handshake timeouts, rotation, idle connections,
    /// reconnection, requests waiting past their deadline.
    mutating func tick(now: ContinuousClock.Instant, effects: inout Effects) {
        for id in connectionIDs {
            guard let place = locate(id) else { continue }
            let actions = update(place) { $0.machine.tick(now: now) }
            for action in actions {
                perform(action, on: id, failure: .connectionReset, now: now, effects: &effects)
            }
        }
        for index in slots.indices {
            guard let connection = slots[index].connection, connection.machine.phase == .active,
                  connection.machine.inFlightCount == 0, connection.outbox.isEmpty,
                  connection.lastUsed.duration(to: now) >= settings.idleTimeout
            else { continue }
            let action = slots[index].update { $0.machine.drain(now: now) }
            perform(action, on: connection.id, failure: .connectionReset, now: now, effects: &effects)
        }
        while let first = waiting.first {
            guard isWaiting(first.request) else {
                waiting.removeFirst()
                continue
            }
            guard first.deadline <= now else { break }
            waiting.removeFirst()
            complete(first.request, .retry(.transport(.timedOut)), effects: &effects)
        }
        startConnections(now: now, effects: &effects)
        dispatchWaiting(now: now, effects: &effects)
    }

    /// Stops: every outstanding request completes now (waiting ones as `.clientShutDown`, in-flight
    /// ones as `.connectionReset`), every connection is to be closed, and later submits are refused.
    mutating func shutdown(now: ContinuousClock.Instant, effects: inout Effects) {
        isShutDown = true
        failWaiting(.clientShutDown, effects: &effects)
        for id in connectionIDs {
            guard let place = locate(id) else { continue }
            var connection = remove(place)
            if case .retryElsewhere(let stranded) = connection.machine.closed(now: now) {
                for request in stranded { complete(request, .retry(.transport(.connectionReset)), effects: &effects) }
            }
            effects.closes.append(id)
        }
        // Anything left (a request whose stream was never reserved) must not be lost either.
        for request in Array(records.keys) { complete(request, .retry(.transport(.clientShutDown)), effects: &effects) }
    }

    // MARK: Machine actions

    private mutating func perform(
        _ action: APNsConnectionStateMachine.Action,
        on id: ConnectionID,
        failure: TransportFailure,
        now: ContinuousClock.Instant,
        effects: inout Effects
    ) {
        switch action {
        case .none:
            break
        case .sendPing:
            guard let place = locate(id) else { return }
            enqueue(.ping, on: place, effects: &effects)
        case .retryElsewhere(let requests):
            resend(requests, failure: failure, now: now, effects: &effects)
        case .timedOut(let requests):
            let place = locate(id)
            for request in requests {
                guard let record = records[request] else { continue }
                if let place, record.written, record.connection == id, let stream = record.stream {
                    enqueue(.reset(stream), on: place, effects: &effects)
                }
                complete(request, .retry(.transport(.timedOut)), effects: &effects)
            }
        case .close(let reason, let requests):
            let resendFailure: TransportFailure
            switch reason {
            case .goAway: resendFailure = .goAwayUnprocessed
            case .connectTimeout, .pingTimeout, .streamIDsExhausted, .drained: resendFailure = .connectionReset
            }
            if let place = locate(id) {
                remove(place)
                if case .slot(let index) = place {
                    switch reason {
                    case .connectTimeout, .pingTimeout:
                        slots[index].failures += 1
                        backOff(slot: index, now: now)
                    case .goAway:
                        backOff(slot: index, now: now)
                    case .streamIDsExhausted, .drained:
                        slots[index].notBefore = nil
                    }
                }
                effects.closes.append(id)
            }
            resend(requests, failure: resendFailure, now: now, effects: &effects)
            if reason == .connectTimeout && isUnreachable { failWaiting(.unreachable, effects: &effects) }
        case .openReplacement:
            retireAndDrain(id, now: now, effects: &effects)
        }
    }

    /// Takes the connection out of its slot (so the slot reconnects) and drains it.
    private mutating func retireAndDrain(_ id: ConnectionID, now: ContinuousClock.Instant, effects: inout Effects) {
        retire(id, backOff: false, now: now)
        guard let place = locate(id) else { return }
        let action = update(place) { $0.machine.drain(now: now) }
        perform(action, on: id, failure: .connectionReset, now: now, effects: &effects)
        startConnections(now: now, effects: &effects)
    }

    /// Moves a connection from its slot to `retired`, so the slot gets a new connection: at once
    /// (subject to the stagger), or after a jittered back-off when APNs asked us to go away, so a
    /// GOAWAY to every connection does not bring them all back in the same instant.
    private mutating func retire(_ id: ConnectionID, backOff jitter: Bool, now: ContinuousClock.Instant) {
        guard case .slot(let index) = locate(id), let connection = slots[index].connection else { return }
        slots[index].set(nil)
        retired[id] = connection
        if jitter {
            backOff(slot: index, now: now)
        } else {
            slots[index].notBefore = nil
        }
    }

    // MARK: Requests on connections

    /// Sends the waiting requests, oldest first, while some connection has a free stream.
    private mutating func dispatchWaiting(now: ContinuousClock.Instant, effects: inout Effects) {
        while let first = waiting.first {
            guard isWaiting(first.request) else {
                waiting.removeFirst()
                continue
            }
            if first.deadline <= now {
                waiting.removeFirst()
                complete(first.request, .retry(.transport(.timedOut)), effects: &effects)
                continue
            }
            guard let index = bestSlot() else { return }
            waiting.removeFirst()
            assign(first, to: index, now: now, effects: &effects)
        }
    }

    /// Whether `request` is outstanding and not on a connection (a queue entry may be stale).
    private func isWaiting(_ request: RequestID) -> Bool {
        guard let position = records.index(forKey: request) else { return false }
        return records.values[position].connection == nil
    }

    /// Reserves a stream for `request` on the connection in slot `index`, which has a free one.
    private mutating func assign(_ entry: PoolWaiting, to index: Int, now: ContinuousClock.Instant, effects: inout Effects) {
        // One in-place pass over the connection: this runs for every request.
        let reserved = update(.slot(index)) { connection -> (StreamID, ConnectionID, kick: Bool, draining: Bool)? in
            guard let stream = connection.machine.reserveStream(for: entry.request, deadline: entry.deadline, now: now) else {
                return nil
            }
            connection.lastUsed = now
            connection.outbox.append(.open(stream, entry.request, entry.token))
            let kick = !connection.kickPending
            connection.kickPending = true
            return (stream, connection.id, kick, connection.machine.phase == .draining)
        }
        guard let (stream, id, kick, draining) = reserved else {
            // bestSlot said it had room; keep the request rather than lose it.
            waiting.prepend(entry)
            return
        }
        if kick { effects.kicks.append(id) }
        if let position = records.index(forKey: entry.request) {
            records.values[position].connection = id
            records.values[position].stream = stream
        }
        if draining {
            // That was the last stream ID: the slot needs a new connection.
            retire(id, backOff: false, now: now)
            startConnections(now: now, effects: &effects)
        }
    }

    /// Puts back requests APNs never processed, at the head of the queue, unless they have been
    /// re-sent too often or are past their deadline; those complete as retryable `failure`s.
    private mutating func resend(_ requests: [RequestID], failure: TransportFailure, now: ContinuousClock.Instant, effects: inout Effects) {
        for request in requests.reversed() {
            guard var record = records[request] else { continue }
            if isShutDown || record.resends >= settings.maxResends || record.deadline <= now {
                complete(request, .retry(.transport(failure)), effects: &effects)
                continue
            }
            record.resends += 1
            record.connection = nil
            record.stream = nil
            record.written = false
            records[request] = record
            waiting.prepend(PoolWaiting(request: request, deadline: record.deadline, token: record.token))
        }
    }

    private mutating func complete(_ request: RequestID, _ outcome: PushOutcome, effects: inout Effects) {
        guard let record = records.removeValue(forKey: request) else { return }
        effects.completions.append((record.waiter, outcome))
    }

    private mutating func failWaiting(_ failure: TransportFailure, effects: inout Effects) {
        while let entry = waiting.popFirst() {
            complete(entry.request, .retry(.transport(failure)), effects: &effects)
        }
    }

    private mutating func enqueue(_ item: OutboxItem, on place: Place, effects: inout Effects) {
        update(place) { connection in
            connection.outbox.append(item)
            if !connection.kickPending {
                connection.kickPending = true
                effects.kicks.append(connection.id)
            }
        }
    }

    // MARK: Connections

    /// The slot whose connection has the most free streams, if any has one.
    private func bestSlot() -> Int? {
        var best: Int?
        var bestFree = 0
        for index in slots.indices where slots[index].free > bestFree {
            best = index
            bestFree = slots[index].free
        }
        return best
    }

    /// Whether no connection is up or on its way and every slot's last attempt failed: new
    /// requests are refused at once rather than queued until their deadline.
    private var isUnreachable: Bool {
        if hasUsableConnection { return false }
        for index in slots.indices where slots[index].failures == 0 { return false }
        return true
    }

    /// Whether some slot's connection is up or on its way up.
    private var hasUsableConnection: Bool {
        for index in slots.indices where slots[index].usable { return true }
        return false
    }

    /// Opens connections for empty slots whose back-off is over, while there is demand, one per
    /// `stagger` once one is up or on its way.
    private mutating func startConnections(now: ContinuousClock.Instant, effects: inout Effects) {
        guard !isShutDown else { return }
        let demand = !waiting.isEmpty || lastDemand.map { $0.duration(to: now) < settings.idleTimeout } ?? false
        guard demand else { return }
        for index in slots.indices where slots[index].id == nil {
            if let notBefore = slots[index].notBefore, notBefore > now { continue }
            if hasUsableConnection, let last = lastConnectStart, last.duration(to: now) < settings.stagger { return }
            nextConnection += 1
            let id = ConnectionID(rawValue: nextConnection)
            var machine = APNsConnectionStateMachine(configuration: settings.connection)
            machine.connect(now: now)
            slots[index].set(Connection(id: id, machine: machine, lastUsed: now))
            slots[index].notBefore = nil
            lastConnectStart = now
            effects.connects.append(id)
        }
    }

    /// Sets the slot's next attempt after a jittered back-off for its failure count.
    private mutating func backOff(slot index: Int, now: ContinuousClock.Instant) {
        let delay = settings.backoff.delay(attempt: max(0, slots[index].failures - 1), using: &random)
        slots[index].notBefore = now.advanced(by: delay)
    }

    private func locate(_ id: ConnectionID) -> Place? {
        for index in slots.indices where slots[index].id == id { return .slot(index) }
        return retired[id] == nil ? nil : .retired(id)
    }

    @discardableResult
    private mutating func update<Result>(_ place: Place, _ body: (inout Connection) -> Result) -> Result {
        switch place {
        case .slot(let index): slots[index].update(body)
        case .retired(let id): body(&retired[id]!)
        }
    }

    @discardableResult
    private mutating func remove(_ place: Place) -> Connection {
        switch place {
        case .slot(let index):
            defer { slots[index].set(nil) }
            return slots[index].connection!
        case .retired(let id):
            return retired.removeValue(forKey: id)!
        }
    }
}

/// A request waiting for a stream, with what sending it needs.
struct PoolWaiting {
    var request: RequestID
    var deadline: ContinuousClock.Instant
    var token: PushToken
}

/// One connection of an ``APNsPoolState``.
struct PoolConnection {
    let id: ConnectionID
    var machine: APNsConnectionStateMachine
    var outbox: [OutboxItem] = []
    var kickPending = false
    var lastUsed: ContinuousClock.Instant
    /// A response arrived: the endpoint and credentials work.
    var answered = false
}

/// A place for one connection of an ``APNsPoolState``, kept across reconnections.
struct PoolSlot {
    /// Changed only through ``set(_:)`` and ``update(_:)``, which keep the cached fields below right.
    private(set) var connection: PoolConnection?
    /// Consecutive failed connections, for the back-off.
    var failures = 0
    /// No new connection before this (back-off).
    var notBefore: ContinuousClock.Instant?
    /// Read on every request, so kept apart from the connection (reading through it would copy it).
    private(set) var id: ConnectionID?
    /// Free streams on the connection now.
    private(set) var free = 0
    /// Whether the connection is up or on its way up.
    private(set) var usable = false

    mutating func set(_ connection: PoolConnection?) {
        self.connection = connection
        refresh()
    }

    /// Changes the connection (there must be one) in place.
    mutating func update<Result>(_ body: (inout PoolConnection) -> Result) -> Result {
        let result = body(&connection!)
        refresh()
        return result
    }

    private mutating func refresh() {
        guard connection != nil else {
            (id, free, usable) = (nil, 0, false)
            return
        }
        (id, free, usable) = connection!.summary()
    }
}

extension PoolConnection {
    /// Mutating only so that it is read in place.
    fileprivate mutating func summary() -> (id: ConnectionID, free: Int, usable: Bool) {
        let phase = machine.phase
        return (id, machine.availableStreams, phase == .active || phase == .connecting || phase == .idle)
    }
}

