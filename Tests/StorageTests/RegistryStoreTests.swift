import Foundation
import Logging
import PassBuilder
import Testing
import TestSupport

@testable import Storage

/// The Store API, the same suite on SQLite and PostgreSQL.
@Suite struct RegistryStoreTests {
    /// Runs `body` with a store on a fresh, migrated database of the engine.
    static func withStore(_ engine: Engine, _ body: @Sendable (RegistryStore) async throws -> Void) async throws {
        try await TestDatabase.with(engine) { db in try await body(RegistryStore(database: db)) }
    }

    static let type = "pass.test.registry"

    @Test(arguments: Engine.allCases)
    func migrationsAreIdempotent(_ engine: Engine) async throws {
        try await Self.withStore(engine) { store in
            let applied = try await Migrations.run(on: store.database)
            #expect(applied.isEmpty, "a second run applies nothing")
        }
    }

    @Test(arguments: Engine.allCases)
    func tagsIncreaseAndModifiedTimeMovesForward(_ engine: Engine) async throws {
        try await Self.withStore(engine) { store in
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let a = try await store.createPass(passTypeIdentifier: Self.type, serialNumber: "A", template: "t", variant: nil, values: ["n": .integer(1)], now: now)
            let b = try await store.createPass(passTypeIdentifier: Self.type, serialNumber: "B", template: "t", variant: "gold", values: [:], now: now)
            #expect(b.updateTag > a.updateTag)
            let a2 = try #require(try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "A", mergingValues: ["m": .string("x")], now: now))
            let a3 = try #require(try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "A", mergingValues: ["n": .integer(2)], now: now))
            #expect(a2.updateTag > b.updateTag && a3.updateTag > a2.updateTag)
            #expect(a2.modifiedAt > a.modifiedAt && a3.modifiedAt > a2.modifiedAt, "same clock second, still later")
            #expect(a3.values == ["n": .integer(2), "m": .string("x")], "merged")
            #expect(try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "nope", mergingValues: [:]) == nil)
            #expect(try await store.pass(passTypeIdentifier: Self.type, serialNumber: "B")?.variant == "gold")
            await #expect(throws: DatabaseQueryError.self) {
                _ = try await store.createPass(passTypeIdentifier: Self.type, serialNumber: "A", template: "t", variant: nil, values: [:])
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func registrationsAndChangedSerials(_ engine: Engine) async throws {
        try await Self.withStore(engine) { store in
            _ = try await store.createPass(passTypeIdentifier: Self.type, serialNumber: "A", template: "t", variant: nil, values: [:])
            _ = try await store.createPass(passTypeIdentifier: Self.type, serialNumber: "B", template: "t", variant: nil, values: [:])
            #expect(try await store.register(deviceLibraryIdentifier: "d", pushToken: "aa", client: .apple, passTypeIdentifier: Self.type, serialNumber: "A") == .created)
            #expect(try await store.register(deviceLibraryIdentifier: "d", pushToken: "bb", client: .apple, passTypeIdentifier: Self.type, serialNumber: "A") == .existing)
            #expect(try await store.register(deviceLibraryIdentifier: "d", pushToken: "bb", client: .apple, passTypeIdentifier: Self.type, serialNumber: "Z") == .passNotFound)
            #expect(try await store.device("d")?.pushToken == "bb")
            let all = try #require(try await store.changedSerials(deviceLibraryIdentifier: "d", passTypeIdentifier: Self.type, since: nil))
            #expect(all.serialNumbers == ["A"])
            #expect(try await store.changedSerials(deviceLibraryIdentifier: "d", passTypeIdentifier: Self.type, since: all.lastUpdated) == nil)
            _ = try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "B", mergingValues: ["x": .bool(true)])
            #expect(try await store.changedSerials(deviceLibraryIdentifier: "d", passTypeIdentifier: Self.type, since: all.lastUpdated) == nil, "B is not the device's")
            #expect(try await store.unregister(deviceLibraryIdentifier: "d", passTypeIdentifier: Self.type, serialNumber: "A"))
            #expect(try await store.device("d") == nil)
            #expect(try await store.unregister(deviceLibraryIdentifier: "d", passTypeIdentifier: Self.type, serialNumber: "A") == false)
        }
    }

    @Test(arguments: Engine.allCases)
    func concurrentUpdatesKeepEveryChangeAndDistinctTags(_ engine: Engine) async throws {
        try await Self.withStore(engine) { store in
            _ = try await store.createPass(passTypeIdentifier: Self.type, serialNumber: "A", template: "t", variant: nil, values: [:])
            let tags = try await withThrowingTaskGroup(of: Int64.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        try await store.updatePass(passTypeIdentifier: Self.type, serialNumber: "A", mergingValues: ["k\(i)": .integer(Int64(i))])!.updateTag
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(Set(tags).count == 40)
            let final = try #require(try await store.pass(passTypeIdentifier: Self.type, serialNumber: "A"))
            #expect(final.values.count == 40, "no lost update")
            #expect(final.updateTag == tags.max())
        }
    }

    @Test(arguments: Engine.allCases)
    func logKeepsMessagesCut(_ engine: Engine) async throws {
        try await Self.withStore(engine) { store in
            try await store.appendLog(["short", String(repeating: "é", count: 5000)])
            let log = try await store.recentLog()
            #expect(log.count == 2)
            #expect(log.contains("short"))
            #expect(log.allSatisfy { $0.utf8.count <= 2048 })
            try await store.ping()
        }
    }
}

@Suite struct AuthenticationTokenTests {
    let tokens = AuthenticationTokens(secret: Array(repeating: 7, count: 32))

    @Test func derivedStableAndLongEnough() {
        let t = tokens.token(passTypeIdentifier: "pass.a", serialNumber: "1")
        #expect(t.count == 43)
        #expect(t.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(t == tokens.token(passTypeIdentifier: "pass.a", serialNumber: "1"))
        #expect(t != tokens.token(passTypeIdentifier: "pass.a", serialNumber: "2"))
        #expect(t != AuthenticationTokens(secret: Array(repeating: 8, count: 32)).token(passTypeIdentifier: "pass.a", serialNumber: "1"))
        // The separator keeps ("pass.a", "b1") and ("pass.ab", "1") apart.
        #expect(tokens.token(passTypeIdentifier: "pass.a", serialNumber: "b1") != tokens.token(passTypeIdentifier: "pass.ab", serialNumber: "1"))
    }

    /// Tokens already sit in wallets: the derivation must never change. The value is Python's
    /// `hmac.new(bytes([7] * 32), b"pass.a\n1", sha256)`, base64url without padding.
    @Test func matchesAnIndependentHMAC() {
        #expect(tokens.token(passTypeIdentifier: "pass.a", serialNumber: "1") == "eYKEabELsR-GHskvsRohP9D8SUFuIs_SsYiWt-JZWdA")
        #expect(tokens.isValid("eYKEabELsR-GHskvsRohP9D8SUFuIs_SsYiWt-JZWdA", passTypeIdentifier: "pass.a", serialNumber: "1"))
    }

    @Test func validation() {
        let t = tokens.token(passTypeIdentifier: "pass.a", serialNumber: "1")
        #expect(tokens.isValid(t, passTypeIdentifier: "pass.a", serialNumber: "1"))
        #expect(!tokens.isValid(t, passTypeIdentifier: "pass.a", serialNumber: "2"))
        #expect(!tokens.isValid(String(t.dropLast()) + (t.last == "A" ? "B" : "A"), passTypeIdentifier: "pass.a", serialNumber: "1"))
        #expect(!tokens.isValid("", passTypeIdentifier: "pass.a", serialNumber: "1"))
        #expect(!tokens.isValid(String(repeating: "!", count: 43), passTypeIdentifier: "pass.a", serialNumber: "1"))
    }
}
