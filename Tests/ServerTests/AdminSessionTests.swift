import Foundation
import HTTPTypes
import Storage
import Testing
import TestSupport

@testable import Server

/// Signing in to /admin, the session cookie, CSRF, sign-out, revoked keys and the limit on wrong
/// tokens: on SQLite and PostgreSQL.
@Suite struct AdminSessionTests {
    @Test(arguments: Engine.allCases)
    func adminTokenSignsInWithAStrictHttpOnlyCookieStoredAsAHash(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            var browser = AdminBrowser(s, client)
            let form = try await browser.get("/admin", headers: [.acceptLanguage: "en"])
            #expect(form.status == .ok)
            #expect(form.text.contains(#"name="token""#) && form.text.contains(#"action="/admin/sign-in""#), "\(form.text)")
            #expect(!form.text.contains("sign-out"), "no session, no sign-out form")
            AdminExpect.securityHeaders(form, "sign-in form")

            let r = try await browser.submitToken(s.server.adminToken)
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/admin")
            AdminExpect.securityHeaders(r, "sign-in redirect")
            let cookie = try #require(AdminBrowser.setCookie(r))
            let attributes = Set(cookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict") && attributes.contains("Path=/admin"), "\(cookie)")
            // The test server's public URL is https: the cookie only travels over TLS.
            #expect(attributes.contains("Secure"), "\(cookie)")
            let id = try #require(AdminBrowser.cookieValue(r))
            #expect(id.count == 43)
            browser.session = id

            // The table holds the id's hash only.
            let stored = try await s.server.database.read { db in
                try await db.query("SELECT id_hash, admin_tag, key_id FROM admin_sessions").map { ($0.text(0) ?? "", $0.text(1), $0.text(2)) }
            }
            #expect(stored.count == 1)
            #expect(stored.first?.0 == AdminExpect.hash(id))
            #expect(stored.first?.0 != id)
            #expect(stored.first?.1 != nil && stored.first?.1 != s.server.adminToken && stored.first?.2 == nil)

            let overview = try await browser.get("/admin", headers: [.acceptLanguage: "en"])
            #expect(overview.status == .ok)
            #expect(overview.text.contains("Sign out") && overview.text.contains("admin token"), "\(overview.text.prefix(2000))")
            #expect(!overview.text.contains(s.server.adminToken))
            AdminExpect.securityHeaders(overview, "overview")
        }
    }

    @Test(arguments: Engine.allCases)
    func plainHTTPGetsNoSecureAttribute(_ engine: Engine) async throws {
        try await TestServer.run(engine, configure: { $0.publicURL = "http://127.0.0.1:8080" }) { s, client in
            let r = try await AdminBrowser(s, client).submitToken(s.server.adminToken)
            #expect(r.status == .seeOther)
            let cookie = try #require(AdminBrowser.setCookie(r))
            #expect(!cookie.contains("Secure") && cookie.contains("HttpOnly"), "\(cookie)")
        }
    }

    @Test(arguments: Engine.allCases)
    func adminKeySignsInCrmKeyIsRefusedAndRevokingTheKeyEndsItsSession(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let keys = s.server.loyalty.keys
            let (_, crmToken) = try await keys.create(name: "CRM", scopes: [.crm])
            let (admin, adminToken) = try await keys.create(name: "Ops", scopes: [.admin])

            let refused = try await AdminBrowser(s, client).submitToken(crmToken)
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("admin scope"), "\(refused.text)")
            #expect(AdminBrowser.setCookie(refused) == nil)
            #expect(!refused.text.contains(crmToken) && !refused.text.contains(String(crmToken.suffix(32))))

            var browser = AdminBrowser(s, client)
            try await browser.signIn(" \(adminToken)\r\n")
            let page = try await browser.get("/admin/cards", headers: [.acceptLanguage: "en"])
            #expect(page.status == .ok)
            #expect(page.text.contains("key \(admin.id)"), "the key is shown by its id")
            #expect(!page.text.contains(adminToken) && !page.text.contains(String(adminToken.suffix(32))), "never its secret")
            #expect(try await s.server.database.read { db in
                try await db.query("SELECT key_id FROM admin_sessions").first?.text(0)
            } == admin.id)

            // Revoked through the API: the next request finds no session, and the row is gone.
            let revoke = try await client.execute(uri: "/api/v1/apikeys/\(admin.id)", method: .delete, headers: s.adminAuth)
            #expect(revoke.status == .noContent, "\(revoke.status)")
            let after = try await browser.get("/admin/cards")
            #expect(after.status == .seeOther)
            #expect(after.headers[.location] == "/admin")
            let home = try await browser.get("/admin", headers: [.acceptLanguage: "en"])
            #expect(home.text.contains(#"name="token""#) && !home.text.contains("Sign out"))
            #expect(try await AdminSessionStore(database: s.server.database).count() == 0)
        }
    }

    @Test(arguments: Engine.allCases)
    func formsNeedTheSessionsCSRFTokenFromThisSiteAndSignOutEndsTheSession(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            var browser = AdminBrowser(s, client)
            try await browser.signIn(s.server.adminToken)
            let page = try await browser.get("/admin/cards")
            let csrf = try #require(AdminBrowser.csrf(in: page), "the page has a sign-out form with the token")
            #expect(csrf.count == 43)

            let missing = try await browser.post("/admin/sign-out", [])
            #expect(missing.status == .forbidden)
            AdminExpect.securityHeaders(missing, "403")
            let wrong = try await browser.post("/admin/sign-out", [("csrf", String(csrf.reversed()))])
            #expect(wrong.status == .forbidden)
            let otherSite = try await browser.post("/admin/sign-out", [("csrf", csrf)], headers: [.origin: "https://evil.example"])
            #expect(otherSite.status == .forbidden)
            let fetchSite = try await browser.post("/admin/sign-out", [("csrf", csrf)], headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            #expect(fetchSite.status == .forbidden)
            let nullOrigin = try await browser.post("/admin/sign-out", [("csrf", csrf)], headers: [.origin: "null"])
            #expect(nullOrigin.status == .forbidden)
            // Every refusal left the session alone.
            #expect(try await browser.get("/admin/cards").status == .ok)
            #expect(try await AdminSessionStore(database: s.server.database).count() == 1)

            // Another session's token is not this one's.
            var other = AdminBrowser(s, client)
            try await other.signIn(s.server.adminToken)
            let otherCSRF = try #require(AdminBrowser.csrf(in: try await other.get("/admin/cards")))
            #expect(otherCSRF != csrf)
            #expect(try await browser.post("/admin/sign-out", [("csrf", otherCSRF)]).status == .forbidden)

            // The public URL's origin and the same-origin fetch metadata pass.
            let out = try await browser.post(
                "/admin/sign-out", [("csrf", csrf)],
                headers: [.origin: "https://passes.example.com", HTTPField.Name("Sec-Fetch-Site")!: "same-origin"])
            #expect(out.status == .seeOther)
            let cleared = try #require(AdminBrowser.setCookie(out))
            #expect(cleared.contains("Max-Age=0"), "\(cleared)")
            // The old cookie opens nothing any more, here or on another server of the same database.
            #expect(try await browser.get("/admin/cards").status == .seeOther)
            #expect(try await AdminSessionStore(database: s.server.database).count() == 1, "only the other session is left")
            #expect(try await other.get("/admin/cards").status == .ok)
        }
    }

    @Test(arguments: Engine.allCases)
    func wrongTokensFromOneAddressAreLimitedThenRefusedEvenWhenRight(_ engine: Engine) async throws {
        try await TestServer.run(engine, configure: { $0.distribution.trustForwardedFor = true }) { s, client in
            var browser = AdminBrowser(s, client)
            browser.extraHeaders = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.7"]
            for i in 0..<AdminSignInGate.attempts {
                let guess = "guess-\(i)-0123456789"
                let r = try await browser.submitToken(guess)
                #expect(r.status == .unauthorized, "try \(i)")
                #expect(r.text.contains("Unknown or revoked token"))
                #expect(!r.text.contains(guess), "the guess is not echoed")
                #expect(AdminBrowser.setCookie(r) == nil)
            }
            let limited = try await browser.submitToken("one-more-guess")
            #expect(limited.status == .tooManyRequests)
            let retry = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect(retry >= 1 && retry <= Int(AdminSignInGate.window))
            AdminExpect.securityHeaders(limited, "429")
            // While limited, the right token is refused too: the answer tells a guesser nothing.
            let right = try await browser.submitToken(s.server.adminToken)
            #expect(right.status == .tooManyRequests)
            #expect(AdminBrowser.setCookie(right) == nil)
            #expect(try await AdminSessionStore(database: s.server.database).count() == 0)

            // Another address is not limited.
            var other = AdminBrowser(s, client)
            other.extraHeaders = [HTTPField.Name("X-Forwarded-For")!: "198.51.100.4"]
            try await other.signIn(s.server.adminToken)
        }
    }

    @Test(arguments: Engine.allCases)
    func aSignInFormFromAnotherSiteIsRefused(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let browser = AdminBrowser(s, client)
            let r = try await browser.submitToken(s.server.adminToken, headers: [.origin: "https://evil.example"])
            #expect(r.status == .forbidden)
            #expect(AdminBrowser.setCookie(r) == nil)
            let big = try await browser.post("/admin/sign-in", [("token", String(repeating: "x", count: 9000))])
            #expect(big.status == .contentTooLarge)
            let unreadable = try await client.execute(
                uri: "/admin/sign-in", method: .post, headers: AdminBrowser.formType, body: .init(string: "token=%zz"))
            #expect(unreadable.status == .badRequest)
            #expect(try await AdminSessionStore(database: s.server.database).count() == 0)
        }
    }

    @Test(arguments: Engine.allCases)
    func aForgedOrExpiredCookieOpensNothing(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            var browser = AdminBrowser(s, client)
            browser.session = String(repeating: "A", count: 43)
            #expect(try await browser.get("/admin/cards").status == .seeOther)
            browser.session = "not-a-session"
            #expect(try await browser.get("/admin/broadcasts").status == .seeOther)
            try await browser.signIn(s.server.adminToken)
            // Past its expiry the row no longer opens the dashboard.
            _ = try await s.server.database.transaction { db in try await db.query("UPDATE admin_sessions SET expires_at = created_at") }
            #expect(try await browser.get("/admin/cards").status == .seeOther)
        }
    }
}
