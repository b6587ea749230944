import Bitrix24Mock
import Core
import Distribution
import Foundation
import Logging
import PassBuilder
import Synchronization
import Testing
import TestSupport

@testable import Bitrix24

/// The REST client against the mock portal over real HTTP (libcurl): results, pages, token
/// refresh after `expired_token`, the portal's limit, webhook access.
@Suite struct ClientTests {
    /// Tokens kept in memory, counting replacements.
    final class MemoryTokens: PortalTokenStore {
        let state: Mutex<(tokens: OAuthTokens, replaced: Int)>
        init(_ tokens: OAuthTokens) { state = Mutex((tokens, 0)) }
        func tokens() async throws -> OAuthTokens { state.withLock { $0.tokens } }
        func replace(_ tokens: OAuthTokens) async throws { state.withLock { $0 = (tokens, $0.replaced + 1) } }
        var current: (tokens: OAuthTokens, replaced: Int) { state.withLock { $0 } }
    }

    static func withPortal(
        _ configure: (inout MockPortal) -> Void = { _ in },
        _ body: @Sendable (Bitrix24MockServer, Bitrix24Client, MemoryTokens, String) async throws -> Void
    ) async throws {
        var portal = MockPortal()
        configure(&portal)
        let mock = Bitrix24MockServer(portal: portal)
        try await mock.withRunning(logger: TestDatabase.logger) { base in
            let (access, refresh, app) = mock.with { ($0.accessTokens.first!, $0.refreshToken, OAuthApp(clientID: $0.clientID, clientSecret: $0.clientSecret, serverURL: base)) }
            let store = MemoryTokens(OAuthTokens(accessToken: access, refreshToken: refresh, expiresIn: 3600, clientEndpoint: base + "/rest/"))
            // Deadlines a loaded host cannot break: these tests are about the wire, not the clock.
            let client = Bitrix24Client(http: CurlHTTPClient(), access: .app(app, store), timeout: .seconds(180))
            try await body(mock, client, store, base)
        }
    }

    @Test func callsReturnResultsAndListsPageByFifty() async throws {
        try await Self.withPortal({ portal in
            for i in 0..<120 { portal.addContact(name: "C\(i)", phones: ["+7916000\(String(format: "%04d", i))"]) }
        }) { _, client, _, _ in
            let info = try await client.call("app.info")
            #expect(info.result["INSTALLED"] == .bool(true))
            let first = try await client.call("crm.contact.list", ["select": .array([.string("ID"), .string("PHONE")])])
            #expect(first.result.arrayValue?.count == 50 && first.next == 50 && first.total == 120)
            let last = try await client.call("crm.contact.list", ["start": .integer(100)])
            #expect(last.result.arrayValue?.count == 20 && last.next == nil)
            do {
                _ = try await client.call("crm.deal.get", ["id": .integer(999_999)])
                Issue.record("a missing deal is an error")
            } catch let error as Bitrix24CallError {
                guard case .portal(_, let e) = error else { throw error }
                #expect(e.isNotFound && e.status == 400 && error.disposition == .fail)
            }
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceAndTheCallRepeated() async throws {
        try await Self.withPortal { mock, client, store, _ in
            let before = store.current.tokens
            mock.with { $0.expireAccessToken() }
            // Several calls meet one expiry: one refresh between them (each refresh spends the refresh token).
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 { group.addTask { _ = try await client.call("app.info") } }
                try await group.waitForAll()
            }
            let after = store.current
            #expect(after.replaced == 1, "one refresh for one expiry")
            #expect(after.tokens.accessToken != before.accessToken && after.tokens.refreshToken != before.refreshToken)
            #expect(mock.with { $0.refreshToken } == after.tokens.refreshToken, "the stored pair is the portal's current one")
            #expect(mock.with { $0.refresh(["grant_type": "refresh_token", "client_id": $0.clientID, "client_secret": $0.clientSecret, "refresh_token": before.refreshToken]) }.body["error"]?.stringValue == "invalid_grant", "the old refresh token is spent")
            _ = try await client.call("app.info")
            #expect(store.current.replaced == 1, "no refresh while the token is good")
        }
    }

    @Test func aRevokedAppIsDisconnectedNotRetried() async throws {
        try await Self.withPortal { mock, client, _, _ in
            mock.with { $0.expireAccessToken(); $0.refreshToken = "revoked" }
            do {
                _ = try await client.call("app.info")
                Issue.record("a refused refresh fails the call")
            } catch let error as Bitrix24CallError {
                #expect(error.disposition == .disconnected, "\(error)")
            }
        }
    }

    @Test func thePortalsLimitAnswersQueryLimitExceededToRetry() async throws {
        try await Self.withPortal({ $0.rate = 0.001 }) { mock, client, _, _ in
            var refused = 0, answered = 0
            for _ in 0..<55 {
                do {
                    _ = try await client.call("app.info")
                    answered += 1
                } catch let error as Bitrix24CallError {
                    guard case .portal(_, let e) = error, e.code == "QUERY_LIMIT_EXCEEDED", e.status == 503 else { throw error }
                    #expect(error.disposition == .retry)
                    refused += 1
                }
            }
            #expect(answered == 50 && refused == 5, "a burst of 50, then refusals")
        }
    }

    @Test func aWebhookCallsCRMMethodsButNotAppOnlyOnes() async throws {
        try await Self.withPortal({ $0.addContact(name: "Anna", phones: ["8 916 123-45-67"]) }) { mock, _, _, base in
            let secret = mock.with { $0.webhook.secret }
            let hook = Bitrix24Client(http: CurlHTTPClient(), access: .webhook(url: "\(base)/rest/1/\(secret)/"), timeout: .seconds(180))
            let found = try await hook.call("crm.duplicate.findbycomm", ["type": .string("PHONE"), "values": .array([.string("+79161234567")]), "entity_type": .string("CONTACT")])
            #expect(found.result["CONTACT"] == .array([.integer(1)]), "matched whatever the spelling")
            do {
                _ = try await hook.call("placement.bind", ["PLACEMENT": .string("CRM_DEAL_DETAIL_TAB"), "HANDLER": .string("https://passes.example.com/b")])
                Issue.record("placement.bind is app-only")
            } catch let error as Bitrix24CallError {
                guard case .portal(_, let e) = error else { throw error }
                #expect(e.code == "WRONG_AUTH_TYPE")
            }
            let wrong = Bitrix24Client(http: CurlHTTPClient(), access: .webhook(url: "\(base)/rest/1/nope/"), timeout: .seconds(180))
            await #expect(throws: Bitrix24CallError.self) { _ = try await wrong.call("app.info") }
        }
    }
}
