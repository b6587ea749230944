import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Distribution
@testable import Server

/// Download links over HTTP on both engines: the API, `/p/{token}` for iPhones and other
/// browsers, households, counting, refusals, the SMS outbox and ledger notifications.
@Suite struct DistributionLinkTests {
    @Test(arguments: Engine.allCases)
    func linkServesPassToIPhoneAndPageToOthers(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            let number = try await d.api.issueNumber("Анна Петрова", phone: "+7 912 345-67-89")
            let r = try await d.api.post("/cards/\(number)/link", "")
            #expect(r.status == .created, "\(r.text)")
            let url = try #require(r.json?["url"]?.stringValue)
            let token = try #require(r.json?["token"]?.stringValue)
            #expect(url == "https://passes.example.com/p/\(token)")
            #expect((22...32).contains(token.count))
            #expect(r.json?["scope"]?.stringValue == "card")
            let expires = try #require(r.json?["expiresAt"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(expires.timeIntervalSinceNow - 30 * 86_400) < 120)

            // An iPhone gets the pass itself.
            let pass = try await d.request(.get, "/p/\(token)", headers: [.userAgent: iPhoneUserAgent])
            #expect(pass.status == .ok)
            #expect(pass.headers[.contentType] == "application/vnd.apple.pkpass")
            let entries = try pass.zipEntries()
            let passJSON = try JSONValue(parsing: try #require(entries["pass.json"]))
            let card = try await d.api.card(number)
            #expect(passJSON["serialNumber"]?.stringValue == card["serialNumber"]?.stringValue)
            #expect(entries["signature"] != nil && entries["manifest.json"] != nil)

            // Another browser gets the page: preview, QR code of the link, the Wallet button.
            let page = try await d.request(.get, "/p/\(token)", headers: [.userAgent: desktopUserAgent, .acceptLanguage: "ru-RU,ru;q=0.9"])
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("Анна Петрова") && page.text.contains(number))
            #expect(page.text.contains("Добавить в Apple Wallet"))
            #expect(page.text.contains("href=\"\(url)?download=1\""))
            #expect(page.text.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            #expect(!page.text.contains("<script"))
            let english = try await d.request(.get, "/p/\(token)?lang=en", headers: [.userAgent: desktopUserAgent])
            #expect(english.text.contains("Add to Apple Wallet"))

            // The button downloads the pass whatever the browser.
            let button = try await d.request(.get, "/p/\(token)?download=1", headers: [.userAgent: desktopUserAgent])
            #expect(button.status == .ok && button.headers[.contentType] == "application/vnd.apple.pkpass")

            let link = try await d.distribution.store.cardLink(cardNumber: number)
            #expect(link.opens == 2 && link.downloads == 2)
            let again = try await d.api.post("/cards/\(number)/link", "{}")
            #expect(again.json?["opens"]?.int64 == 2 && again.json?["downloads"]?.int64 == 2)
        }
    }

    @Test(arguments: Engine.allCases)
    func householdLinkDeliversEveryCardAsPkpasses(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            let parent = try await d.api.issueNumber("Ирина Смирнова", phone: "8 (916) 123-45-67")
            let child = try await d.api.issueNumber("Миша Смирнов", phone: "+79161234567")
            let r = try await d.api.post("/cards/\(child)/link", #"{"household":true,"ttlDays":7}"#)
            #expect(r.status == .created, "\(r.text)")
            #expect(r.json?["scope"]?.stringValue == "household")
            let token = try #require(r.json?["token"]?.stringValue)
            let bundle = try await d.request(.get, "/p/\(token)", headers: [.userAgent: iPhoneUserAgent])
            #expect(bundle.status == .ok)
            #expect(bundle.headers[.contentType] == "application/vnd.apple.pkpasses")
            let names = try bundle.zipEntries().keys.sorted()
            #expect(names == ["\(parent).pkpass", "\(child).pkpass"].sorted())
            let page = try await d.request(.get, "/p/\(token)")
            #expect(page.text.contains("Ирина Смирнова") && page.text.contains("Миша Смирнов"))

            // With one card blocked, the household link delivers the other alone, as a .pkpass.
            #expect(try await d.api.post("/cards/\(parent)/block", "").status == .ok)
            let single = try await d.request(.get, "/p/\(token)", headers: [.userAgent: iPhoneUserAgent])
            #expect(single.headers[.contentType] == "application/vnd.apple.pkpass")
        }
    }

    @Test(arguments: Engine.allCases)
    func badLinksGetAPageThatSaysWhatHappened(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            let number = try await d.api.issueNumber("Олег", phone: "+7 903 000-11-22")
            let card = try #require(try await d.s.server.loyalty.ledger.card(number: number))
            let token = try #require(try await d.api.post("/cards/\(number)/link", "").json?["token"]?.stringValue)

            // Tampered: one character changed.
            var chars = Array(token)
            chars[5] = chars[5] == "A" ? "B" : "A"
            let tampered = try await d.request(.get, "/p/\(String(chars))", headers: [.acceptLanguage: "en"])
            #expect(tampered.status == .notFound)
            #expect(tampered.text.contains("This link is not valid"))
            #expect(tampered.headers[.contentType] == "text/html; charset=utf-8")
            #expect(try await d.request(.get, "/p/not-a-token").status == .notFound)

            // Expired: issued 31 days ago with the default 30-day validity.
            let old = try await d.distribution.issueLink(for: card, household: false, now: Date().addingTimeInterval(-31 * 86_400))
            let expired = try await d.request(.get, "/p/\(old.token)", headers: [.acceptLanguage: "en", .userAgent: iPhoneUserAgent])
            #expect(expired.status == .gone)
            #expect(expired.text.contains("This link has expired"))

            // Revoked: the API withdraws every link of the card; new links work.
            let revoke = try await d.api.call(.delete, "/cards/\(number)/link")
            #expect(revoke.status == .ok && revoke.json?["revoked"]?.int64 == 1)
            let revoked = try await d.request(.get, "/p/\(token)", headers: [.acceptLanguage: "ru"])
            #expect(revoked.status == .gone)
            #expect(revoked.text.contains("Ссылка отозвана"))
            let fresh = try #require(try await d.api.post("/cards/\(number)/link", "").json?["token"]?.stringValue)
            #expect(fresh != token)
            #expect(try await d.request(.get, "/p/\(fresh)").status == .ok)

            // A blocked card: its link says so, and the API refuses new links and SMS; nothing is sent.
            #expect(try await d.api.post("/cards/\(number)/block", "").status == .ok)
            let blocked = try await d.request(.get, "/p/\(fresh)", headers: [.acceptLanguage: "en", .userAgent: iPhoneUserAgent])
            #expect(blocked.status == .gone)
            #expect(blocked.text.contains("This card is not active"))
            d.api.expectProblem(try await d.api.post("/cards/\(number)/link", ""), .conflict, field: nil)
            d.api.expectProblem(try await d.api.post("/cards/\(number)/sms", ""), .conflict, field: nil)
            d.api.expectProblem(try await d.api.post("/cards/nope-1/sms", ""), .notFound, field: nil)
            d.api.expectProblem(try await d.api.post("/cards/\(number)/link", #"{"ttlDays":0}"#), .unprocessableContent, field: "ttlDays")
            d.api.expectProblem(try await d.api.post("/cards/\(number)/link", #"{"household":"yes"}"#), .unprocessableContent, field: "household")
            d.api.expectProblem(try await d.api.post("/cards/\(number)/link", "[1"), .badRequest, field: nil)
            #expect(try await d.count("SELECT COUNT(*) FROM sms_outbox") == 0)
            let unauthenticated = try await d.request(.post, "/api/v1/cards/\(number)/link")
            #expect(unauthenticated.status == .unauthorized)
        }
    }

    @Test(arguments: Engine.allCases)
    func smsCarriesTheLinkAndRecordsDelivery(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            // The link text is 88 UCS-2 units: 2 SMS parts a message, 4 for two.
            try await d.configureProgram(join: nil, sms: #"{"locale":"ru","hourlyBudget":4,"sender":"Gambit"}"#)
            let number = try await d.api.issueNumber("Анна", phone: "+7 912 345-67-89")
            let r = try await d.api.post("/cards/\(number)/sms", "", headers: [IdempotencyMiddleware.header: "sms-1"])
            #expect(r.status == .accepted, "\(r.text)")
            let id = try #require(r.json?["message"]?["id"]?.int64)
            let url = try #require(r.json?["link"]?["url"]?.stringValue)
            // The same key replays: one message only.
            let replay = try await d.api.post("/cards/\(number)/sms", "", headers: [IdempotencyMiddleware.header: "sms-1"])
            #expect(replay.headers[.idempotentReplayed] == "true" && replay.json?["message"]?["id"]?.int64 == id)

            let messages = try await d.waitForMessages(1)
            #expect(messages.first?.to == "+79123456789")
            #expect(messages.first?.text == "Карта «Loyalty program» (Анна): \(url)")
            var state = ""
            for _ in 0..<100 {
                state = try await d.api.get("/sms/\(id)").json?["state"]?.stringValue ?? ""
                if state == "sent" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(state == "sent")
            let shown = try await d.api.get("/sms/\(id)")
            #expect(shown.json?["provider"]?.stringValue == "dev" && shown.json?["providerMessageId"]?.stringValue == "dev-1")
            d.api.expectProblem(try await d.api.get("/sms/999999"), .notFound, field: nil)
            d.api.expectProblem(try await d.api.get("/sms/abc"), .badRequest, field: "id")

            // The hourly budget (4 parts) is spent after one more: then 429, nothing queued.
            #expect(try await d.api.post("/cards/\(number)/sms", "").status == .accepted)
            let over = try await d.api.post("/cards/\(number)/sms", "")
            d.api.expectProblem(over, .tooManyRequests, field: nil)
            #expect(try await d.count("SELECT COUNT(*) FROM sms_outbox") == 2)
        }
    }

    @Test(arguments: Engine.allCases)
    func optedInLedgerNotificationsAreSentOnce(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            let number = try await d.api.issueNumber("Анна", phone: "+7 912 345-67-89")
            // Off by default: nothing for this accrual.
            try await d.api.apply(number, #"{"type":"accrual","points":500}"#)
            await DistributionWorker(distribution: d.distribution).runOnce()
            try await d.configureProgram(join: nil, sms: #"{"notifyAccrual":true,"notifyDebit":true}"#)
            try await d.api.apply(number, #"{"type":"debit","points":100,"comment":"Шахматы для начинающих"}"#)
            try await d.api.apply(number, #"{"type":"purchase","amount":"1500.00"}"#)
            let messages = try await d.waitForMessages(2)
            // Sent concurrently: compare without order.
            #expect(Set(messages.map(\.text)) == [
                "Списано 100 баллов в счет заказа «Шахматы для начинающих», ваш баланс 500 баллов",
                "Начислено 75 баллов, ваш баланс 575 баллов",
            ])
            // Rounds again (entries stay unsettled for a while): still one message per entry.
            for _ in 0..<3 { await DistributionWorker(distribution: d.distribution).runOnce() }
            #expect(try await d.count("SELECT COUNT(*) FROM sms_outbox") == 2)
            #expect(try d.sentMessages().count == 2)
        }
    }
}
