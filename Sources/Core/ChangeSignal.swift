import Synchronization

/// Tells one consumer that something it waits for may have happened (pushes fell due, a message
/// was queued, a broadcast was created), so it can look now instead of at its next poll.
///
/// Signals coalesce: any number of ``signal()`` calls before the consumer looks count as one, so
/// a burst of commits costs one wake-up and memory stays constant. A signal while nobody waits is
/// kept for the next wait, so none is lost between a consumer's check and its wait.
///
/// One consumer at a time: a second waiter replaces the first, which returns as if signalled.
public final class ChangeSignal: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var pending = false
        var waiter: Waiter?
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the consumer, now or when it next waits.
    public func signal() {
        let waiter = state.withLock { s -> Waiter? in
            guard let w = s.waiter else {
                s.pending = true
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.continuation.resume(returning: true)
    }

    /// Returns at the next signal (at once if one came since the last wait), or when the task is
    /// cancelled.
    /// - Returns: `true` if signalled, `false` if cancelled.
    @discardableResult
    public func wait() async -> Bool {
        await suspend(id: newID())
    }

    /// Returns at the next signal (at once if one came since the last wait), after `timeout`, or
    /// when the task is cancelled: a worker's poll that a signal can cut short.
    /// - Returns: `true` if signalled, `false` on timeout or cancellation.
    @discardableResult
    public func wait(timeout: Duration) async -> Bool {
        let id = newID()
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Expiry names this wait: a timer that fires late never ends a later wait, and
                // never leaves a signal pending (so the next wait does not return spuriously).
                do {
                    try await Task.sleep(for: timeout)
                    self.expire(id)
                } catch {}
            }
            let signalled = await suspend(id: id)
            group.cancelAll()
            return signalled
        }
    }

    /// The wake-ups as a sequence, for a consumer that loops `for await _ in signal.notifications`;
    /// it ends when the iterating task is cancelled. Iterate from one task only.
    public var notifications: AsyncStream<Void> {
        AsyncStream(unfolding: { [self] in await wait() ? () : nil })
    }

    private func newID() -> UInt64 {
        state.withLock { s in
            s.nextID &+= 1
            return s.nextID
        }
    }

    private func suspend(id: UInt64) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let (now, replaced) = state.withLock { s -> (Bool?, Waiter?) in
                    if s.pending {
                        s.pending = false
                        return (true, nil)
                    }
                    // Checked under the lock: a cancellation after this finds the waiter stored.
                    if Task.isCancelled { return (false, nil) }
                    defer { s.waiter = Waiter(id: id, continuation: c) }
                    return (nil, s.waiter)
                }
                replaced?.continuation.resume(returning: true)
                if let now { c.resume(returning: now) }
            }
        } onCancel: {
            expire(id)
        }
    }

    /// Ends wait `id` unsignalled, if it is still waiting.
    private func expire(_ id: UInt64) {
        let waiter = state.withLock { s -> Waiter? in
            guard let w = s.waiter, w.id == id else { return nil }
            s.waiter = nil
            return w
        }
        waiter?.continuation.resume(returning: false)
    }
}
