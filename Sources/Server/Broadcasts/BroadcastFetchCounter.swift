import Storage
import Synchronization

/// Passes devices fetched, kept in memory until the runner writes them to their broadcasts'
/// `fetched` counters in one batch (so a fetch costs a lock and a dictionary update, not a
/// write). Repeated fetches of one version are one entry with a count.
final class BroadcastFetchCounter: PassFetchObserver, Sendable {
    /// Beyond this many distinct unwritten versions new ones are not counted (the database is down or far behind).
    static let capacity = 200_000
    private let pending = Mutex<[PassFetch: Int64]>([:])

    func noteFetch(_ fetch: PassFetch) {
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
