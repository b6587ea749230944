import APNsMock
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage
import Testing
import TestSupport

@testable import Server

/// Ledger changes through the API reach the mock APNs as exactly the right pushes.
@Suite(.serialized) struct PushEndToEndTests {
    /// A mock APNs that trusts the test PKI's client certificates, and a server pushing to it.
    static func withMock(
        behavior: MockBehavior = MockBehavior(), onAccepted: (@Sendable (String) -> Void)? = nil,
        _ body: @Sendable (MockAPNs, _ configure: @escaping @Sendable (inout ServerConfiguration) -> Void) async throws -> Void
    ) async throws {
        let identity = try MockTLSIdentity.generate()
        let dir = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let caFile = dir.appendingPathComponent("apns-ca.pem").path
        try identity.trustRootPEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        let root = try String(contentsOfFile: TestEnvironment.pkiDirectory + "/root.pem", encoding: .utf8)
        let mock = try await MockAPNs.start(MockAPNsConfiguration(identity: identity, clientCertificateAuthorityPEM: root), behavior: behavior, onAccepted: onAccepted)
        do {
            try await body(mock) { c in
                c.push.endpoint = .url(mock.url)
                c.push.caFile = caFile
                c.push.rate = .unlimited
            }
        } catch {
            try? await mock.shutdown()
            throw error
        }
        try await mock.shutdown()
    }

    static func register(_ s: TestServer, _ client: some TestClientProtocol, device: String, token: String, serial: String) async throws {
        let response = try await client.execute(
            uri: "/v1/devices/\(device)/registrations/\(s.passType)/\(serial)", method: .post, headers: s.appleAuth(serial),
            body: ByteBuffer(string: #"{"pushToken":"\#(token)"}"#))
        #expect(response.status == .created)
    }

    static func token(_ n: Int) -> String { String(repeating: String(format: "%02x", n), count: 32) }

    static func serial(_ api: LoyaltyAPI, _ number: String) async throws -> String {
        try #require(try await api.card(number)["serialNumber"]?.stringValue)
    }

    static func outboxCount(_ s: TestServer) async throws -> Int {
        try await PushOutboxStore(database: s.server.database).count()
    }

    @Test(arguments: Engine.allCases)
    func anAccrualPushesEveryDeviceOfTheHouseholdOnce(_ engine: Engine) async throws {
        try await Self.withMock { mock, configure in
            try await TestServer.run(engine, configure: configure) { s, client in
                let api = LoyaltyAPI(s, client)
                let parent = try await api.issueNumber("Anna", phone: "+79161234567")
                let child = try await api.issueNumber("Petya", phone: "+79161234567")
                let other = try await api.issueNumber("Oleg", phone: "+79169999999")
                let (p, c, o) = (try await Self.serial(api, parent), try await Self.serial(api, child), try await Self.serial(api, other))
                try await Self.register(s, client, device: "phone-1", token: Self.token(1), serial: p)
                try await Self.register(s, client, device: "phone-2", token: Self.token(2), serial: c)
                // One wallet holding both cards of the household: one push, not two.
                try await Self.register(s, client, device: "phone-3", token: Self.token(3), serial: p)
                try await Self.register(s, client, device: "phone-3", token: Self.token(3), serial: c)
                try await Self.register(s, client, device: "phone-4", token: Self.token(4), serial: o)
                _ = try await api.apply(parent, #"{"type":"purchase","amount":1000,"businessKey":"deal-1"}"#)
                try await mock.waitUntil(timeout: .seconds(30), includingTokens: true, "three pushes") { $0.accepted >= 3 }
                // Quiet: wait for the outbox to drain, then nothing more may arrive.
                for _ in 0..<400 where try await Self.outboxCount(s) > 0 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(try await Self.outboxCount(s) == 0)
                let stats = mock.stats()
                #expect(stats.acceptedByToken == [Self.token(1): 1, Self.token(2): 1, Self.token(3): 1], "the household's devices, once each")
                #expect(stats.protocolErrors.isEmpty, "\(stats.protocolErrors)")
                let metrics = String(decoding: s.server.metrics.exposition(), as: UTF8.self)
                #expect(metrics.contains(#"passline_push_outcomes_total{wallet="apple",outcome="delivered"} 3"#), "\(metrics)")
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func unregisteredDevicesArePruned(_ engine: Engine) async throws {
        let dead = Self.token(9)
        let behavior = MockBehavior(permanent: [dead: .unregistered(timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000)])
        try await Self.withMock(behavior: behavior) { mock, configure in
            try await TestServer.run(engine, configure: configure) { s, client in
                let api = LoyaltyAPI(s, client)
                let number = try await api.issueNumber("Anna", phone: "+79161234567")
                let serial = try await Self.serial(api, number)
                try await Self.register(s, client, device: "alive", token: Self.token(8), serial: serial)
                try await Self.register(s, client, device: "dead", token: dead, serial: serial)
                _ = try await api.apply(number, #"{"type":"purchase","amount":500,"businessKey":"deal-1"}"#)
                try await mock.waitUntil(timeout: .seconds(30), "both answered") { $0.requests >= 2 }
                for _ in 0..<400 where try await Self.outboxCount(s) > 0 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(try await s.server.service.store.device("dead") == nil, "410: registration and device gone")
                #expect(try await s.server.service.store.device("alive") != nil)
                #expect(try await s.server.service.store.registrationCount(passTypeIdentifier: s.passType, serialNumber: serial) == 1)
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func aServerStartedLaterSendsWhatTheOutboxHolds(_ engine: Engine) async throws {
        try await Self.withMock { mock, configure in
            let dir = try TestEnvironment.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let url = try await TestEnvironment.databaseURL(engine, in: dir)
            // First server: pushing off, so the change stays in the outbox (as after a crash).
            try await TestServer.run(engine, databaseURL: url, dataDirectory: dir, configure: { $0.push.endpoint = .off }) { s, client in
                let api = LoyaltyAPI(s, client)
                let number = try await api.issueNumber("Anna", phone: "+79161234567")
                try await Self.register(s, client, device: "phone-1", token: Self.token(1), serial: try await Self.serial(api, number))
                _ = try await api.apply(number, #"{"type":"purchase","amount":500,"businessKey":"deal-1"}"#)
                #expect(try await Self.outboxCount(s) == 1)
            }
            #expect(mock.stats().requests == 0)
            try await TestServer.run(engine, databaseURL: url, dataDirectory: dir, configure: configure) { s, _ in
                try await mock.waitUntil(timeout: .seconds(30), "the waiting push") { $0.accepted >= 1 }
                for _ in 0..<400 where try await Self.outboxCount(s) > 0 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(try await Self.outboxCount(s) == 0)
                #expect(mock.stats().acceptedByToken == [Self.token(1): 1])
            }
        }
    }
}
