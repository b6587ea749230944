import NIOCore
import Synchronization

/// Signed passes by (pass type, serial, update tag), bounded in bytes of storage (a `ByteBuffer`
/// allocates a power of two: a 39 KB pass takes 64 KB, and counting the readable bytes let the
/// cache hold 1.6 times its budget).
///
/// Kept as `ByteBuffer`s: a hit hands out the same storage to every response, no copy.
/// A pass is signed once per version however many devices fetch it: concurrent misses for
/// the same version wait on one signing task instead of each signing.
///
/// A `Mutex`, not an actor: a hit is a dictionary lookup on every device request, and an actor
/// hop there costs two thread hand-offs, which halved the serving rate in bench-serve.sh.
final class PassCache: Sendable {
    struct Key: Hashable, Sendable {
        var passTypeIdentifier: String
        var serialNumber: String
        var updateTag: Int64
    }

    private struct Entry {
        var bytes: ByteBuffer
        var lastUse: UInt64
        /// Signed ahead for devices about to be pushed, by the wave (its pin) they belong to: not
        /// evicted until fetched once (or ``unpinAll()``), so a wave's passes are still here when
        /// its devices ask.
        var pin: Int?
        var pinned: Bool { pin != nil }
    }

    private struct Waiter {
        /// Nil: look again (the version finished between the lookup and the wait).
        var continuation: CheckedContinuation<ByteBuffer?, any Error>
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Versions being signed, with the requests waiting for them.
        var inFlight: [Key: [Waiter]] = [:]
        var totalBytes = 0
        var pinnedBytes = 0
        /// Pinned entries by pin (wave), for waiting until a wave's devices have fetched.
        var pinnedByPin: [Int: Int] = [:]
        var clock: UInt64 = 0

        /// Marks an entry used now; a pinned one is unpinned (its first fetch).
        mutating func use(_ key: Key) -> ByteBuffer? {
            clock += 1
            guard var entry = entries[key] else { return nil }
            entry.lastUse = clock
            if let pin = entry.pin {
                entry.pin = nil
                unpinned(pin, bytes: entry.bytes.storageCapacity)
            }
            entries[key] = entry
            return entry.bytes
        }

        mutating func unpinned(_ pin: Int, bytes: Int) {
            pinnedBytes -= bytes
            let left = (pinnedByPin[pin] ?? 1) - 1
            pinnedByPin[pin] = left > 0 ? left : nil
        }
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacityBytes: Int) {
        capacity = capacityBytes
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// Bytes held now, and the part of them pinned.
    var usage: (total: Int, pinned: Int) { state.withLock { ($0.totalBytes, $0.pinnedBytes) } }

    /// The cached bytes, if any.
    func cached(_ key: Key) -> ByteBuffer? {
        state.withLock { $0.use(key) }
    }

    /// Whether this version is cached (without counting as a use).
    func contains(_ key: Key) -> Bool { storedBytes(key) != nil }

    /// The storage this version takes in the cache, nil when it is not cached (not a use).
    func storedBytes(_ key: Key) -> Int? {
        state.withLock { $0.entries[key]?.bytes.storageCapacity }
    }

    /// What may be pinned at once: eviction brings the cache down to three quarters of its
    /// capacity, so pinned entries within that never have to go.
    var pinBudget: Int { capacity * 3 / 4 }

    /// Adds a version signed ahead, pinned under `pin` until its first fetch. Pinned bytes never
    /// exceed ``pinBudget``: when this one would not fit beside them it is added unpinned (plain LRU).
    func insertPinned(_ bytes: ByteBuffer, for key: Key, pin: Int) {
        state.withLock { s in
            guard s.entries[key] == nil else { return }
            let fits = s.pinnedBytes + bytes.storageCapacity <= pinBudget
            Self.insert(bytes, for: key, into: &s, capacity: capacity)
            if fits, s.entries[key] != nil {
                s.entries[key]!.pin = pin
                s.pinnedBytes += bytes.storageCapacity
                s.pinnedByPin[pin, default: 0] += 1
            }
        }
    }

    /// Entries pinned under `pin` that no device has fetched yet.
    func unfetched(pin: Int) -> Int {
        state.withLock { $0.pinnedByPin[pin] ?? 0 }
    }

    /// Unpins everything (the devices of waves signed long ago that never fetched).
    func unpinAll() {
        state.withLock { s in
            guard s.pinnedBytes > 0 else { return }
            for (key, entry) in s.entries where entry.pinned { s.entries[key]!.pin = nil }
            s.pinnedBytes = 0
            s.pinnedByPin = [:]
        }
    }

    /// The cached bytes, or those `make` produces (run once per key at a time, by the first
    /// caller, in its own task: no task per miss; later callers wait for its result).
    func value(for key: Key, make: @Sendable () async throws -> ByteBuffer) async throws -> (bytes: ByteBuffer, hit: Bool) {
        enum Lookup { case hit(ByteBuffer), make, wait }
        while true {
            let lookup: Lookup = state.withLock { s in
                if let bytes = s.use(key) { return .hit(bytes) }
                if s.inFlight[key] != nil { return .wait }
                s.inFlight[key] = []
                return .make
            }
            switch lookup {
            case .hit(let bytes):
                return (bytes, true)
            case .wait:
                let made = try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<ByteBuffer?, any Error>) in
                    let registered = state.withLock { s -> Bool in
                        guard s.inFlight[key] != nil else { return false }
                        s.inFlight[key]!.append(Waiter(continuation: waiter))
                        return true
                    }
                    // Finished in between: look again.
                    if !registered { waiter.resume(returning: nil) }
                }
                if let made { return (made, true) }
            case .make:
                let result: Result<ByteBuffer, any Error>
                do { result = .success(try await make()) } catch { result = .failure(error) }
                let waiters = state.withLock { s in
                    if case .success(let bytes) = result { Self.insert(bytes, for: key, into: &s, capacity: capacity) }
                    return s.inFlight.removeValue(forKey: key) ?? []
                }
                for waiter in waiters { waiter.continuation.resume(with: result.map { $0 }) }
                return (try result.get(), false)
            }
        }
    }

    private static func insert(_ bytes: ByteBuffer, for key: Key, into s: inout State, capacity: Int) {
        guard bytes.storageCapacity <= capacity else { return }
        if let old = s.entries[key] {
            s.totalBytes -= old.bytes.storageCapacity
            if let pin = old.pin { s.unpinned(pin, bytes: old.bytes.storageCapacity) }
        }
        s.clock += 1
        s.entries[key] = Entry(bytes: bytes, lastUse: s.clock)
        s.totalBytes += bytes.storageCapacity
        guard s.totalBytes > capacity else { return }
        // Drop the least recently used of what is not pinned, down to three quarters (amortised
        // O(1) per insert); pinned entries go, oldest first, only if the cache would otherwise
        // stay over its capacity.
        let target = capacity * 3 / 4
        for (k, entry) in s.entries.filter({ !$0.value.pinned && $0.key != key }).sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
            guard s.totalBytes > target else { break }
            s.entries[k] = nil
            s.totalBytes -= entry.bytes.storageCapacity
        }
        guard s.totalBytes > capacity else { return }
        for (k, entry) in s.entries.filter({ $0.value.pinned && $0.key != key }).sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
            guard s.totalBytes > capacity else { break }
            s.entries[k] = nil
            s.totalBytes -= entry.bytes.storageCapacity
            if let pin = entry.pin { s.unpinned(pin, bytes: entry.bytes.storageCapacity) }
        }
    }
}

