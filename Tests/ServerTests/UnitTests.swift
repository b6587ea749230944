import Foundation
import NIOCore
import Testing

@testable import Server

@Suite struct PassCacheTests {
    @Test func boundedByBytesLeastRecentlyUsedFirst() async throws {
        // 128-byte entries: the cache counts storage, which a ByteBuffer allocates in powers of two.
        let cache = PassCache(capacityBytes: 1280)
        func key(_ i: Int) -> PassCache.Key { .init(passTypeIdentifier: "p", serialNumber: "s\(i)", updateTag: 1) }
        for i in 0..<10 { _ = try await cache.value(for: key(i)) { ByteBuffer(bytes: [UInt8](repeating: UInt8(i), count: 128)) } }
        #expect(cache.count == 10)
        _ = try await cache.value(for: key(0)) { Issue.record("0 is cached"); return ByteBuffer() }  // touch 0
        _ = try await cache.value(for: key(10)) { ByteBuffer(bytes: [UInt8](repeating: 10, count: 128)) }
        #expect(cache.count <= 8, "over capacity evicts down to three quarters")
        let hit = try await cache.value(for: key(0)) { ByteBuffer() }
        #expect(hit.hit && hit.bytes.readableBytes == 128, "the recently used entry survives")
        let miss = try await cache.value(for: key(1)) { ByteBuffer(bytes: [1]) }
        #expect(!miss.hit, "the oldest entry went")
        let huge = try await cache.value(for: key(99)) { ByteBuffer(bytes: [UInt8](repeating: 0, count: 5000)) }
        let again = try await cache.value(for: key(99)) { ByteBuffer() }
        #expect(huge.bytes.readableBytes == 5000 && !again.hit, "larger than the cache: served, not kept")
    }

    @Test func concurrentMissesMakeOnce() async throws {
        let cache = PassCache(capacityBytes: 1 << 20)
        let counter = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    _ = try await cache.value(for: .init(passTypeIdentifier: "p", serialNumber: "s", updateTag: 7)) {
                        await counter.increment()
                        try await Task.sleep(for: .milliseconds(20))
                        return ByteBuffer(bytes: [1, 2, 3])
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await counter.value == 1)
    }

    @Test func aFailedSigningFailsItsWaitersAndIsRetried() async throws {
        struct Refused: Error {}
        let cache = PassCache(capacityBytes: 1 << 20)
        let key = PassCache.Key(passTypeIdentifier: "p", serialNumber: "s", updateTag: 1)
        let counter = Counter()
        let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do {
                        _ = try await cache.value(for: key) {
                            await counter.increment()
                            try await Task.sleep(for: .milliseconds(20))
                            throw Refused()
                        }
                        return false
                    } catch is Refused {
                        return true
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 20, "every caller saw the signing's error")
        #expect(await counter.value < 20, "waiters did not sign themselves")
        let retried = try await cache.value(for: key) { ByteBuffer(bytes: [9]) }
        #expect(retried.hit == false && retried.bytes == ByteBuffer(bytes: [9]), "a failure is not cached")
    }

    actor Counter {
        var value = 0
        func increment() { value += 1 }
    }
}

@Suite struct HTTPDateTests {
    @Test func formatsAndParsesAllThreeForms() {
        let date = Date(timeIntervalSince1970: 1_470_779_852)  // Tue, 09 Aug 2016 21:57:32 GMT
        #expect(HTTPDate.format(date) == "Tue, 09 Aug 2016 21:57:32 GMT")
        #expect(HTTPDate.parse("Tue, 09 Aug 2016 21:57:32 GMT") == date)
        #expect(HTTPDate.parse("Tuesday, 09-Aug-16 21:57:32 GMT") == date)
        #expect(HTTPDate.parse("Tue Aug  9 21:57:32 2016") == date)
        #expect(HTTPDate.parse("1470779852") == nil)
        #expect(HTTPDate.parse("garbage") == nil)
        for t in stride(from: -86_400 * 400, to: 4_102_444_800, by: 7_654_321) {
            let d = Date(timeIntervalSince1970: TimeInterval(t))
            #expect(HTTPDate.parse(HTTPDate.format(d)) == d)
        }
    }
}

@Suite struct ConfigurationTests {
    @Test func environmentAndFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("passline-\(UUID().uuidString).env")
        try "# comment\nPASSLINE_HTTP_PORT=9000\nPASSLINE_DATABASE_URL=\"postgres://u:p@h/db\"\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let c = try ServerConfiguration.load(environment: ["PASSLINE_CONFIG": file.path, "PASSLINE_HTTP_PORT": "9100", "PASSLINE_PUBLIC_URL": "https://cards.example.com/"])
        #expect(c.port == 9100, "the environment wins over the file")
        #expect(c.databaseURL == "postgres://u:p@h/db")
        #expect(c.resolvedPublicURL == "https://cards.example.com")
        #expect(ServerConfiguration.keys.count >= 16)
    }

    @Test func badValuesSayWhich() throws {
        for (env, needle) in [
            (["PASSLINE_HTTP_PORT": "eighty"], "PASSLINE_HTTP_PORT"), (["PASSLINE_PUBLIC_URL": "cards.example.com"], "PASSLINE_PUBLIC_URL"),
            (["PASSLINE_ADMIN_TOKEN": "short"], "PASSLINE_ADMIN_TOKEN"), (["PASSLINE_CONFIG": "/nonexistent/file"], "PASSLINE_CONFIG"),
            (["PASSLINE_PASS_PASSWORD_ENV": "NOT_SET_ANYWHERE_123"], "PASSLINE_PASS_PASSWORD_ENV"),
        ] {
            do {
                _ = try ServerConfiguration.load(environment: env)
                Issue.record("\(env) should be refused")
            } catch {
                #expect(error.description.contains(needle))
            }
        }
    }
}
