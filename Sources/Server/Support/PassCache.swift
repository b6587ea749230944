import NIOCore
import Synchronization

/// Signed passes by (pass type, serial, update tag), bounded in bytes.
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
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var inFlight: [Key: Task<ByteBuffer, any Error>] = [:]
        var totalBytes = 0
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacityBytes: Int) {
        capacity = capacityBytes
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// The cached bytes, if any.
    func cached(_ key: Key) -> ByteBuffer? {
        state.withLock { s in
            s.clock += 1
            guard var entry = s.entries[key] else { return nil }
            entry.lastUse = s.clock
            s.entries[key] = entry
            return entry.bytes
        }
    }

    /// The cached bytes, or those `make` produces (run once per key at a time).
    func value(for key: Key, make: @escaping @Sendable () async throws -> ByteBuffer) async throws -> (bytes: ByteBuffer, hit: Bool) {
        enum Lookup { case hit(ByteBuffer), wait(Task<ByteBuffer, any Error>), make(Task<ByteBuffer, any Error>) }
        let lookup: Lookup = state.withLock { s in
            s.clock += 1
            if var entry = s.entries[key] {
                entry.lastUse = s.clock
                s.entries[key] = entry
                return .hit(entry.bytes)
            }
            if let task = s.inFlight[key] { return .wait(task) }
            let task = Task { try await make() }
            s.inFlight[key] = task
            return .make(task)
        }
        switch lookup {
        case .hit(let bytes):
            return (bytes, true)
        case .wait(let task):
            return (try await task.value, true)
        case .make(let task):
            do {
                let bytes = try await task.value
                state.withLock { s in
                    s.inFlight[key] = nil
                    Self.insert(bytes, for: key, into: &s, capacity: capacity)
                }
                return (bytes, false)
            } catch {
                state.withLock { _ = $0.inFlight.removeValue(forKey: key) }
                throw error
            }
        }
    }

    private static func insert(_ bytes: ByteBuffer, for key: Key, into s: inout State, capacity: Int) {
        guard bytes.readableBytes <= capacity else { return }
        if let old = s.entries[key] { s.totalBytes -= old.bytes.readableBytes }
        s.entries[key] = Entry(bytes: bytes, lastUse: s.clock)
        s.totalBytes += bytes.readableBytes
        guard s.totalBytes > capacity else { return }
        // Drop the least recently used quarter: amortised O(1) per insert.
        let target = capacity * 3 / 4
        for (k, entry) in s.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
            guard s.totalBytes > target else { break }
            s.entries[k] = nil
            s.totalBytes -= entry.bytes.readableBytes
        }
    }
}
