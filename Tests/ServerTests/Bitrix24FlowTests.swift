import Bitrix24
import Bitrix24Mock
import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Loyalty
import PassBuilder
import Storage
import Testing
import TestSupport

@testable import Server

/// The CRM runs the program: won deals accrue from events (online or collected offline), every
/// contact of a household shows its card fields, CRM forms issue cards, a promo robot broadcasts,
/// webhook mode works without the app, and a portal down for an hour loses nothing.
@Suite struct Bitrix24FlowTests {
    typealias Install = Bitrix24InstallTests
    static let anna = try! PhoneNumber(parsing: "+79161234567")

    /// Installs the app in `mock` and waits for its registrations (events must be bound for the
    /// portal to queue offline events).
    static func install(_ client: some TestClientProtocol, _ mock: Bitrix24MockServer) async throws {
        #expect(try await Install.post(client, "/bitrix24/install", mock.with { $0.installForm() }).status == .ok)
        try await Install.eventually("the registrations reach the portal") { mock.with { $0.eventBindings.count == 8 && $0.userFields.count == 4 } }
    }

    /// Waits until the portal's offline queue is collected and the inbox and outbox are worked off.
    static func settled(_ s: TestServer, _ mock: Bitrix24MockServer) async throws {
        let store = Bitrix24Store(database: s.server.database)
        try await Install.eventually("the queues are worked off") {
            guard mock.with({ $0.offlineEvents.isEmpty }) else { return false }
            var waiting = 0
            for queue in [PortalQueue.inbox, .outbox] {
                for state in ["queued", "sending"] { waiting += try await store.count(queue, state: state) }
            }
            return waiting == 0
        }
    }

    static func entries(_ s: TestServer, key: String) async throws -> [LedgerEntryRecord] {
        let card = try #require(try await s.server.loyalty.cards(phone: anna).first)
        return try await s.server.loyalty.entries(of: card, before: nil, limit: 100).filter { $0.businessKey == key }
    }

    static func balance(_ s: TestServer, _ phone: PhoneNumber = anna) async throws -> Int64? {
        try await s.server.loyalty.cards(phone: phone).first?.balance
    }

    static func smsCount(_ s: TestServer, _ phone: PhoneNumber) async throws -> Int64 {
        try await s.server.database.read { db in
            try await db.query("SELECT COUNT(*) FROM sms_outbox WHERE phone = $1", [.text(phone.e164)]).first?.int(0) ?? 0
        }
    }

    @Test(arguments: Engine.allCases)
    func aWonDealAccruesOnceWhoeverSeesItFirst(_ engine: Engine) async throws {
        let mock = Bitrix24MockServer()
        let (anna, boris) = mock.with { ($0.addContact(name: "Anna", phones: ["8 916 123-45-67"]), $0.addContact(name: "Boris", phones: [])) }
        let (lessons, camp, dollars, phoneless) = mock.with {
            ($0.addDeal(title: "Lessons", amount: "1500.00", contacts: [anna]), $0.addDeal(title: "Camp", amount: "2000.00", contacts: [anna]),
             $0.addDeal(title: "Online", amount: "100.00", currency: "USD", contacts: [anna]), $0.addDeal(title: "Trial", amount: "500.00", contacts: [boris]))
        }
        try await Install.withPortal(engine, mock) { s, client in
            try await Self.install(client, mock)
            let card = try await s.server.loyalty.issue(NewCard(name: "Anna", phone: Self.anna))
            try await Self.settled(s, mock)

            // Won: the offline event (collected by the worker) and a repeated online one are one accrual.
            mock.with { $0.moveDeal(lessons, semantic: "S") }
            #expect(try await Install.post(client, "/bitrix24/event", mock.with { $0.eventForm("ONCRMDEALUPDATE", id: lessons) }).status == .ok)
            try await Install.eventually("the won deal accrues") { try await !Self.entries(s, key: "deal:\(lessons):accrual").isEmpty }
            try await Self.settled(s, mock)
            let accrual = try #require(try await Self.entries(s, key: "deal:\(lessons):accrual").first)
            let expected = LedgerRules.accrualPoints(purchase: try Money(parsing: "1500.00"), tier: try #require(s.server.loyalty.program.tier(card.tier)), program: s.server.loyalty.program)
            #expect(accrual.points == expected && accrual.amount == 150_000)
            let afterWin = try #require(try await Self.balance(s))
            #expect(afterWin == card.balance + expected)

            // The robot on the same deal finds the event's accrual: no second one.
            let robot = try await Bitrix24RobotTests.run(client, mock, "passline_deal_accrue", deal: lessons, ["amount": "1500.00"])
            #expect(Bitrix24RobotTests.int(robot["accrued"]) == expected && Bitrix24RobotTests.int(robot["balance"]) == afterWin, "\(robot)")

            // Edited after the win: the accrual stands. Reopened (policy keep): it stands too.
            mock.with { $0.editDeal(lessons, amount: "3000.00") }
            try await Self.settled(s, mock)
            mock.with { $0.moveDeal(lessons, semantic: "P") }
            try await Self.settled(s, mock)
            #expect(try await Self.balance(s) == afterWin)

            // Another currency, and a contact without a phone: nothing.
            mock.with {
                $0.moveDeal(dollars, semantic: "S")
                $0.moveDeal(phoneless, semantic: "S")
            }
            try await Self.settled(s, mock)
            #expect(try await Self.balance(s) == afterWin)
            #expect(try await Self.entries(s, key: "deal:\(dollars):accrual").isEmpty)

            // A deal lost is not won: nothing; the second deal won accrues under its own key.
            mock.with { $0.moveDeal(camp, semantic: "F") }
            try await Self.settled(s, mock)
            #expect(try await Self.balance(s) == afterWin)
            mock.with { $0.moveDeal(camp, semantic: "S") }
            try await Install.eventually("the second deal accrues") { try await !Self.entries(s, key: "deal:\(camp):accrual").isEmpty }
        }
    }

    @Test(arguments: Engine.allCases)
    func reopeningAWonDealReversesUnderTheReversePolicy(_ engine: Engine) async throws {
        let mock = Bitrix24MockServer()
        let deal = mock.with { $0.addDeal(title: "Lessons", amount: "1000", contacts: [$0.addContact(name: "Anna", phones: ["+7 916 123 45 67"])]) }
        try await Install.withPortal(engine, mock, configure: { c, _ in c.bitrix24.onReopen = .reverse }) { s, client in
            try await Self.install(client, mock)
            let card = try await s.server.loyalty.issue(NewCard(name: "Anna", phone: Self.anna))
            mock.with { $0.moveDeal(deal, semantic: "S") }
            try await Install.eventually("the won deal accrues") { try await !Self.entries(s, key: "deal:\(deal):accrual").isEmpty }
            #expect(try await Self.balance(s)! > card.balance)
            mock.with { $0.moveDeal(deal, semantic: "P") }
            try await Install.eventually("the reopened deal is reversed") { try await !Self.entries(s, key: "deal:\(deal):reversal").isEmpty }
            #expect(try await Self.balance(s) == card.balance)
            // Won again: the accrual's key is spent, so nothing more (a manager decides by hand).
            mock.with { $0.moveDeal(deal, semantic: "S") }
            try await Self.settled(s, mock)
            #expect(try await Self.balance(s) == card.balance)
        }
    }

    /// The card fields of `contact`, as the portal holds them.
    static func fields(_ mock: Bitrix24MockServer, _ contact: Int64) -> (card: String?, balance: String?) {
        mock.with { ($0.contacts[contact]?["UF_CRM_PASSLINE_CARD"]?.stringValue, $0.contacts[contact]?["UF_CRM_PASSLINE_BALANCE"]?.stringValue) }
    }

    @Test(arguments: Engine.allCases)
    func everyContactOfAHouseholdShowsItsCardAfterAnyChange(_ engine: Engine) async throws {
        let mock = Bitrix24MockServer()
        let (mother, son, stranger) = mock.with {
            ($0.addContact(name: "Anna", phones: ["8 916 123-45-67"]), $0.addContact(name: "Ivan", phones: ["+7 (916) 123-45-67"]),
             $0.addContact(name: "Oleg", phones: ["+7 999 000 00 00"]))
        }
        try await Install.withPortal(engine, mock) { s, client in
            try await Self.install(client, mock)
            let card = try await s.server.loyalty.issue(NewCard(name: "Anna", phone: Self.anna))
            try await Install.eventually("both contacts of the household show the card") {
                [mother, son].allSatisfy { Self.fields(mock, $0) == (card.number, String(card.balance)) }
            }
            #expect(Self.fields(mock, stranger).card == nil, "another phone's contact is left alone")
            #expect(mock.with { $0.contacts[mother]?["UF_CRM_PASSLINE_LINK"]?.stringValue?.hasPrefix("https://passes.example.com/p/") } == true)

            // Any source of change: the API's ledger, a promo robot's broadcast.
            _ = try await s.server.loyalty.apply(.accrual(points: 40), cardNumber: card.number, businessKey: "manual-1", comment: nil)
            try await Install.eventually("the accrual is mirrored") { Self.fields(mock, son).balance == String(card.balance + 40) }
            let promo = try await Bitrix24RobotTests.run(client, mock, "passline_promo", deal: 1, ["message": "Chess camp in June", "points": "25"])
            let broadcast = try #require(Bitrix24RobotTests.int(promo["broadcast_id"]), "\(promo)")
            #expect(try await s.server.broadcasts.broadcast(id: broadcast)?.points == 25)
            try await Install.eventually("the broadcast's points are mirrored") { Self.fields(mock, mother).balance == String(card.balance + 65) }

            // A contact that gains the household's phone joins it.
            mock.with { $0.addPhone("89161234567", to: stranger) }
            try await Install.eventually("the new member shows the card") { Self.fields(mock, stranger).balance == String(card.balance + 65) }

            // Our own updates fire contact events; they end at the compare, not in a loop.
            try await Self.settled(s, mock)
            let updates = mock.with { $0.calls.filter { $0 == "crm.contact.update" }.count }
            try await Task.sleep(for: .seconds(1))
            try await Self.settled(s, mock)
            #expect(mock.with { $0.calls.filter { $0 == "crm.contact.update" }.count } == updates)
            #expect(try await Bitrix24Store(database: s.server.database).count(.outbox, state: "failed") == 0)
        }
    }

    @Test(arguments: Engine.allCases)
    func aCRMFormIssuesACardAndTextsItsLinkOnce(_ engine: Engine) async throws {
        let mock = Bitrix24MockServer()
        try await Install.withPortal(engine, mock) { s, client in
            try await Self.install(client, mock)
            let contactPhone = try PhoneNumber(parsing: "+79165554433"), leadPhone = try PhoneNumber(parsing: "+79167778899")
            let form = mock.with { $0.submitWebForm(id: 3, name: "Maria", phone: "8 (916) 555-44-33") }
            mock.with { _ = $0.submitWebForm(id: 3, name: "Petr", phone: "+7 916 777 88 99", leadMode: true) }
            try await Install.eventually("both forms get cards") {
                let a = try await Self.balance(s, contactPhone), b = try await Self.balance(s, leadPhone)
                return a != nil && b != nil
            }
            try await Self.settled(s, mock)
            #expect(try await Self.smsCount(s, contactPhone) == 1)
            #expect(try await Self.smsCount(s, leadPhone) == 1)
            #expect(try await s.server.loyalty.cards(phone: contactPhone).first?.name == "Maria")

            // The portal repeats the event (online, and its offline copy): no second card, no second text.
            guard case .contact(let id) = form else { throw CancellationError() }
            mock.with { $0.queueOffline("ONCRMCONTACTADD", id: id) }
            #expect(try await Install.post(client, "/bitrix24/event", mock.with { $0.eventForm("ONCRMCONTACTADD", id: id) }).status == .ok)
            try await Self.settled(s, mock)
            #expect(try await Self.smsCount(s, contactPhone) == 1)
            #expect(try await s.server.loyalty.cards(phone: contactPhone).count == 1)
        }
    }

    @Test(arguments: Engine.allCases)
    func webhookModeWorksWithoutTheApp(_ engine: Engine) async throws {
        let mock = Bitrix24MockServer()
        let key = "a-shared-secret-of-32-characters"
        let (contact, deal) = mock.with { portal -> (Int64, Int64) in
            let contact = portal.addContact(name: "Anna", phones: ["+7 916 123 45 67"])
            return (contact, portal.addDeal(title: "Lessons", amount: "2000.00", contacts: [contact]))
        }
        try await Install.withPortal(engine, mock, configure: { c, base in
            c.bitrix24.webhookURL = "\(base)/rest/1/mock-webhook-secret/"
            c.bitrix24.webhookKey = key
        }) { s, client in
            let documentOf = { (parts: [String]) in Array(parts.map { "document_id%5B%5D=\(FormBody.escape($0))" }.joined(separator: "&").utf8) }
            let dealDocument = documentOf(["crm", "CCrmDocumentDeal", "DEAL_\(deal)"])
            #expect(try await Install.post(client, "/bitrix24/webhook/accrue?key=wrong-key", dealDocument).status == .unauthorized)
            let bad = try await Install.post(client, "/bitrix24/webhook/debit?key=\(key)&points=-5", dealDocument)
            #expect(bad.status == .badRequest && bad.json?["detail"]?.stringValue?.contains("points") == true)
            #expect(try await Install.post(client, "/bitrix24/webhook/refund?key=\(key)", dealDocument).status == .badRequest)
            #expect(try await Install.post(client, "/bitrix24/webhook/accrue?key=\(key)", documentOf(["crm", "CCrmDocumentContact", "CONTACT_\(contact)"])).status == .badRequest)

            // Issue from the contact (its phone read through the incoming webhook), then accrue and debit on the deal.
            #expect(try await Install.post(client, "/bitrix24/webhook/issue?key=\(key)", documentOf(["crm", "CCrmDocumentContact", "CONTACT_\(contact)"])).status == .ok)
            try await Install.eventually("the card is issued") { try await Self.balance(s) != nil }
            let welcome = try #require(try await Self.balance(s))
            #expect(try await Install.post(client, "/bitrix24/webhook/accrue?key=\(key)", dealDocument).status == .ok)
            try await Install.eventually("the deal accrues") { try await !Self.entries(s, key: "deal:\(deal):accrual").isEmpty }
            let accrued = try #require(try await Self.balance(s))
            #expect(accrued > welcome)
            for _ in 0..<2 {
                #expect(try await Install.post(client, "/bitrix24/webhook/debit?key=\(key)&points=30", dealDocument).status == .ok)
            }
            try await Install.eventually("the debit is made once") { try await Self.balance(s) == accrued - 30 }
            try await Self.settled(s, mock)
            #expect(try await Self.balance(s) == accrued - 30)
            #expect(try await Self.smsCount(s, Self.anna) == 1)
        }
    }

    @Test(arguments: Engine.allCases)
    func aPortalDownForAnHourLosesNothing(_ engine: Engine) async throws {
        let mock = Bitrix24MockServer()
        let phones = (0..<20).map { try! PhoneNumber(parsing: String(format: "+7916%07d", 1_000_000 + $0)) }
        let contacts = mock.with { portal in phones.map { portal.addContact(name: "Client", phones: [$0.e164]) } }
        try await Install.withPortal(engine, mock) { s, client in
            try await Self.install(client, mock)
            var cards: [CardRecord] = []
            for phone in phones { cards.append(try await s.server.loyalty.issue(NewCard(name: "Client", phone: phone))) }
            try await Self.settled(s, mock)

            mock.with { $0.down = true }
            for round in 1...10 {
                for card in cards { _ = try await s.server.loyalty.apply(.accrual(points: 1), cardNumber: card.number, businessKey: "r\(round)-\(card.number)", comment: nil) }
            }
            let store = Bitrix24Store(database: s.server.database)
            // Each household's write-back waits in the inbox (its contacts cannot be looked up),
            // retried with back-off. Bounded: one waiting item per household, however many
            // changes it missed.
            try await Install.eventually("every household's write-back waits") { try await store.count(.inbox, state: "queued") == 20 }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await store.count(.inbox, state: "queued") + store.count(.inbox, state: "sending") == 20)
            #expect(try await store.count(.inbox, state: "failed") == 0)
            #expect(try await store.count(.outbox, state: "failed") == 0)

            // An hour later the portal is back; the rows' retry times have come (the test moves
            // them instead of waiting out the back-off).
            mock.with { $0.down = false }
            try await s.server.database.transaction { db in
                for table in ["b24_inbox", "b24_outbox"] { _ = try await db.query("UPDATE \(table) SET next_at = 0 WHERE state = 'queued'") }
            }
            try await Install.eventually("every contact shows its final balance") {
                zip(contacts, cards).allSatisfy { Self.fields(mock, $0.0).balance == String($0.1.balance + 10) }
            }
            #expect(try await store.count(.outbox, state: "failed") == 0)
        }
    }
}
