import Foundation
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Storage
import Testing
import TestSupport

@testable import Server

/// The dashboard's pages over a live server, on SQLite and PostgreSQL: card search, a card's
/// household, ledger and devices, the broadcasts, the overview, both languages, bad input.
@Suite struct AdminPagesTests {
    /// A household of two cards (Анна and Миша on one phone), a third card elsewhere, an Apple and an
    /// Android wallet holding Анна's pass, and some ledger entries.
    struct Household {
        var anna: String
        var misha: String
        var other: String
        var annaSerial: String
    }

    static func household(_ s: TestServer, _ client: any TestClientProtocol) async throws -> Household {
        let api = LoyaltyAPI(s, client)
        let anna = try await api.issue("Анна Петрова", phone: "+7 912 345-67-89")
        let annaNumber = try #require(anna["number"]?.stringValue)
        let serial = try #require(anna["serialNumber"]?.stringValue)
        let misha = try await api.issueNumber("Миша <b>Петров</b>", phone: "8 912 345-67-89")
        let other = try await api.issueNumber("Olga Smirnova", phone: "+7 916 000-11-22")
        try await api.apply(annaNumber, #"{"type":"accrual","points":500,"businessKey":"deal:1:accrual","comment":"Deal <1>"}"#)
        try await api.apply(misha, #"{"type":"debit","points":120}"#)
        for (device, scheme, token) in [("a1b2c3d4e5f60718293a4b5c6d7e8f90", "ApplePass", pushTokenA), ("android-device-0001", "AndroidPass", pushTokenB)] {
            let r = try await client.execute(
                uri: "/v1/devices/\(device)/registrations/\(s.passType)/\(serial)", method: .post,
                headers: [.authorization: "\(scheme) \(s.token(serial))", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"pushToken":"\#(token)"}"#))
            #expect(r.status == .created)
        }
        return Household(anna: annaNumber, misha: misha, other: other, annaSerial: serial)
    }

    @Test(arguments: Engine.allCases)
    func searchFindsCardsByNameNumberAndAnyPhoneSpelling(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let h = try await Self.household(s, client)
            var browser = AdminBrowser(s, client)
            try await browser.signIn(s.server.adminToken)

            let empty = try await browser.get("/admin/cards")
            #expect(empty.status == .ok)
            #expect(!empty.text.contains(#"class="result""#))
            AdminExpect.securityHeaders(empty, "search")

            let byName = try await browser.get("/admin/cards?q=\(LoyaltyAPI.query("Анна"))")
            #expect(byName.text.contains(h.anna) && !byName.text.contains(h.other), "\(byName.text)")
            let byNumber = try await browser.get("/admin/cards?q=\(h.other)")
            #expect(byNumber.text.contains("Olga Smirnova") && !byNumber.text.contains(h.anna))
            let byPhone = try await browser.get("/admin/cards?q=\(LoyaltyAPI.query("8 (912) 345-67-89"))")
            #expect(byPhone.text.components(separatedBy: #"class="result""#).count - 1 == 2, "the household's two cards: \(byPhone.text)")
            #expect(byPhone.text.contains(h.anna) && byPhone.text.contains(h.misha))
            #expect(byPhone.text.contains(#"<table id="results">"#) && !Self.hasResultsTable(empty))
            // Names are escaped, never markup.
            #expect(byPhone.text.contains("Миша &lt;b&gt;Петров&lt;/b&gt;") && !byPhone.text.contains("<b>Петров"))
            let nothing = try await browser.get("/admin/cards?q=nobody", headers: [.acceptLanguage: "en"])
            #expect(nothing.status == .ok && nothing.text.contains("Nothing found."))

            let long = try await browser.get("/admin/cards?q=\(String(repeating: "x", count: 101))")
            #expect(long.status == .unprocessableContent)
            let control = try await browser.get("/admin/cards?q=a%01b")
            #expect(control.status == .unprocessableContent)
            let badCursor = try await browser.get("/admin/cards?after=a%2Fb")
            #expect(badCursor.status == .badRequest)
        }
    }

    /// A search page without a results table.
    static func hasResultsTable(_ page: Reply) -> Bool { page.text.contains(#"<table id="results">"#) }

    @Test(arguments: Engine.allCases)
    func searchPagesThroughEveryCardOnce(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            var numbers: [String] = []
            for i in 0..<(AdminRoutes.searchPageSize + 3) {
                numbers.append(try await api.issueNumber("Pupil \(i)", phone: "+7 913 000-\(String(format: "%02d", i / 100))-\(String(format: "%02d", i % 100))"))
            }
            var browser = AdminBrowser(s, client)
            try await browser.signIn(s.server.adminToken)
            let first = try await browser.get("/admin/cards?q=Pupil")
            let firstRows = first.text.components(separatedBy: #"class="result""#).count - 1
            #expect(firstRows == AdminRoutes.searchPageSize)
            let next = try #require(first.text.range(of: #"after=([^"]+)" id="next""#, options: .regularExpression).map { first.text[$0] })
            let cursor = String(next.dropFirst("after=".count).prefix { $0 != "\"" })
            let second = try await browser.get("/admin/cards?q=Pupil&after=\(cursor)")
            #expect(second.text.components(separatedBy: #"class="result""#).count - 1 == 3)
            #expect(!second.text.contains(#"id="next""#))
            for n in numbers { #expect(first.text.contains(">\(n)<") != second.text.contains(">\(n)<"), "\(n) on exactly one page") }
        }
    }

    @Test(arguments: Engine.allCases)
    func cardPageShowsTheHouseholdLedgerAndDevicesButNoPushToken(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let h = try await Self.household(s, client)
            var browser = AdminBrowser(s, client)
            try await browser.signIn(s.server.adminToken)
            let page = try await browser.get("/admin/cards/\(h.anna)", headers: [.acceptLanguage: "en"])
            #expect(page.status == .ok)
            AdminExpect.securityHeaders(page, "card page")
            let text = page.text
            let balance = try await s.server.loyalty.card(number: h.anna)?.balance
            #expect(text.contains(#"id="balance">\#(try #require(balance))<"#), "\(text)")
            // The household: both cards, the other linked.
            #expect(text.contains(#"href="/admin/cards/\#(h.misha)""#) && text.contains("Миша &lt;b&gt;Петров&lt;/b&gt;"))
            #expect(!text.contains(h.other))
            // The ledger, newest first: the debit (made on Миша's card) before the accrual before the welcome points.
            let debit = try #require(text.range(of: "-120"))
            let accrual = try #require(text.range(of: "+500"))
            #expect(debit.lowerBound < accrual.lowerBound)
            #expect(text.contains("Deal &lt;1&gt;") && text.contains("welcome"))
            // Devices: which wallet and when, nothing that identifies or reaches the phone.
            #expect(text.components(separatedBy: #"class="device""#).count - 1 == 2)
            #expect(text.contains(#"<table id="devices">"#) && text.contains(#"<table id="ledger">"#) && text.contains(#"<table id="household">"#))
            #expect(text.contains("Apple Wallet") && text.contains("Android"))
            #expect(!text.contains(pushTokenA) && !text.contains(pushTokenB) && !text.contains("a1b2c3d4e5f60718293a4b5c6d7e8f90") && !text.contains("android-device-0001"))
            #expect(!text.contains(s.token(h.annaSerial)), "no pass authentication token")
            #expect(!text.contains(#"id="google""#), "Google Wallet is off in this server")

            let misha = try await browser.get("/admin/cards/\(h.misha)")
            #expect(misha.text.contains(#"id="no-devices""#))
            #expect(try await browser.get("/admin/cards/NOPE-1").status == .notFound)
            #expect(try await browser.get("/admin/cards/%2E%2E").status == .badRequest)
            #expect(try await browser.get("/admin/cards/\(h.anna)?before=x").status == .badRequest)
            #expect(try await browser.get("/admin/cards/\(h.anna)?before=-5").status == .badRequest)
        }
    }

    @Test(arguments: Engine.allCases)
    func cardPageShowsTheGoogleWalletObjectWhenGoogleIsOn(_ engine: Engine) async throws {
        try await GoogleWalletServerTests.withGoogle(engine) { f in
            let number = try await f.api.issueNumber("Daria", phone: "+7 916 555-09-09")
            let store = f.google.store
            var state = ""
            for _ in 0..<100 {
                state = try await store.object(cardNumber: number)?.syncState ?? ""
                if state == "synced" { break }
                await f.drain()
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(state == "synced")
            var browser = AdminBrowser(f.s, f.client)
            try await browser.signIn(f.s.server.adminToken)
            let page = try await browser.get("/admin/cards/\(number)", headers: [.acceptLanguage: "en"])
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<div class="panel" id="google"><p>Object: <strong>current</strong> · saved in a wallet: <strong>no</strong>"#), "\(page.text)")
        }
    }

    @Test(arguments: Engine.allCases)
    func theLedgerIsPagedNewestFirst(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let api = LoyaltyAPI(s, client)
            let number = try await api.issueNumber("Vera", phone: "+7 917 111-22-33")
            let extra = AdminRoutes.ledgerPageSize + 2
            for i in 1...extra { try await api.apply(number, #"{"type":"accrual","points":\#(i)}"#) }
            var browser = AdminBrowser(s, client)
            try await browser.signIn(s.server.adminToken)
            let first = try await browser.get("/admin/cards/\(number)")
            #expect(first.text.components(separatedBy: #"class="entry""#).count - 1 == AdminRoutes.ledgerPageSize)
            #expect(first.text.contains("+\(extra)<"), "the newest entry first")
            let link = try #require(first.text.range(of: #"\?before=[0-9]+" id="older""#, options: .regularExpression).map { String(first.text[$0]) })
            let before = link.dropFirst("?before=".count).prefix { $0.isNumber }
            let second = try await browser.get("/admin/cards/\(number)?before=\(before)")
            // 1 welcome entry + `extra` accruals = 28 entries: 25, then 3.
            #expect(second.text.components(separatedBy: #"class="entry""#).count - 1 == 3)
            #expect(second.text.contains("+1<") && second.text.contains(#"id="newest""#) && !second.text.contains(#"id="older""#))
        }
    }

    @Test(arguments: Engine.allCases)
    func broadcastsShowTheirProgress(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            _ = try await Self.household(s, client)
            let api = LoyaltyAPI(s, client)
            let created = try await api.post("/broadcasts", #"{"message":{"ru":"Турнир <в субботу>","en":"Tournament"},"points":10,"audience":{"type":"all"}}"#)
            #expect(created.status == .accepted, "\(created.text)")
            let id = try #require(created.json?["id"]?.int64)
            var browser = AdminBrowser(s, client)
            try await browser.signIn(s.server.adminToken)
            let ru = try await browser.get("/admin/broadcasts", headers: [.acceptLanguage: "ru"])
            #expect(ru.status == .ok)
            AdminExpect.securityHeaders(ru, "broadcasts")
            #expect(ru.text.contains(#"id="broadcast-\#(id)""#) && ru.text.contains(#"<table id="broadcast-list">"#))
            #expect(ru.text.contains("Турнир &lt;в субботу&gt;"), "\(ru.text)")
            #expect(ru.text.contains(#"role="progressbar""#) && ru.text.contains("Рассылки"))
            let en = try await browser.get("/admin/broadcasts", headers: [.acceptLanguage: "en"])
            #expect(en.text.contains("Tournament") && en.text.contains("Broadcasts"))
            #expect(try await browser.get("/admin/broadcasts?before=abc").status == .badRequest)
            let older = try await browser.get("/admin/broadcasts?before=\(id)")
            #expect(older.status == .ok && !older.text.contains(#"id="broadcast-\#(id)""#) && !older.text.contains(#"<table id="broadcast-list">"#))
        }
    }

    @Test(arguments: Engine.allCases)
    func pagesSpeakRussianAndEnglishAndTheSwitchIsRemembered(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            var browser = AdminBrowser(s, client)
            let ru = try await browser.get("/admin", headers: [.acceptLanguage: "ru-RU,ru;q=0.9"])
            #expect(ru.text.contains("Войти") && ru.text.contains(#"lang="ru""#))
            let en = try await browser.get("/admin", headers: [.acceptLanguage: "en-US,en;q=0.9"])
            #expect(en.text.contains("Sign in") && !en.text.contains("Войти"))
            try await browser.signIn(s.server.adminToken)
            let switched = try await browser.get("/admin/cards?lang=en", headers: [.acceptLanguage: "ru"])
            #expect(switched.text.contains("Card number, phone or name"))
            let saved = try #require(switched.headers[values: .setCookie].first { $0.hasPrefix(AdminPages.languageCookie + "=") })
            #expect(saved.hasPrefix("\(AdminPages.languageCookie)=en;") && saved.contains("Path=/admin"))
            // The cookie, not Accept-Language, decides from then on.
            let remembered = try await browser.get(
                "/admin/cards", headers: [.acceptLanguage: "ru", .cookie: "\(AdminSessions.cookieName)=\(try #require(browser.session)); \(AdminPages.languageCookie)=en"])
            #expect(remembered.text.contains("Card number, phone or name") && !remembered.text.contains("Номер карты"))
            let russian = try await browser.get("/admin/cards", headers: [.acceptLanguage: "ru"])
            #expect(russian.text.contains("Номер карты, телефон или имя"))
        }
    }

    @Test(arguments: Engine.allCases)
    func noPageShowsTheTokenItWasOpenedWith(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let h = try await Self.household(s, client)
            let (_, keyToken) = try await s.server.loyalty.keys.create(name: "Ops", scopes: [.admin])
            for token in [s.server.adminToken, keyToken] {
                var browser = AdminBrowser(s, client)
                try await browser.signIn(token)
                for path in ["/admin", "/admin/broadcasts", "/admin/cards", "/admin/cards?q=\(h.anna)", "/admin/cards/\(h.anna)", "/admin/cards/NOPE"] {
                    let page = try await browser.get(path)
                    #expect(page.status == .ok || page.status == .notFound, "\(path): \(page.status)")
                    #expect(!page.text.contains(token) && !page.text.contains(String(token.suffix(24))), "\(path) shows the token")
                    #expect(!page.text.contains(s.server.adminToken), "\(path) shows the admin token")
                    #expect(!page.text.contains("<script"), "\(path) has a script")
                }
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func overviewDrawsTheReportsAndRefusesBadPeriods(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            _ = try await Self.household(s, client)
            var browser = AdminBrowser(s, client)
            try await browser.signIn(s.server.adminToken)
            let page = try await browser.get("/admin", headers: [.acceptLanguage: "en"])
            #expect(page.status == .ok)
            #expect(page.text.components(separatedBy: #"<svg class="chart""#).count - 1 == 4, "four charts")
            #expect(page.text.contains(#"<div class="charts" id="charts">"#) && page.text.contains(#"<div class="figures" id="figures">"#))
            // Three cards issued today, in two households.
            #expect(page.text.contains(#"<div class="label">Cards issued</div><div class="value">3</div>"#), "\(page.text.prefix(4000))")
            #expect(page.text.contains(#"<div class="label">New households</div><div class="value">2</div>"#))
            #expect(page.text.contains(#"<div class="label">Points accrued</div><div class="value">500</div>"#))
            #expect(page.text.contains(#"<div class="label">Points redeemed</div><div class="value">120</div>"#))

            let scoped = try await browser.get("/admin?from=2020-01-01&to=2020-01-31&tz=Europe/Moscow", headers: [.acceptLanguage: "en"])
            #expect(scoped.status == .ok)
            #expect(scoped.text.contains(#"<div class="label">Cards issued</div><div class="value">0</div>"#), "nothing was issued in 2020")
            #expect(scoped.text.contains(#"value="2020-01-01""#) && scoped.text.contains(#"value="Europe/Moscow""#))

            for bad in ["from=2026-02-30", "from=2026-13-01", "to=yesterday", "from=2026-03-01&to=2026-02-01", "from=2020-01-01&to=2026-01-01", "tz=Mars/Olympus", "tz=%3Cscript%3E"] {
                let r = try await browser.get("/admin?\(bad)")
                #expect(r.status == .unprocessableContent, "\(bad): \(r.status)")
                #expect(r.text.contains(#"id="error""#), "\(bad)")
                #expect(!r.text.contains("<script>"))
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func signedOutRequestsGoToTheSignInPage(_ engine: Engine) async throws {
        try await TestServer.run(engine) { s, client in
            let browser = AdminBrowser(s, client)
            for path in ["/admin/broadcasts", "/admin/cards", "/admin/cards/1", "/admin/cards?q=x"] {
                let r = try await browser.get(path)
                #expect(r.status == .seeOther, "\(path)")
                #expect(r.headers[.location] == "/admin")
                #expect(r.text.isEmpty)
            }
            let out = try await browser.post("/admin/sign-out", [("csrf", "x")])
            #expect(out.status == .seeOther)
        }
    }
}
