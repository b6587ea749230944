import Bitrix24
import Bitrix24Mock
import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Loyalty
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// The card tab in a deal and a contact, over HTTP: the user's token confirmed with the portal,
/// framed by the portal only, actions bound to portal, user and record by a signed token.
@Suite struct Bitrix24PlacementTests {
    typealias Install = Bitrix24InstallTests
    static let anna = try! PhoneNumber(parsing: "+79161234567")

    static func text(_ response: TestResponse) -> String { String(buffer: response.body) }

    /// The action token in the page.
    static func token(_ page: String) throws -> String {
        let marker = #"name="token" value=""#
        let start = try #require(page.range(of: marker)?.upperBound)
        return String(page[start...].prefix { $0 != "\"" })
    }

    static func action(_ client: some TestClientProtocol, _ token: String, _ action: String, points: String? = nil) async throws -> TestResponse {
        var fields = [("token", token), ("lang", "en"), ("action", action)]
        if let points { fields.append(("points", points)) }
        return try await Install.post(client, "/bitrix24/placement/action", FormBody.encode(fields))
    }

    @Test(arguments: Engine.allCases)
    func theTabShowsTheHouseholdAndActsWithItsToken(_ engine: Engine) async throws {
        let mock = Bitrix24MockServer()
        let (deal, newcomer) = mock.with { portal -> (Int64, Int64) in
            let anna = portal.addContact(name: "Anna", phones: ["8 916 123-45-67"])
            return (portal.addDeal(title: "Lessons", amount: "2000.00", contacts: [anna]), portal.addContact(name: "Oleg", phones: ["+7 999 111 22 33"]))
        }
        try await Install.withPortal(engine, mock) { s, client in
            let closed = try await Install.post(client, "/bitrix24/placement", mock.with { $0.placementForm("CRM_DEAL_DETAIL_TAB", id: deal) })
            #expect(closed.status == .unauthorized, "no app installed, no tab")
            try await Bitrix24FlowTests.install(client, mock)
            let card = try await s.server.loyalty.issue(NewCard(name: "Anna", phone: Self.anna))
            _ = try await s.server.loyalty.apply(.accrual(points: 500), cardNumber: card.number, businessKey: "seed", comment: nil)

            // A stolen or expired AUTH_ID, another portal: refused, nothing shown.
            let stolen = try await Install.post(client, "/bitrix24/placement", mock.with { $0.placementForm("CRM_DEAL_DETAIL_TAB", id: deal, userToken: "stolen") })
            #expect(stolen.status == .unauthorized && !Self.text(stolen).contains(card.number))
            let other = try await Install.post(client, "/bitrix24/placement", mock.with { $0.placementForm("CRM_DEAL_DETAIL_TAB", id: deal, memberID: "another") })
            #expect(other.status == .unauthorized)
            let malformed = try await Install.post(client, "/bitrix24/placement", Array("DOMAIN=x".utf8))
            #expect(malformed.status == .badRequest)

            // The deal's tab: the household, what the deal may pay with points; framed by the portal only.
            let tab = try await Install.post(client, "/bitrix24/placement", mock.with { $0.placementForm("CRM_DEAL_DETAIL_TAB", id: deal) })
            #expect(tab.status == .ok)
            #expect(tab.headers[.contentSecurityPolicy]?.contains("frame-ancestors https://school.bitrix24.ru") == true)
            #expect(tab.headers[HTTPField.Name("X-Frame-Options")!] == nil)
            let page = Self.text(tab)
            let balance = card.balance + 500
            let cap = min(balance, LedgerRules.maxDebitPoints(purchase: try Money(parsing: "2000.00"), program: s.server.loyalty.program))
            #expect(page.contains(card.number) && page.contains(#"<strong id="balance">\#(balance)</strong>"#) && page.contains(#"<strong id="max-debit">\#(cap)</strong>"#))
            #expect(page.contains("Карта лояльности"), "the portal's language (LANG=ru)")
            let token = try Self.token(page)

            // Debit: over the cap refused, within it once (the deal's key), a forged token refused.
            let over = try await Self.action(client, token, "debit", points: String(cap + 1))
            #expect(Self.text(over).contains("More than this deal may pay with points"))
            #expect(try await s.server.loyalty.card(number: card.number)?.balance == balance)
            let debit = try await Self.action(client, token, "debit", points: "100")
            #expect(debit.status == .ok && Self.text(debit).contains("Points debited: 100"))
            #expect(try await s.server.loyalty.card(number: card.number)?.balance == balance - 100)
            let forged = try await Self.action(client, token.replacingOccurrences(of: ".", with: ".x"), "debit", points: "100")
            #expect(forged.status == .unauthorized)
            let expired = s.server.bitrix24.placementTokens.token(for: PlacementClaims(
                memberID: mock.with { $0.memberID }, origin: "https://school.bitrix24.ru", userID: 1, document: .deal(deal), expiresAt: Date().addingTimeInterval(-1), nonce: "n"))
            #expect(try await Self.action(client, expired, "accrue").status == .unauthorized)

            // Accrue the deal; text the link once however often it is pressed.
            let accrue = try await Self.action(client, token, "accrue")
            #expect(Self.text(accrue).contains("Points accrued:"))
            #expect(try await !Self.text(Self.action(client, token, "accrue")).contains(#"id="accrue""#), "accrued: the button is gone")
            for _ in 0..<2 { #expect(try await Self.action(client, token, "sms").status == .ok) }
            #expect(try await Bitrix24FlowTests.smsCount(s, Self.anna) == 1)

            // A contact without a card: the tab offers to issue one, and does.
            let empty = try await Install.post(client, "/bitrix24/placement", mock.with { $0.placementForm("CRM_CONTACT_DETAIL_TAB", id: newcomer) })
            let emptyPage = Self.text(empty)
            #expect(emptyPage.contains(#"id="issue""#))
            let issued = try await Self.action(client, try Self.token(emptyPage), "issue")
            #expect(Self.text(issued).contains("Card issued:"))
            #expect(try await s.server.loyalty.cards(phone: PhoneNumber(parsing: "+79991112233")).count == 1)
        }
    }
}
