import Loyalty
import Testing

@testable import Bitrix24

/// Bitrix24's form-encoded events and robot calls, read as the portal sends them.
@Suite struct WireTests {
    static func form(_ text: String) -> FormFields { FormFields(Array(text.utf8))! }

    static let auth = "auth%5Bdomain%5D=school.bitrix24.ru&auth%5Bmember_id%5D=m-1&auth%5Bapplication_token%5D=app-secret"

    @Test func nestedNamesListsAndMaps() {
        let f = Self.form("a%5Bb%5D%5Bc%5D=1&document_id%5B2%5D=DEAL_7&document_id%5B0%5D=crm&document_id%5B1%5D=CCrmDocumentDeal&p%5Bx%5D=y+z&odd%5B=q")
        #expect(f["a", "b", "c"] == "1")
        #expect(f.list("document_id") == ["crm", "CCrmDocumentDeal", "DEAL_7"], "ordered by index, not by arrival")
        #expect(f.members("p").map(\.value) == ["y z"])
        #expect(f["odd["] == "q", "unbalanced brackets are a plain name")
        #expect(Self.form("l%5B%5D=a&l%5B%5D=b").list("l") == ["a", "b"])
        #expect(FormFields(Array("a=%zz".utf8)) == nil, "a bad escape is no form")
    }

    @Test func installCarriesTokensAndUninstallOnlyTheApplicationToken() throws {
        let install = try PortalEvent(Self.form(
            "event=ONAPPINSTALL&data%5BLANGUAGE_ID%5D=ru&" + Self.auth
                + "&auth%5Baccess_token%5D=AT&auth%5Brefresh_token%5D=RT&auth%5Bexpires_in%5D=3600&auth%5Bclient_endpoint%5D=https%3A%2F%2Fschool.bitrix24.ru%2Frest%2F"))
        guard case .install(let auth, let tokens, let language) = install else {
            Issue.record("expected an install, got \(install)")
            return
        }
        #expect(auth.memberID == "m-1" && auth.domain == "school.bitrix24.ru" && auth.applicationToken == "app-secret")
        #expect(tokens == OAuthTokens(accessToken: "AT", refreshToken: "RT", expiresIn: 3600, clientEndpoint: "https://school.bitrix24.ru/rest/"))
        #expect(language == "ru")
        #expect(try PortalEvent(Self.form("event=ONAPPUNINSTALL&" + Self.auth)) == .uninstall(InboundAuth(memberID: "m-1", domain: "school.bitrix24.ru", applicationToken: "app-secret")))
        #expect(throws: Bitrix24InputError("auth[access_token] and auth[refresh_token]", "is required")) {
            try PortalEvent(Self.form("event=ONAPPINSTALL&" + Self.auth))
        }
    }

    @Test func crmEventsNameTheIdAndRefuseWhatIsNotTheirs() throws {
        let event = try PortalEvent(Self.form("event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=759&ts=1736405807&event_handler_id=201&" + Self.auth))
        #expect(event == .crm(InboundAuth(memberID: "m-1", domain: "school.bitrix24.ru", applicationToken: "app-secret"), .dealUpdate, id: 759))
        #expect(throws: Bitrix24InputError("data[FIELDS][ID]", "must be a positive whole number")) {
            try PortalEvent(Self.form("event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=-1&" + Self.auth))
        }
        #expect(throws: Bitrix24InputError("event", "ONCRMDEALDELETE is not an event this app handles")) {
            try PortalEvent(Self.form("event=ONCRMDEALDELETE&data%5BFIELDS%5D%5BID%5D=1&" + Self.auth))
        }
        #expect(throws: Bitrix24InputError("auth[application_token]", "is required")) {
            try PortalEvent(Self.form("event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=1&auth%5Bdomain%5D=a.b&auth%5Bmember_id%5D=m"))
        }
        #expect(throws: Bitrix24InputError("auth[domain]", "must be a host name such as school.bitrix24.ru")) {
            try PortalEvent(Self.form("event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=1&auth%5Bdomain%5D=evil.com%2Fx%3F&auth%5Bmember_id%5D=m&auth%5Bapplication_token%5D=t"))
        }
    }

    @Test func documentIDs() throws {
        #expect(try CRMDocument(["crm", "CCrmDocumentDeal", "DEAL_123"]) == .deal(123))
        #expect(try CRMDocument(["crm", "CCrmDocumentContact", "CONTACT_9"]) == .contact(9))
        #expect(try CRMDocument(["crm", "CCrmDocumentLead", "LEAD_5"]).parts == ["crm", "CCrmDocumentLead", "LEAD_5"])
        for bad in [["crm", "CCrmDocumentDeal"], ["crm", "CCrmDocumentDeal", "DEAL_x"], ["crm", "CCrmDocumentDeal", "CONTACT_1"], ["lists", "X", "DEAL_1"], ["crm", "CCrmDocumentDeal", "DEAL_0"]] {
            #expect(throws: Bitrix24InputError.self, "\(bad)") { try CRMDocument(bad) }
        }
    }

    static func robot(_ code: String, document: String = "DEAL_42", _ properties: [(String, String)]) throws -> RobotCall {
        var pairs: [(String, String)] = [
            ("workflow_id", "wf-1"), ("code", code), ("event_token", "1|2|sig"),
            ("document_id[0]", "crm"), ("document_id[1]", document.hasPrefix("DEAL") ? "CCrmDocumentDeal" : "CCrmDocumentContact"), ("document_id[2]", document),
            ("auth[domain]", "school.bitrix24.ru"), ("auth[member_id]", "m-1"), ("auth[application_token]", "app-secret"),
            ("use_subscription", "Y"), ("ts", "1736405807"),
        ]
        pairs += properties.map { ("properties[\($0.0)]", $0.1) }
        return try RobotCall(FormFields(pairs))
    }

    @Test func robotInputsAreValidatedByName() throws {
        #expect(try RobotInput(Self.robot("passline_card_issue", [("phone", "8 (916) 123-45-67"), ("name", " Anna ")]))
            == .cardIssue(phone: try PhoneNumber(parsing: "+79161234567"), name: "Anna"))
        #expect(try RobotInput(Self.robot("passline_deal_accrue", [("amount", "1500.0000")])) == .dealAccrue(deal: 42, amount: Money(minorUnits: 150_000)))
        #expect(try RobotInput(Self.robot("passline_deal_accrue", [("amount", "99,5")])) == .dealAccrue(deal: 42, amount: Money(minorUnits: 9_950)))
        #expect(try RobotInput(Self.robot("passline_deal_debit", [("points", "300")])) == .dealDebit(deal: 42, points: 300))
        #expect(try RobotInput(Self.robot("passline_card_check", [])) == .cardCheck(phone: nil, amount: nil))
        #expect(try RobotInput(Self.robot("passline_promo", [("message", "Open day!"), ("tier", "gold")])) == .promo(message: "Open day!", points: nil, tier: "gold"))

        func refused(_ code: String, document: String = "DEAL_42", _ properties: [(String, String)], field: String) {
            do {
                let input = try RobotInput(Self.robot(code, document: document, properties))
                Issue.record("\(code) \(properties) must be refused, got \(input)")
            } catch let error as Bitrix24InputError {
                #expect(error.field == field, "\(error)")
            } catch {
                Issue.record("\(error)")
            }
        }
        refused("passline_card_issue", [("phone", "12")], field: "phone")
        refused("passline_card_issue", [("name", "Anna")], field: "phone")
        refused("passline_deal_accrue", [("amount", "-5")], field: "amount")
        refused("passline_deal_accrue", [("amount", "1500.005")], field: "amount")
        refused("passline_deal_debit", [("points", "0")], field: "points")
        refused("passline_deal_debit", [("points", "1.5")], field: "points")
        refused("passline_deal_debit", document: "CONTACT_3", [("points", "10")], field: "document_id")
        refused("passline_promo", [("message", "  ")], field: "message")
        #expect(throws: Bitrix24InputError("code", "passline_unknown is not one of this app's robots")) { try Self.robot("passline_unknown", []) }
    }
}
