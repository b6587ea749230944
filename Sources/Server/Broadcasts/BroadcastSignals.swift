import Storage
import Synchronization

/// Wakes a waiting loop early. A signal while nobody waits is kept (once) for the next wait.
final class BroadcastWakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
        var nextID = 0
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let w = s.waiter else {
                s.pending = true
                return nil
            }
            s.waiter = nil
            return w.continuation
        }
        waiter?.resume()
    }

    /// Returns on a signal, after `timeout`, or when the task is cancelled. One waiter at a time.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                try? await Task.sleep(for: timeout)
                signal()
            }
            await waitForSignal()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.pending || Task.isCancelled {
                        s.pending = false
                        return true
                    }
                    s.waiter = (id, c)
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                guard let w = s.waiter, w.id == id else { return nil }
                s.waiter = nil
                return w.continuation
            }
            waiter?.resume()
        }
    }
}

/// Passes devices fetched, kept in memory until the runner writes them to their broadcasts'
/// `fetched` counters in one batch (so a fetch costs a lock and a dictionary update, not a
/// write). Repeated fetches of one version are one entry with a count.
final class BroadcastFetchCounter: Sendable {
    /// Beyond this many distinct unwritten versions new ones are not counted (the database is down or far behind).
    static let capacity = 200_000
    private let pending = Mutex<[PassFetch: Int64]>([:])

    func note(_ fetch: PassFetch) {
        pending.withLock { counts in
            if let n = counts[fetch] {
                counts[fetch] = n + 1
            } else if counts.count < Self.capacity {
                counts[fetch] = 1
            }
        }
    }

    func drain() -> [PassFetch: Int64] {
        pending.withLock { counts in
            defer { counts = [:] }
            return counts
        }
    }
}
