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

/// `/join` over HTTP on both engines: form, code, confirmation, household, abuse controls,
/// and the signed CRM webhook.
@Suite struct DistributionJoinTests {
    static let phone = "+79123456789"

    func validForm(name: String = "Анна Петрова", phone: String = "8 (912) 345-67-89", children: [String] = [], extra: [(String, String)] = []) -> [(String, String)] {
        var fields = [("lang", "ru"), ("name", name), ("phone", phone), ("consent", "yes"), ("website", "")]
        for (i, c) in children.enumerated() { fields.append(("child\(i + 1)", c)) }
        return fields + extra
    }

    /// The hidden request id of a code page.
    func requestID(_ page: Reply) -> String? {
        guard let r = page.text.range(of: #"name="request" value=""#) else { return nil }
        return String(page.text[r.upperBound...].prefix { $0 != "\"" })
    }

    @Test(arguments: Engine.allCases)
    func joinIssuesTheCardAfterTheCodeAndSendsTheLink(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            let closed = try await d.request(.get, "/join")
            #expect(closed.status == .notFound && closed.text.contains("Регистрация закрыта"))
            try await d.configureProgram()
            let form = try await d.request(.get, "/join", headers: [.acceptLanguage: "en-GB,en;q=0.9"])
            #expect(form.status == .ok)
            #expect(form.text.contains("https://school.example/privacy") && form.text.contains("name=\"child2\"") && !form.text.contains("name=\"child3\""))
            #expect(form.text.contains("I consent to the processing"))
            #expect(!form.text.contains("<script"))

            let sent = try await d.postForm("/join", validForm(children: ["Миша", ""]))
            #expect(sent.status == .ok, "\(sent.text)")
            #expect(sent.text.contains("+7912•••••89"))
            let id = try #require(requestID(sent))
            #expect(try await d.count("SELECT COUNT(*) FROM cards") == 0, "no card before the code")
            _ = try await d.waitForMessages(1)
            let code = try #require(try d.latestCode(to: Self.phone))
            // Only a hash is stored, and the code's message text is erased once sent.
            #expect(try await d.count("SELECT COUNT(*) FROM otp_codes WHERE code_hash LIKE $1", [.text("%\(code)%")]) == 0)
            for _ in 0..<100 where try await d.count("SELECT COUNT(*) FROM sms_outbox WHERE kind = 'code' AND text = ''") == 0 {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await d.count("SELECT COUNT(*) FROM sms_outbox WHERE kind = 'code' AND text = ''") == 1)

            let wrongCode = code == "000000" ? "111111" : "000000"
            let wrong = try await d.postForm("/join/confirm", [("lang", "ru"), ("request", id), ("code", wrongCode)])
            #expect(wrong.status == .unprocessableContent && wrong.text.contains("Осталось попыток: 4"))
            let done = try await d.postForm("/join/confirm", [("lang", "ru"), ("request", id), ("code", code)])
            #expect(done.status == .ok, "\(done.text)")
            #expect(done.text.contains("Карта готова") && done.text.contains("Анна Петрова") && done.text.contains("Миша"))
            let cards = try await d.api.numbers(phone: Self.phone)
            #expect(cards.count == 2)
            let messages = try await d.waitForMessages(2)
            let link = try #require(messages.last?.text.split(separator: " ").last.map(String.init))
            #expect(link.hasPrefix("https://passes.example.com/p/"))
            #expect(done.text.contains(link))
            let token = String(link.dropFirst("https://passes.example.com/p/".count))
            let bundle = try await d.request(.get, "/p/\(token)", headers: [.userAgent: iPhoneUserAgent])
            #expect(bundle.headers[.contentType] == "application/vnd.apple.pkpasses")
            // The consent is recorded with the request.
            #expect(try await d.count("SELECT COUNT(*) FROM join_requests WHERE state = 'confirmed' AND policy_url = 'https://school.example/privacy' AND consent_at > 0") == 1)

            // Submitting the same confirmation again says it is done, and issues and sends nothing.
            let twice = try await d.postForm("/join/confirm", [("lang", "ru"), ("request", id), ("code", code)])
            #expect(twice.status == .conflict && twice.text.contains("Регистрация уже завершена") && !twice.text.contains("/p/"))
            #expect(try await d.count("SELECT COUNT(*) FROM sms_outbox") == 2)

            // The same phone again, another person: joins the household; the same person: no duplicate.
            let second = try await d.postForm("/join", validForm(name: "Олег Петров", phone: "+7 912 345 67 89"))
            let secondID = try #require(requestID(second))
            _ = try await d.waitForMessages(3)
            let secondCode = try #require(try d.latestCode(to: Self.phone))
            #expect(try await d.postForm("/join/confirm", [("request", secondID), ("code", secondCode)]).status == .ok)
            let third = try await d.postForm("/join", validForm(name: "анна петрова"))
            let thirdID = try #require(requestID(third))
            _ = try await d.waitForMessages(5)
            let thirdCode = try #require(try d.latestCode(to: Self.phone))
            #expect(try await d.postForm("/join/confirm", [("request", thirdID), ("code", thirdCode)]).status == .ok)
            #expect(try await d.api.numbers(phone: Self.phone).count == 3)
            #expect(try await d.count("SELECT COUNT(*) FROM accounts") == 1)
        }
    }

    @Test(arguments: Engine.allCases)
    func badInputIssuesNothingAndSendsNothing(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            try await d.configureProgram()
            let invalidPhone = try await d.postForm("/join", validForm(phone: "12345"))
            #expect(invalidPhone.status == .unprocessableContent)
            #expect(invalidPhone.text.contains("Это не похоже на номер телефона"))
            #expect(invalidPhone.text.contains("value=\"Анна Петрова\""), "the form keeps what was typed")
            var noConsent = validForm()
            noConsent.removeAll { $0.0 == "consent" }
            let refused = try await d.postForm("/join", noConsent)
            #expect(refused.status == .unprocessableContent && refused.text.contains("Без согласия"))
            let noName = try await d.postForm("/join", validForm(name: "  "))
            #expect(noName.status == .unprocessableContent && noName.text.contains("Укажите имя"))
            let garbage = try await d.request(.post, "/join", headers: [.contentType: "application/x-www-form-urlencoded"], body: "name=%ZZ")
            #expect(garbage.status == .badRequest)

            // A bot filling the hidden field sees the usual page; nothing is stored or sent.
            let bot = try await d.postForm("/join", validForm(extra: [("website", "http://spam.example")]).filter { $0 != ("website", "") })
            #expect(bot.status == .ok && bot.text.contains("Подтвердите телефон"))
            let botID = try #require(requestID(bot))
            let unknown = try await d.postForm("/join/confirm", [("request", botID), ("code", "123456")])
            #expect(unknown.status == .notFound && unknown.text.contains("Начните заново"))

            #expect(try await d.count("SELECT COUNT(*) FROM join_requests") == 0)
            #expect(try await d.count("SELECT COUNT(*) FROM sms_outbox") == 0)
            #expect(try await d.count("SELECT COUNT(*) FROM cards") == 0)

            // Expired and exhausted codes: a page saying so, no card.
            let sent = try await d.postForm("/join", validForm())
            let id = try #require(requestID(sent))
            _ = try await d.waitForMessages(1)
            let code = try #require(try d.latestCode(to: Self.phone))
            let late = try await d.distribution.confirmJoin(requestID: id, code: code, now: Date().addingTimeInterval(301))
            guard case .expired = late else { Issue.record("expected expired, got \(late)"); return }
            let wrongCode = code == "000000" ? "111111" : "000000"
            for left in stride(from: 4, through: 1, by: -1) {
                let r = try await d.postForm("/join/confirm", [("lang", "en"), ("request", id), ("code", wrongCode)])
                #expect(r.text.contains("Attempts left: \(left)."))
            }
            let fifth = try await d.postForm("/join/confirm", [("lang", "en"), ("request", id), ("code", wrongCode)])
            #expect(fifth.status == .tooManyRequests && fifth.text.contains("No attempts left"))
            let right = try await d.postForm("/join/confirm", [("lang", "en"), ("request", id), ("code", code)])
            #expect(right.status == .tooManyRequests)
            #expect(try await d.count("SELECT COUNT(*) FROM cards") == 0)
        }
    }

    @Test(arguments: Engine.allCases)
    func answersDoNotRevealMembership(_ engine: Engine) async throws {
        try await DistributionServer.run(engine) { d in
            try await d.configureProgram()
            _ = try await d.api.issueNumber("Член Клуба", phone: "+7 916 111-22-33")
            let member = try await d.postForm("/join", validForm(name: "X", phone: "+7 916 111-22-33"))
            let stranger = try await d.postForm("/join", validForm(name: "X", phone: "+7 916 444-55-66"))
            #expect(member.status == stranger.status)
            func normalized(_ r: Reply) -> String {
                var text = r.text
                if let id = requestID(r) { text = text.replacingOccurrences(of: id, with: "ID") }
                return text.replacingOccurrences(of: "+7916•••••33", with: "PHONE").replacingOccurrences(of: "+7916•••••66", with: "PHONE")
            }
            #expect(normalized(member) == normalized(stranger))
        }
    }

    @Test func rateLimitsAndBudgetStopSending() async throws {
        try await DistributionServer.run(.sqlite, configure: { $0.distribution.joinLimitPerPhone = 2; $0.distribution.joinLimitPerIP = 4 }) { d in
            try await d.configureProgram(sms: #"{"hourlyBudget":3}"#)
            // Per phone: 2 codes an hour.
            #expect(try await d.postForm("/join", validForm()).status == .ok)
            #expect(try await d.postForm("/join", validForm()).status == .ok)
            let limited = try await d.postForm("/join", validForm())
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil)
            // The budget (3 an hour) runs out before the IP limit (4).
            #expect(try await d.postForm("/join", validForm(phone: "+7 916 000-00-01")).status == .ok)
            let busy = try await d.postForm("/join", validForm(phone: "+7 916 000-00-02"))
            #expect(busy.status == .serviceUnavailable && busy.text.contains("Попробуйте позже"))
            #expect(try await d.count("SELECT COUNT(*) FROM sms_outbox") == 3)
            #expect(try await d.count("SELECT used FROM sms_budget") == 3)
            // Per IP: the fourth allowed request was the refused-for-budget one; the fifth is limited.
            let ip = try await d.postForm("/join", validForm(phone: "+7 916 000-00-03"))
            #expect(ip.status == .tooManyRequests)
            #expect(try await d.count("SELECT COUNT(*) FROM join_requests") == 3)
        }
    }
}
