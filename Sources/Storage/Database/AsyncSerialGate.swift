/// An async, FIFO, cancellation-safe mutual exclusion.
///
/// `withExclusiveAccess` runs one body at a time, in the order callers arrived. A caller that is
/// cancelled while waiting leaves the queue at once and throws `CancellationError`; a caller that
/// already holds the gate keeps it until its body returns (the body decides what cancellation
/// means). Ownership is handed straight from the releasing caller to the next waiter, so a
/// newcomer can never overtake the queue.
///
/// After `close(error:)` every waiter and every later caller throws that error; a body already
/// running finishes normally.
///
/// Not reentrant: calling `withExclusiveAccess` from inside its own body deadlocks. Each grant
/// has a hold number, so callers that can nest (SQLiteDatabase) remember theirs in a task-local
/// and ask ``isHeld(by:)`` before waiting.
actor AsyncSerialGate {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    /// The current holder's hold number, nil when free.
    private var holder: UInt64?
    private var closedError: (any Error)?
    private var waiters: [Waiter] = []
    /// Index of the first live waiter in `waiters` (a cheap FIFO queue without Deque).
    private var head = 0
    private var nextID: UInt64 = 0

    init() {}

    /// Number of callers waiting (not counting the holder). For tests and diagnostics.
    var waitingCount: Int { waiters.count - head }

    /// Whether a caller currently holds the gate.
    var isLocked: Bool { holder != nil }

    /// Whether the grant numbered `hold` is the current one (false once it has been released).
    func isHeld(by hold: UInt64) -> Bool { holder == hold }

    /// Waits for the gate (FIFO), runs `body` alone, releases the gate however `body` ends.
    nonisolated func withExclusiveAccess<T: Sendable>(
        _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await withExclusiveAccess { (_: UInt64) in try await body() }
    }

    /// Like `withExclusiveAccess(_:)`, passing `body` its hold number.
    nonisolated func withExclusiveAccess<T: Sendable>(
        _ body: @Sendable (_ hold: UInt64) async throws -> T
    ) async throws -> T {
        let hold = try await acquire()
        do {
            let value = try await body(hold)
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }

    /// Takes the gate, waiting in line if it is held, and returns the hold number. Throws
    /// `CancellationError` if the task is (or becomes) cancelled before it gets the gate, or the
    /// close error once closed.
    @discardableResult
    func acquire() async throws -> UInt64 {
        if let closedError { throw closedError }
        try Task.checkCancellation()
        let id = nextID
        nextID &+= 1
        if holder == nil {
            holder = id
            return id
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Runs synchronously on this actor. A cancellation that raced in before this
                // point is seen here; one that comes later finds the waiter in the queue.
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append(Waiter(id: id, continuation: continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
        return id
    }

    /// Gives the gate to the next waiter, or frees it.
    func release() {
        precondition(holder != nil, "AsyncSerialGate released while not held")
        if head < waiters.count {
            let next = waiters[head]
            head += 1
            compactIfNeeded()
            // Ownership passes directly to the next in line.
            holder = next.id
            next.continuation.resume()
        } else {
            holder = nil
        }
    }

    /// Fails every waiter and all later `acquire` calls with `error`. The current holder (if any)
    /// keeps running and releases normally.
    func close(error: any Error) {
        closedError = error
        let pending = waiters[head...]
        waiters.removeAll()
        head = 0
        for waiter in pending { waiter.continuation.resume(throwing: error) }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters[head...].firstIndex(where: { $0.id == id }) else {
            return // already granted the gate (or already failed): nothing to undo
        }
        let waiter = waiters.remove(at: index)
        waiter.continuation.resume(throwing: CancellationError())
    }

    private func compactIfNeeded() {
        if head == waiters.count {
            waiters.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= waiters.count {
            waiters.removeFirst(head)
            head = 0
        }
    }
}
