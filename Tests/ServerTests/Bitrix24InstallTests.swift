import Bitrix24
import Bitrix24Mock
import Foundation
import Hummingbird
import HummingbirdTesting
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// The Bitrix24 application installed in a mock portal: registrations delivered once, every
/// request checked against the installed portal, events and robot calls queued durably.
@Suite struct Bitrix24InstallTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func post(_ client: some TestClientProtocol, _ path: String, _ body: [UInt8]) async throws -> TestResponse {
        try await client.execute(uri: path, method: .post, headers: form, body: ByteBuffer(bytes: body))
    }

    /// Polls `condition` for up to 60 s (the worker runs in the background; a loaded CI host is slow).
    static func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<1200 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
    }

    /// A server whose Bitrix24 application talks to `mock` (REST and OAuth), while `body` runs.
    /// `configure` gets the mock's base URL (for a webhook URL).
    static func withPortal(
        _ engine: Engine, _ mock: Bitrix24MockServer, configure: @Sendable @escaping (inout ServerConfiguration, String) -> Void = { _, _ in },
        _ body: @Sendable @escaping (TestServer, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await mock.withRunning(logger: TestDatabase.logger) { base in
            let app = mock.with { OAuthApp(clientID: $0.clientID, clientSecret: $0.clientSecret, serverURL: base) }
            try await TestServer.run(engine, configure: {
                $0.bitrix24.app = app
                $0.bitrix24.offlinePoll = .milliseconds(300)
                configure(&$0, base)
            }, body)
        }
    }

    @Test(arguments: Engine.allCases)
    func installRegistersOnceAndOnlyTheInstalledPortalIsHeard(_ engine: Engine) async throws {
        let mock = Bitrix24MockServer()
        try await Self.withPortal(engine, mock) { s, client in
            let store = Bitrix24Store(database: s.server.database)
            let install = try await Self.post(client, "/bitrix24/install", mock.with { $0.installForm() })
            #expect(install.status == .ok && install.json?["installed"] == .bool(true))
            try await Self.eventually("the registrations reach the portal") {
                mock.with { $0.robots.count == 5 && $0.eventBindings.count == 8 && $0.placements.count == 2 && $0.userFields.count == 4 }
            }
            #expect(mock.with { Set($0.robots.keys) } == Set(RobotCode.allCases.map(\.rawValue)))
            #expect(mock.with { $0.placements.allSatisfy { $0.handler == "https://passes.example.com/bitrix24/placement" } })
            #expect(mock.with { $0.eventBindings.filter(\.offline).map(\.event).sorted() } == ["ONCRMCONTACTADD", "ONCRMCONTACTUPDATE", "ONCRMDEALUPDATE", "ONCRMLEADADD"])
            let portal = try #require(try await store.portal())
            #expect(!portal.sealedTokens.isEmpty && !String(decoding: portal.sealedTokens, as: UTF8.self).contains("mock-refresh"), "tokens are stored sealed")

            // A re-install is idempotent: the portal's "already there" answers count as done.
            let again = try await Self.post(client, "/bitrix24/install", mock.with { $0.installForm() })
            #expect(again.json?["reinstalled"] == .bool(true))
            try await Self.eventually("the re-registrations are settled") { try await store.count(.outbox, state: "queued") + store.count(.outbox, state: "sending") == 0 }
            #expect(try await store.count(.outbox, state: "failed") == 0)
            #expect(mock.with { $0.robots.count == 5 && $0.eventBindings.count == 8 })

            // Another portal is refused; a forged event changes nothing.
            var other = mock.with { $0 }
            other.memberID = "another-member"
            other.domain = "other.bitrix24.ru"
            let refused = try await Self.post(client, "/bitrix24/install", other.installForm())
            #expect(refused.status == .conflict && refused.json?["detail"]?.stringValue?.contains("school.bitrix24.ru") == true)
            let forged = try await Self.post(client, "/bitrix24/event", mock.with { $0.eventForm("ONCRMDEALUPDATE", id: 5, applicationToken: "forged") })
            #expect(forged.status == .unauthorized)
            let stranger = try await Self.post(client, "/bitrix24/event", other.eventForm("ONCRMDEALUPDATE", id: 5))
            #expect(stranger.status == .unauthorized)
            #expect(try await store.count(.inbox, state: "queued") == 0)

            // Events are kept durably, one per object while they wait (the portal may repeat them).
            for _ in 0..<3 {
                #expect(try await Self.post(client, "/bitrix24/event", mock.with { $0.eventForm("ONCRMDEALUPDATE", id: 5) }).status == .ok)
            }
            // Acted on by re-reading the deal (this one is not in the portal: nothing more happens).
            try await Self.eventually("the event is acted on") { mock.with { $0.calls.contains("crm.deal.get") } }
            try await Self.eventually("the inbox is worked off") { try await store.count(.inbox, state: "queued") + store.count(.inbox, state: "sending") == 0 }
            #expect(try await store.count(.inbox, state: "failed") == 0)
            let malformed = try await Self.post(client, "/bitrix24/event", Array("event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=x".utf8))
            #expect(malformed.status == .badRequest)
        }
    }

    @Test(arguments: Engine.allCases)
    func anInstallIsConfirmedWithTheOAuthServer(_ engine: Engine) async throws {
        // Without the app's credentials nothing can be confirmed: refused, nothing stored.
        try await TestServer.run(engine) { s, client in
            let refused = try await Self.post(client, "/bitrix24/install", MockPortal().installForm())
            #expect(refused.status == .notFound && refused.json?["detail"]?.stringValue?.contains("PASSLINE_B24_CLIENT_ID") == true)
            #expect(try await Bitrix24Store(database: s.server.database).portal() == nil)
        }
        let mock = Bitrix24MockServer()
        try await Self.withPortal(engine, mock) { s, client in
            let store = Bitrix24Store(database: s.server.database)
            // Tokens the OAuth server does not know (forged, or another app's): refused.
            var forged = mock.with { $0 }
            forged.refreshToken = "forged-refresh"
            let bad = try await Self.post(client, "/bitrix24/install", forged.installForm())
            #expect(bad.status == .unauthorized && bad.json?["detail"]?.stringValue?.contains("invalid_grant") == true)
            // Real tokens claimed for another member id: the OAuth server names the real one.
            var claimed = mock.with { $0 }
            claimed.memberID = "someone-else"
            #expect(try await Self.post(client, "/bitrix24/install", claimed.installForm()).status == .unauthorized)
            #expect(try await store.portal() == nil)
            #expect(mock.with { $0.robots.isEmpty }, "nothing was registered")
            // The real install: its tokens are exchanged, the endpoint kept is the OAuth server's.
            #expect(try await Self.post(client, "/bitrix24/install", mock.with { $0.installForm() }).status == .ok)
            #expect(try await store.portal()?.clientEndpoint == mock.with { $0.clientEndpoint })
        }
    }

    @Test(arguments: Engine.allCases)
    func aRobotWithBadInputIsAnsweredWithItsErrorEvenAfterTheTokenExpired(_ engine: Engine) async throws {
        let mock = Bitrix24MockServer()
        try await Self.withPortal(engine, mock) { s, client in
            let store = Bitrix24Store(database: s.server.database)
            #expect(try await Self.post(client, "/bitrix24/install", mock.with { $0.installForm() }).status == .ok)
            try await Self.eventually("the registrations reach the portal") { mock.with { $0.robots.count == 5 } }
            let sealedBefore = try await store.portal()?.sealedTokens
            mock.with { $0.expireAccessToken() }

            let (form, token) = mock.with { $0.robotCallForm("passline_card_issue", document: .deal(9), properties: ["phone": "12"]) }
            #expect(try await Self.post(client, "/bitrix24/robot", form).status == .ok)
            try await Self.eventually("the robot is answered") { mock.with { $0.robotAnswers[token] != nil } }
            #expect(mock.with { $0.robotAnswers[token]?["error"]?.stringValue?.hasPrefix("phone:") } == true)
            #expect(try await store.portal()?.sealedTokens != sealedBefore, "the refreshed tokens are stored")
            #expect(try await store.count(.inbox, state: "queued") == 0, "a refused call is not acted on")

            // A robot call from anyone else is refused and answered by nobody.
            let (forged, forgedToken) = mock.with { $0.robotCallForm("passline_card_issue", document: .deal(9), properties: ["phone": "+79161234567"], applicationToken: "forged") }
            #expect(try await Self.post(client, "/bitrix24/robot", forged).status == .unauthorized)
            // A valid call is acted on: deal 9 is not in the portal, which the answer says.
            let (valid, validToken) = mock.with { $0.robotCallForm("passline_deal_debit", document: .deal(9), properties: ["points": "100"]) }
            #expect(try await Self.post(client, "/bitrix24/robot", valid).status == .ok)
            try await Self.eventually("the valid call is answered") { mock.with { $0.robotAnswers[validToken] != nil } }
            #expect(mock.with { $0.robotAnswers[validToken]?["error"]?.stringValue } == "deal 9 not found")
            #expect(try await store.count(.inbox, state: "done") == 1)
            #expect(mock.with { $0.robotAnswers[forgedToken] } == nil)

            // The same call again (a replay): refused, nothing queued. A call whose business
            // process stopped waiting (ts + timeout_duration passed): refused, nothing queued.
            #expect(try await Self.post(client, "/bitrix24/robot", valid).status == .conflict)
            let (late, lateToken) = mock.with {
                $0.robotCallForm("passline_deal_debit", document: .deal(9), properties: ["points": "5"], sentAt: Int64(Date().timeIntervalSince1970) - 120, waits: 60)
            }
            let refusedLate = try await Self.post(client, "/bitrix24/robot", late)
            #expect(refusedLate.status == .badRequest && refusedLate.json?["detail"]?.stringValue?.contains("stopped waiting") == true)
            #expect(try await store.count(.inbox, state: "done") == 1)
            #expect(try await store.count(.inbox, state: "queued") == 0)
            #expect(mock.with { $0.robotAnswers[lateToken] } == nil)

            // Uninstall: forged is refused; the portal's own removes the tokens.
            #expect(try await Self.post(client, "/bitrix24/event", mock.with { $0.uninstallForm(applicationToken: "forged") }).status == .unauthorized)
            #expect(try await store.portal() != nil)
            #expect(try await Self.post(client, "/bitrix24/event", mock.with { $0.uninstallForm() }).status == .ok)
            #expect(try await store.portal() == nil)
        }
    }
}
