import NIOCore

/// Signed passes by (pass type, serial, update tag), bounded in bytes.
///
/// Kept as `ByteBuffer`s: a hit hands out the same storage to every response, no copy.
///
/// A pass is signed once per version however many devices fetch it: concurrent misses for
/// the same version wait on one signing task instead of each signing.
actor PassCache {
    struct Key: Hashable, Sendable {
        var passTypeIdentifier: String
        var serialNumber: String
        var updateTag: Int64
    }

    private struct Entry {
        var bytes: ByteBuffer
        var lastUse: UInt64
    }

    private var entries: [Key: Entry] = [:]
    private var inFlight: [Key: Task<ByteBuffer, any Error>] = [:]
    private var totalBytes = 0
    private var clock: UInt64 = 0
    let capacity: Int

    init(capacityBytes: Int) {
        capacity = capacityBytes
    }

    var count: Int { entries.count }

    /// The cached bytes, if any.
    func cached(_ key: Key) -> ByteBuffer? {
        clock += 1
        guard var entry = entries[key] else { return nil }
        entry.lastUse = clock
        entries[key] = entry
        return entry.bytes
    }

    /// The cached bytes, or those `make` produces (run once per key at a time).
    func value(for key: Key, make: @escaping @Sendable () async throws -> ByteBuffer) async throws -> (bytes: ByteBuffer, hit: Bool) {
        clock += 1
        if var entry = entries[key] {
            entry.lastUse = clock
            entries[key] = entry
            return (entry.bytes, true)
        }
        if let task = inFlight[key] {
            return (try await task.value, true)
        }
        let task = Task { try await make() }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        let bytes = try await task.value
        insert(bytes, for: key)
        return (bytes, false)
    }

    private func insert(_ bytes: ByteBuffer, for key: Key) {
        guard bytes.readableBytes <= capacity else { return }
        if let old = entries[key] { totalBytes -= old.bytes.readableBytes }
        entries[key] = Entry(bytes: bytes, lastUse: clock)
        totalBytes += bytes.readableBytes
        if totalBytes > capacity { evict() }
    }

    /// Drops the least recently used quarter (at least enough to fit): amortised O(1) per insert.
    private func evict() {
        let target = capacity * 3 / 4
        for (key, entry) in entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
            guard totalBytes > target else { break }
            entries[key] = nil
            totalBytes -= entry.bytes.readableBytes
        }
    }
}
