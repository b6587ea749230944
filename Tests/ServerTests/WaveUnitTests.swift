import Foundation
import NIOCore
import Testing

@testable import Server

/// The pure parts of signing broadcasts ahead: how big a wave is, and how the signed-pass cache
/// keeps a wave's passes until its devices have fetched them.
@Suite struct WaveUnitTests {
    @Test func wavesAreSizedToTheCache() {
        var sizer = WaveSizer(maxHouseholds: 10_000, budgetBytes: 10_000_000)
        #expect(sizer.signsAhead && sizer.households == WaveSizer.firstWave, "small until measured")
        sizer.observe(households: 64, passes: 80, bytes: 80 * 40_000)
        #expect(sizer.households == 200, "10 MB ÷ (40 KB × 1.25 passes per household)")
        #expect(sizer.expectedBytes(passes: 10) == 400_000)
        sizer.observe(households: 10, passes: 10, bytes: 10 * 1_000)
        #expect(sizer.households == 10_000, "never more than the batch size")

        let unbudgeted = WaveSizer(maxHouseholds: 5_000, budgetBytes: nil)
        #expect(!unbudgeted.signsAhead && unbudgeted.households == 5_000)

        var tiny = WaveSizer(maxHouseholds: 5_000, budgetBytes: 30_000)
        tiny.observe(households: 1, passes: 1, bytes: 40_000)
        #expect(!tiny.signsAhead && tiny.households == 5_000, "a pass larger than the budget: no waves, fetches sign on demand")
        var one = WaveSizer(maxHouseholds: 5_000, budgetBytes: 50_000)
        one.observe(households: 1, passes: 2, bytes: 80_000)
        #expect(one.signsAhead && one.households == 1, "a household whose passes do not all fit still makes a wave of one")
    }

    static func key(_ n: Int) -> PassCache.Key { PassCache.Key(passTypeIdentifier: "pass.t", serialNumber: "S\(n)", updateTag: 1) }
    /// Storage is allocated in powers of two, and the cache counts storage: 128 bytes are 128.
    static func bytes(_ n: Int) -> ByteBuffer { ByteBuffer(repeating: 7, count: n) }

    @Test func aFetchUnpinsAndTheBudgetHolds() {
        let cache = PassCache(capacityBytes: 1_280)
        #expect(Self.bytes(100).storageCapacity == 128, "what the cache counts")
        for n in 0..<5 { cache.insertPinned(Self.bytes(128), for: Self.key(n), pin: 1) }
        for n in 5..<8 { cache.insertPinned(Self.bytes(128), for: Self.key(n), pin: 2) }
        #expect(cache.unfetched(pin: 1) == 5 && cache.unfetched(pin: 2) == 2, "the eighth pass would pass the pin budget: cached, not pinned")
        #expect(cache.usage.pinned == 896 && cache.contains(Self.key(7)))
        #expect(cache.cached(Self.key(0)) != nil)
        #expect(cache.unfetched(pin: 1) == 4 && cache.usage.pinned == 768, "the first fetch unpins")
        _ = cache.cached(Self.key(0))
        #expect(cache.unfetched(pin: 1) == 4, "a second fetch changes nothing")
        // Unpinned entries go first when the cache is full; the pinned ones stay.
        for n in 20..<30 { cache.insertPinned(Self.bytes(128), for: Self.key(n), pin: 9) }
        #expect((1..<7).allSatisfy { cache.contains(Self.key($0)) }, "every still-pinned pass is kept")
        #expect(cache.usage.total <= 1_280)
        cache.unpinAll()
        #expect(cache.usage.pinned == 0 && cache.unfetched(pin: 1) == 0 && cache.unfetched(pin: 2) == 0)
    }
}
