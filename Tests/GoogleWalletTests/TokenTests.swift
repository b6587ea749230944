import Core
import Foundation
import GoogleWallet
import GoogleWalletMock
import Synchronization
import Testing

/// Access tokens from the mock's token endpoint over HTTP: one exchange serves many calls and
/// concurrent callers, renewal before expiry and after a 401, and the endpoint's refusals.
@Suite struct TokenTests {
    @Test func aTokenIsReusedAndConcurrentCallersShareOneFetch() async throws {
        try await Fixtures.withMock { mock, client, _ in
            let tokens = client.tokens
            let concurrent = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await tokens.token().value } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(concurrent.count == 1 && mock.counts(.token) == [1], "eight callers, one exchange")
            let again = try await tokens.token()
            #expect(concurrent.contains(again.value) && mock.counts(.token) == [1])
            var dumped = ""
            dump(again, to: &dumped)
            for text in [again.description, String(reflecting: again), dumped] {
                #expect(!text.contains(again.value), "printing never shows the token: \(text)")
            }
        }
    }

    @Test func aTokenIsRenewedFiveMinutesBeforeItExpires() async throws {
        let clock = TestClock()
        try await Fixtures.withMock(clock: clock) { mock, client, _ in
            let first = try await client.tokens.token()
            #expect(first.renewAt == clock.date.addingTimeInterval(3600 - 300))
            clock.advance(3600 - 300 - 1)
            #expect(try await client.tokens.token() == first && mock.counts(.token) == [1])
            clock.advance(1)
            let second = try await client.tokens.token()
            #expect(second.value != first.value && mock.counts(.token) == [2])
            // The mock accepted the second assertion: its iat is the moved clock's.
            #expect(await client.getObject(id: Fixtures.objectID("none")) == .notFound)
        }
    }

    @Test func aShortLivedTokenIsRenewedAtHalfItsLife() async throws {
        let clock = TestClock()
        try await Fixtures.withMock(clock: clock, configure: { $0.tokenLifetime = 120 }) { mock, client, _ in
            let first = try await client.tokens.token()
            #expect(first.renewAt == clock.date.addingTimeInterval(60))
            clock.advance(60)
            #expect(try await client.tokens.token().value != first.value && mock.counts(.token) == [2])
        }
    }

    @Test func a401RenewsTheTokenOnceAndTheCallSucceeds() async throws {
        try await Fixtures.withMock { mock, client, _ in
            #expect(await client.insertClass(Fixtures.loyaltyClass()).isOK)
            let before = try await client.tokens.token()
            mock.with { $0.expireTokens() }
            let outcome = await client.getClass(id: Fixtures.classID())
            #expect(outcome.decoded(GoogleLoyaltyClass.self) == Fixtures.loyaltyClass())
            #expect(mock.counts(.token, .classGet) == [2, 2], "one renewal, the call made twice")
            #expect(try await client.tokens.token().value != before.value)
        }
    }

    @Test func invalidatingKeepsANewerToken() async throws {
        try await Fixtures.withMock { mock, client, _ in
            let old = try await client.tokens.token()
            await client.tokens.invalidate(old)
            let new = try await client.tokens.token()
            #expect(new.value != old.value && mock.counts(.token) == [2])
            await client.tokens.invalidate(old)
            #expect(try await client.tokens.token() == new && mock.counts(.token) == [2])
        }
    }

    @Test func a401WithAFreshTokenIsRejectedNotLooped() async throws {
        // Every API request meets an expired token (a service account without access to the issuer).
        let wrap: @Sendable (GoogleWalletMockServer, @escaping GoogleSend) -> GoogleSend = { mock, send in
            { request in
                if request.url.contains("/walletobjects/") { mock.with { $0.expireTokens() } }
                return try await send(request)
            }
        }
        try await Fixtures.withMock(send: wrap) { mock, client, _ in
            let outcome = await client.getObject(id: Fixtures.objectID("x"))
            let rejection = try #require(outcome.rejection)
            #expect(rejection.status == 401 && rejection.message.hasPrefix("UNAUTHENTICATED: Request had invalid authentication credentials"))
            #expect(mock.counts(.token, .objectGet) == [2, 2])
        }
    }

    @Test func aRefusedGrantIsFinalAndAnUnavailableEndpointIsRetried() async throws {
        try await Fixtures.withMock(registered: false) { mock, client, _ in
            let rejection = try #require(await client.getObject(id: Fixtures.objectID("x")).rejection)
            #expect(rejection.status == nil && rejection.message.contains("invalid_grant: Invalid grant: account not found"))
            #expect(mock.counts(.token, .objectGet) == [1, 0], "nothing reaches the API without a token")
        }
        try await Fixtures.withMock(configure: { $0.tokenFaults = [503] }) { mock, client, _ in
            let reason = try #require(await client.getObject(id: Fixtures.objectID("x")).retryReason)
            #expect(reason == .token(.unavailable(status: 503)))
            #expect(await client.getObject(id: Fixtures.objectID("x")) == .notFound, "the next try gets a token")
            #expect(mock.counts(.token) == [2])
        }
    }

    /// The mock's token endpoint checks the assertion as Google does.
    @Test func theMockRefusesBadAssertions() throws {
        let (mock, account) = try Fixtures.account()
        let other = try MockServiceAccount.generate(email: "other@passline-test.iam.gserviceaccount.com")
        var wallet = MockWallet(issuerID: Fixtures.issuer.value)
        wallet.register(mock)
        let now: Double = 1_767_225_600
        struct Claims: Encodable {
            var iss = Fixtures.email
            var scope = "https://www.googleapis.com/auth/wallet_object.issuer"
            var aud = "https://oauth2.googleapis.com/token"
            var iat: Int64 = 1_767_225_600
            var exp: Int64 = 1_767_225_600 + 3600
        }
        func grant(_ claims: Claims, signer: GoogleServiceAccount? = nil, grantType: String = "urn:ietf:params:oauth:grant-type:jwt-bearer") throws -> MockReply {
            let jwt = try GoogleJWT.sign(claims, with: signer ?? account)
            return wallet.token(form: FormBody.encode([("grant_type", grantType), ("assertion", jwt)]), now: now)
        }
        let ok = try grant(Claims())
        #expect(ok.status == 200 && ok.body["token_type"] == .string("Bearer") && ok.body["expires_in"] == .int(3600))
        #expect(ok.body["access_token"]?.stringValue?.isEmpty == false)

        var wrongAudience = Claims()
        wrongAudience.aud = "https://example.com/token"
        var wrongScope = Claims()
        wrongScope.scope = "https://www.googleapis.com/auth/cloud-platform"
        var tooLong = Claims()
        tooLong.exp = tooLong.iat + 3601
        var expired = Claims()
        (expired.iat, expired.exp) = (Int64(now) - 4000, Int64(now) - 400)
        var future = Claims()
        (future.iat, future.exp) = (Int64(now) + 600, Int64(now) + 1200)
        let cases: [(MockReply, String, String)] = [
            (try grant(wrongAudience), "invalid_grant", "audience"),
            (try grant(wrongScope), "invalid_scope", "scope"),
            (try grant(tooLong), "invalid_grant", "short-lived"),
            (try grant(expired), "invalid_grant", "short-lived"),
            (try grant(future), "invalid_grant", "short-lived"),
            (try grant(Claims(), signer: GoogleServiceAccount(json: other.keyFile)), "invalid_grant", "Signature"),
            (try grant(Claims(), grantType: "client_credentials"), "unsupported_grant_type", "grant_type"),
        ]
        for (reply, error, mentions) in cases {
            #expect(reply.status == 400 && reply.body["error"]?.stringValue == error, "\(reply)")
            #expect(reply.body["error_description"]?.stringValue?.contains(mentions) == true, "\(reply)")
        }
        // An account the issuer never registered.
        var forged = Claims()
        forged.iss = other.email
        #expect(try grant(forged).body["error_description"] == .string("Invalid grant: account not found"))
        #expect(wallet.validTokens(now: now) == 1)
    }
}
