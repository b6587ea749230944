import Foundation
import Loyalty
import PassBuilder
import Testing

@testable import Bitrix24

/// The card tab's placement form and action tokens, outgoing webhooks' calls, batch commands and
/// the contacts' card fields.
@Suite struct PlacementWireTests {
    static func form(_ pairs: [(String, String)]) -> FormFields { FormFields(pairs) }

    static let placement: [(String, String)] = [
        ("DOMAIN", "school.bitrix24.ru"), ("PROTOCOL", "1"), ("LANG", "ru"), ("AUTH_ID", "user-token"), ("member_id", "m-1"),
        ("PLACEMENT", "CRM_DEAL_DETAIL_TAB"), ("PLACEMENT_OPTIONS", #"{"ID":"8061","URI":"/crm/deal/details/8061/"}"#), ("APPLICATION_TOKEN", "app"),
    ]

    @Test func placementFormsNameTheRecordAndThePortalsOrigin() throws {
        let call = try PlacementCall(Self.form(Self.placement))
        #expect(call.document == .deal(8061) && call.origin == "https://school.bitrix24.ru" && call.language == "ru" && call.applicationToken == "app")
        var contact = Self.placement
        contact[5] = ("PLACEMENT", "CRM_CONTACT_DETAIL_TAB")
        contact[1] = ("PROTOCOL", "0")
        contact[0] = ("DOMAIN", "crm.example.com:8443")
        let onPrem = try PlacementCall(Self.form(contact))
        #expect(onPrem.document == .contact(8061) && onPrem.origin == "http://crm.example.com:8443")

        func refused(_ index: Int, _ value: String) -> String? {
            var fields = Self.placement
            fields[index].1 = value
            do { _ = try PlacementCall(Self.form(fields)); return nil } catch { return error.field }
        }
        #expect(refused(0, "evil.com/x") == "DOMAIN", "a domain cannot steer the frame-ancestors")
        #expect(refused(0, "evil.com:99999999") == "DOMAIN")
        #expect(refused(3, "") == "AUTH_ID")
        #expect(refused(5, "CRM_LEAD_DETAIL_TAB") == "PLACEMENT")
        #expect(refused(6, "{}") == "PLACEMENT_OPTIONS")
    }

    @Test func actionTokensAreBoundAndExpire() throws {
        let tokens = PlacementTokens(secret: Array(repeating: 7, count: 32))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let claims = PlacementClaims(memberID: "m-1", origin: "https://school.bitrix24.ru", userID: 12, document: .deal(5), expiresAt: now.addingTimeInterval(900), nonce: "n1")
        let token = tokens.token(for: claims)
        let back = try tokens.verify(token, now: now)
        #expect(back.memberID == "m-1" && back.userID == 12 && back.document == .deal(5) && back.nonce == "n1" && back.origin == claims.origin)
        #expect(throws: PlacementTokens.Refusal.expired) { try tokens.verify(token, now: now.addingTimeInterval(901)) }
        #expect(throws: PlacementTokens.Refusal.forged) { try PlacementTokens(secret: Array(repeating: 8, count: 32)).verify(token, now: now) }
        // Another record's token cannot be made from this one: the payload is signed.
        let parts = token.split(separator: ".")
        let other = tokens.token(for: PlacementClaims(memberID: "m-1", origin: claims.origin, userID: 12, document: .deal(6), expiresAt: claims.expiresAt, nonce: "n1"))
        #expect(throws: PlacementTokens.Refusal.forged) { try tokens.verify(other.split(separator: ".")[0] + "." + parts[1], now: now) }
        #expect(throws: PlacementTokens.Refusal.malformed) { try tokens.verify("nonsense", now: now) }
    }

    @Test func webhookCallsAreValidatedByName() throws {
        let deal = ["crm", "CCrmDocumentDeal", "DEAL_7"]
        let accrue = try WebhookCall(.accrue, document: deal, query: ["amount": "1500,50"])
        let amount = try Money(parsing: "1500.50")
        #expect(accrue.deal == 7 && accrue.amount == amount)
        #expect(try WebhookCall(.issue, document: ["crm", "CCrmDocumentLead", "LEAD_3"], query: ["phone": "8 916 123-45-67"]).phone?.e164 == "+79161234567")
        func field(_ action: WebhookAction, _ document: [String], _ query: [String: String]) -> String? {
            do { _ = try WebhookCall(action, document: document, query: query); return nil } catch { return error.field }
        }
        #expect(field(.debit, deal, [:]) == "points")
        #expect(field(.debit, deal, ["points": "-5"]) == "points")
        #expect(field(.accrue, deal, ["amount": "-1"]) == "amount")
        #expect(field(.accrue, ["crm", "CCrmDocumentContact", "CONTACT_1"], [:]) == "document_id")
        #expect(field(.issue, deal, ["phone": "12"]) == "phone")
        #expect(WebhookAction(kind: "webhook.debit") == .debit && WebhookAction(kind: "debit") == nil)
    }

    @Test func batchCommandsAreWrittenAsPHPForms() {
        let query = FormFields.query(["id": .integer(5), "fields": .object(["UF_CRM_X": .string("a b&c"), "FLAG": .bool(true)]), "values": .array([.string("+7")])])
        #expect(query == "fields%5BFLAG%5D=Y&fields%5BUF_CRM_X%5D=a%20b%26c&id=5&values%5B0%5D=%2B7")
        // What the portal reads back is what was meant.
        let read = FormFields(Array(query.utf8))!
        #expect(read["fields", "UF_CRM_X"] == "a b&c" && read["values", "0"] == "+7" && read["id"] == "5")
    }

    @Test func cardFieldsCompareWithoutTheLink() {
        let fields = CardFields(cards: ["1-1", "1-2"], balance: 150, tier: "gold", link: "https://x/p/new")
        let shown: JSONValue = .object([
            "UF_CRM_PASSLINE_CARD": .string("1-1, 1-2"), "UF_CRM_PASSLINE_BALANCE": .string("150"), "UF_CRM_PASSLINE_TIER": .string("gold"),
            "UF_CRM_PASSLINE_LINK": .string("https://x/p/old"),
        ])
        #expect(fields.isShown(on: shown), "a re-signed link alone is no change")
        var changed = fields
        changed.balance = 151
        #expect(!changed.isShown(on: shown))
        #expect(!fields.isShown(on: .object([:])))
    }
}
