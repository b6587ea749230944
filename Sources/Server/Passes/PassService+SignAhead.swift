import Foundation
import NIOCore
import Storage

extension PassService {
    /// What signing a wave ahead did.
    struct SignedAhead: Sendable, Hashable {
        /// Passes signed now (those cached already are not signed again).
        var signed = 0
        /// Passes that could not be signed (their devices' fetches sign them and report why).
        var failed = 0
        /// Bytes of the wave's passes in the cache, whoever signed them.
        var bytes = 0
        var passes = 0
    }

    /// The bytes that may be pinned for waves at once (three quarters of the cache).
    var signAheadBudget: Int { cache.pinBudget }

    /// Waits until `bytes` more fit beside the passes pinned for earlier waves, for at most
    /// `patience`; then unpins those (their devices did not fetch in time; if they ever do, the
    /// fetch signs on demand). Polls: waves are tenths of a second apart.
    func waitForRoom(_ bytes: Int, patience: Duration) async {
        let deadline = ContinuousClock.now.advanced(by: patience)
        while cache.usage.pinned > 0, cache.usage.pinned + bytes > cache.pinBudget {
            if ContinuousClock.now >= deadline || Task.isCancelled {
                cache.unpinAll()
                return
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Signs a wave's passes into the cache, pinned under `pin` until their first fetch, on
    /// `workers` tasks at once (one per core: signing is all CPU).
    func signAhead(_ passes: [WavePass], workers: Int, pin: Int) async -> SignedAhead {
        let records = passes.map { content.live($0) }
        let lanes = max(1, min(workers, records.count))
        // Lane w signs passes w, w + lanes, …: passes cost the same, so lanes finish together.
        let result = await withTaskGroup(of: SignedAhead.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var mine = SignedAhead()
                    for i in stride(from: lane, to: records.count, by: lanes) {
                        if Task.isCancelled { break }
                        let record = records[i]
                        let key = PassCache.Key(passTypeIdentifier: record.passTypeIdentifier, serialNumber: record.serialNumber, updateTag: record.updateTag)
                        // Signed already (fetched on demand meanwhile): counted, not touched, so a
                        // pass pinned for an earlier wave stays pinned until its device fetches it.
                        if let stored = self.cache.storedBytes(key) {
                            mine.bytes += stored
                            continue
                        }
                        do {
                            let bytes = try self.sign(record)
                            self.cache.insertPinned(bytes, for: key, pin: pin)
                            mine.signed += 1
                            mine.bytes += bytes.storageCapacity
                        } catch {
                            mine.failed += 1
                        }
                        // A lane holds a thread of the cooperative pool, which has one per core:
                        // yield after each pass so the requests of the wave before (devices
                        // listing their passes, database replies) are not queued behind a whole wave.
                        await Task.yield()
                    }
                    return mine
                }
            }
            return await group.reduce(into: SignedAhead(passes: records.count)) { total, lane in
                total.signed += lane.signed
                total.failed += lane.failed
                total.bytes += lane.bytes
            }
        }
        metrics.signedAhead.increment(by: Int64(result.signed))
        return result
    }

    /// The version cache's epoch now (read before reading versions to ``publish(_:seen:)``).
    var versionEpoch: UInt64? { versions.epochNow }

    /// Makes versions read after `seen` current in the version cache (unless a write committed
    /// since), so devices fetching them are answered by the fast path.
    func publish(_ current: [CurrentVersion], seen: UInt64) {
        versions.store(current, seen: seen)
    }

    /// Passes signed ahead under `pin` that no device has fetched yet.
    func unfetched(pin: Int) -> Int { cache.unfetched(pin: pin) }
}
