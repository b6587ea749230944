import Foundation
import Storage
import Synchronization
import Testing

@testable import Server

/// The version cache in front of the database (what keeps cached passes near nginx's rate): hits between writes,
/// nothing stale after one.
@Suite struct PassVersionCacheTests {
    let tokens = AuthenticationTokens(secret: Array(repeating: 3, count: 32))
    final class Loads: Sendable {
        let count = Atomic(0)
        let tag = Atomic<Int64>(1)
        func load() -> (PassVersion, Int)? {
            count.add(1, ordering: .relaxed)
            return (PassVersion(template: "loyalty", updateTag: tag.load(ordering: .relaxed), modifiedAt: Date(timeIntervalSince1970: 1_700_000_000)), 7)
        }
    }

    @Test func hitsUntilAWriteCommits() async throws {
        let epoch = VersionEpoch(live: true)
        let cache = PassVersionCache(epoch: epoch, tokens: tokens)
        let loads = Loads()
        let first = try #require(try await cache.version(passTypeIdentifier: "t", serialNumber: "s") { loads.load() })
        #expect(first.entry.version.updateTag == 1 && first.loaded == 7, "a miss hands back what the load read")
        #expect(first.entry.lastModified == "Tue, 14 Nov 2023 22:13:20 GMT" && first.entry.eTag == "\"1\"")
        // The entry checks the pass's own token, and only that.
        let token = tokens.token(passTypeIdentifier: "t", serialNumber: "s")
        #expect(first.entry.accepts(token))
        #expect(!first.entry.accepts(tokens.token(passTypeIdentifier: "t", serialNumber: "other")))
        #expect(!first.entry.accepts(String(token.dropLast())) && !first.entry.accepts(token + "A") && !first.entry.accepts(""))
        let second = try #require(try await cache.version(passTypeIdentifier: "t", serialNumber: "s") { loads.load() })
        #expect(second.entry.version.updateTag == 1 && second.loaded == nil && loads.count.load(ordering: .relaxed) == 1, "a hit reads nothing")
        // Another serial is its own entry.
        _ = try await cache.version(passTypeIdentifier: "t", serialNumber: "other") { loads.load() }
        #expect(loads.count.load(ordering: .relaxed) == 2 && cache.count == 2)

        loads.tag.store(2, ordering: .relaxed)
        epoch.advance() // a write committed
        let third = try #require(try await cache.version(passTypeIdentifier: "t", serialNumber: "s") { loads.load() })
        #expect(third.entry.version.updateTag == 2 && loads.count.load(ordering: .relaxed) == 3, "after a write the version is read again")
        #expect(cache.count == 1, "the first miss after a write drops every older entry")
    }

    @Test func aReadOverlappingAWriteIsNotKept() async throws {
        let epoch = VersionEpoch(live: true)
        let cache = PassVersionCache(epoch: epoch, tokens: tokens)
        let loads = Loads()
        // The load reads the old version, and a write commits before the load returns.
        _ = try await cache.version(passTypeIdentifier: "t", serialNumber: "s") { () -> (PassVersion, Int)? in
            let old = loads.load()
            loads.tag.store(2, ordering: .relaxed)
            epoch.advance()
            return old
        }
        let next = try #require(try await cache.version(passTypeIdentifier: "t", serialNumber: "s") { loads.load() })
        #expect(next.entry.version.updateTag == 2 && loads.count.load(ordering: .relaxed) == 2, "the overlapping read was not served from the cache")
    }

    @Test func nothingIsCachedWhileOtherServersCouldGoUnheard() async throws {
        let epoch = VersionEpoch(live: false) // PostgreSQL before LISTEN took effect
        let cache = PassVersionCache(epoch: epoch, tokens: tokens)
        let loads = Loads()
        for _ in 0..<3 { _ = try await cache.version(passTypeIdentifier: "t", serialNumber: "s") { loads.load() } }
        #expect(loads.count.load(ordering: .relaxed) == 3 && cache.count == 0)

        epoch.setLive(true)
        for _ in 0..<3 { _ = try await cache.version(passTypeIdentifier: "t", serialNumber: "s") { loads.load() } }
        #expect(loads.count.load(ordering: .relaxed) == 4)

        epoch.setLive(false) // the LISTEN connection failed
        _ = try await cache.version(passTypeIdentifier: "t", serialNumber: "s") { loads.load() }
        #expect(loads.count.load(ordering: .relaxed) == 5)
        epoch.setLive(true) // back: what was cached before must not be trusted
        _ = try await cache.version(passTypeIdentifier: "t", serialNumber: "s") { loads.load() }
        #expect(loads.count.load(ordering: .relaxed) == 6)
    }

    @Test func boundedInEntries() async throws {
        let cache = PassVersionCache(epoch: VersionEpoch(live: true), tokens: tokens, capacity: 10)
        let loads = Loads()
        for i in 0..<25 { _ = try await cache.version(passTypeIdentifier: "t", serialNumber: "s\(i)") { loads.load() } }
        #expect(cache.count <= 10 && cache.count > 0)
    }

    @Test func missingPassesAreNotCached() async throws {
        let cache = PassVersionCache(epoch: VersionEpoch(live: true), tokens: tokens)
        let loads = Loads()
        for _ in 0..<2 {
            let none = try await cache.version(passTypeIdentifier: "t", serialNumber: "nope") { () -> (PassVersion, Int)? in
                _ = loads.load()
                return nil
            }
            #expect(none == nil)
        }
        #expect(loads.count.load(ordering: .relaxed) == 2 && cache.count == 0)
    }
}
