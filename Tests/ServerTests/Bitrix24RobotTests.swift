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

/// Robots run from a deal in the mock portal: answered through `bizproc.event.send` with what
/// the ledger did, once per business key.
@Suite struct Bitrix24RobotTests {
    typealias Install = Bitrix24InstallTests

    /// Runs a robot and returns its answer.
    static func run(
        _ client: some TestClientProtocol, _ mock: Bitrix24MockServer, _ code: String, deal: Int64, _ properties: [String: String] = [:]
    ) async throws -> JSONValue {
        let (form, token) = mock.with { $0.robotCallForm(code, document: .deal(deal), properties: properties) }
        #expect(try await Install.post(client, "/bitrix24/robot", form).status == .ok)
        try await Install.eventually("\(code) is answered") { mock.with { $0.robotAnswers[token] != nil } }
        return mock.with { $0.robotAnswers[token] } ?? .null
    }

    /// A return value as the business process reads it: the portal hands every value on as text
    /// (a `batch` of answers is form-encoded), so a number may arrive either way.
    static func int(_ value: JSONValue?) -> Int64? {
        CRMFields.text(value).flatMap { Int64($0) }
    }

    @Test(arguments: Engine.allCases)
    func aDealChecksIssuesAccruesOnceAndDebits(_ engine: Engine) async throws {
        let mock = Bitrix24MockServer()
        let (deal, secondDeal) = mock.with { portal -> (Int64, Int64) in
            let contact = portal.addContact(name: "Anna", phones: ["8 916 123-45-67"])
            return (portal.addDeal(title: "Chess lessons", amount: "1500.00", contacts: [contact]), portal.addDeal(title: "Camp", amount: "900.00", contacts: [contact]))
        }
        try await Install.withPortal(engine, mock) { s, client in
            #expect(try await Install.post(client, "/bitrix24/install", mock.with { $0.installForm() }).status == .ok)

            let none = try await Self.run(client, mock, "passline_card_check", deal: deal)
            #expect(none["has_card"] == .string("N"), "\(none)")

            let issued = try await Self.run(client, mock, "passline_card_issue", deal: deal, ["phone": "+7 916 123 45 67", "name": "Anna"])
            let number = try #require(issued["card_number"]?.stringValue, "\(issued)")
            #expect(issued["existing"] == .string("N") && issued["link"]?.stringValue?.hasPrefix("https://passes.example.com/") == true)
            let again = try await Self.run(client, mock, "passline_card_issue", deal: deal, ["phone": "89161234567"])
            #expect(again["existing"] == .string("Y") && again["card_number"]?.stringValue == number, "one card per phone")
            let welcome = try #require(Self.int(issued["balance"]), "\(issued)")

            let accrued = try await Self.run(client, mock, "passline_deal_accrue", deal: deal, ["amount": "1500.00"])
            let points = try #require(Self.int(accrued["accrued"]), "\(accrued)")
            let balance = try #require(Self.int(accrued["balance"]), "\(accrued)")
            #expect(points > 0 && balance == welcome + points)
            let replay = try await Self.run(client, mock, "passline_deal_accrue", deal: deal, ["amount": "1500.00"])
            #expect(Self.int(replay["balance"]) == balance, "deal:\(deal):accrual accrues once")
            let card = try #require(try await s.server.loyalty.card(number: number))
            #expect(card.balance == balance, "the answer is the ledger's")

            let check = try await Self.run(client, mock, "passline_card_check", deal: deal, ["amount": "1500.00"])
            #expect(check["has_card"] == .string("Y") && check["card_number"]?.stringValue == number, "found through the deal's contact's phone")
            let maxDebit = try #require(Self.int(check["max_debit"]), "\(check)")
            #expect(maxDebit > 0 && maxDebit <= balance)

            let debited = try await Self.run(client, mock, "passline_deal_debit", deal: deal, ["points": "10"])
            #expect(Self.int(debited["debited"]) == 10 && Self.int(debited["balance"]) == balance - 10)
            let again10 = try await Self.run(client, mock, "passline_deal_debit", deal: deal, ["points": "10"])
            #expect(Self.int(again10["balance"]) == balance - 10, "deal:\(deal):debit debits once")
            let tooMuch = try await Self.run(client, mock, "passline_deal_debit", deal: secondDeal, ["points": "999999999"])
            #expect(tooMuch["error"]?.stringValue?.contains("balance") == true && tooMuch["debited"] == nil, "\(tooMuch)")
            #expect(try await s.server.loyalty.card(number: number)?.balance == balance - 10, "a refused debit writes nothing")
        }
    }
}
