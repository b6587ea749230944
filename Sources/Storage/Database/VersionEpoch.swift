import Synchronization

/// Counts committed writes, so that a process may cache what it read (pass versions) and know
/// without a query when the cache may be stale.
///
/// Advanced after every committed write transaction of this process (before the transaction's
/// caller goes on, so before any push it causes is sent), and on PostgreSQL also for every
/// committed change to `passes` by any server (`NOTIFY`, see ``Migrations``). Cache an entry with
/// the ``current`` value read *before* the read it caches; the entry is valid while ``current``
/// still equals it.
///
/// Coarse on purpose: any write invalidates everything, so no write path can forget to
/// invalidate. Device fetches without writes between them, the case worth caching, stay hits.
public final class VersionEpoch: Sendable {
    private let counter = Atomic<UInt64>(0)
    private let live: Atomic<Bool>

    /// - Parameter live: whether ``current`` is trustworthy from the start (true when this
    ///   process sees every write, as with an SQLite file it owns).
    public init(live: Bool) {
        self.live = Atomic(live)
    }

    /// The epoch, or nil while changes by other processes could go unnoticed (PostgreSQL before
    /// `LISTEN` has taken effect, or after its connection failed): then nothing may be cached.
    public var current: UInt64? {
        live.load(ordering: .acquiring) ? counter.load(ordering: .acquiring) : nil
    }

    /// Something may have changed: every value read before now is suspect.
    public func advance() {
        counter.add(1, ordering: .releasing)
    }

    /// Changes by other processes are (`true`) or may no longer be (`false`) noticed. Advances
    /// either way: what was cached while deaf must not be trusted after.
    public func setLive(_ isLive: Bool) {
        advance()
        live.store(isLive, ordering: .releasing)
        advance()
    }
}
