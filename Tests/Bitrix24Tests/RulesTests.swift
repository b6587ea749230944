import Loyalty
import PassBuilder
import Testing

@testable import Bitrix24

/// The robots' contract, REST replies and their errors, deals and the accrual rule.
@Suite struct RulesTests {
    @Test func everyRobotWaitsForItsAnswerAndCanFail() throws {
        #expect(RobotCode.allCases.map(\.rawValue) == ["passline_card_issue", "passline_card_check", "passline_deal_accrue", "passline_deal_debit", "passline_promo"])
        for code in RobotCode.allCases {
            let params = code.definition.registration(handler: "https://passes.example.com/bitrix24/robot")
            #expect(params["CODE"]?.stringValue == code.rawValue)
            #expect(params["USE_SUBSCRIPTION"]?.stringValue == "Y")
            #expect(params["NAME"]?["ru"]?.stringValue?.isEmpty == false && params["NAME"]?["en"]?.stringValue?.isEmpty == false)
            #expect(params["RETURN_PROPERTIES"]?["error"] != nil, "\(code) answers errors in its return values")
        }
        let accrue = RobotCode.dealAccrue.definition.registration(handler: "h")
        #expect(accrue["PROPERTIES"]?["amount"]?["Default"]?.stringValue == "{=Document:OPPORTUNITY}")
        #expect(accrue["DOCUMENT_TYPE"] == .array([.string("crm"), .string("CCrmDocumentDeal"), .string("DEAL")]))
        #expect(RobotCode.cardIssue.definition.registration(handler: "h")["PROPERTIES"]?["phone"]?["Required"]?.stringValue == "Y")
        let check = RobotCode.cardCheck.definition.outputs.map(\.key)
        #expect(check == ["has_card", "card_number", "balance", "tier", "max_debit", "error"])
    }

    static func reply(_ status: Int, _ body: String) -> RESTReply { RESTReply(status: status, body: Array(body.utf8)) }

    @Test func repliesAndWhatToDoAboutTheirErrors() {
        #expect(Self.reply(200, #"{"result":[{"ID":"1"}],"next":50,"total":"120","time":{"start":1}}"#)
            == .success(result: .array([.object(["ID": .string("1")])]), next: 50, total: 120))
        func disposition(_ status: Int, _ body: String) -> Bitrix24Error.Disposition? {
            if case .failure(let e) = Self.reply(status, body) { return e.disposition }
            return nil
        }
        #expect(disposition(401, #"{"error":"expired_token","error_description":"The access token provided has expired."}"#) == .refreshToken)
        #expect(disposition(503, #"{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}"#) == .retry)
        #expect(disposition(429, #"{"error":"OPERATION_TIME_LIMIT","error_description":"Method is blocked due to operation time limit."}"#) == .retry)
        #expect(disposition(401, #"{"error":"NO_AUTH_FOUND","error_description":"Wrong authorization data"}"#) == .disconnected)
        #expect(disposition(400, #"{"error":"","error_description":"Not found"}"#) == .fail)
        #expect(disposition(403, #"{"error":"ACCESS_DENIED","error_description":"Access denied"}"#) == .fail)
        #expect(disposition(502, "<html>Bad gateway</html>") == .retry, "a proxy's page is retried")
        #expect(disposition(400, "<html>?</html>") == .fail)
        if case .failure(let e) = Self.reply(400, #"{"error":"","error_description":"Not found"}"#) { #expect(e.isNotFound) }
    }

    static func deal(_ stage: String, amount: String = "1500.00", currency: String = "RUB") throws -> Deal {
        try Deal(.object([
            "ID": .string("42"), "STAGE_SEMANTIC_ID": .string(stage), "OPPORTUNITY": .string(amount),
            "CURRENCY_ID": .string(currency), "CONTACT_ID": .string("7"), "STAGE_ID": .string("WON"),
        ]))
    }

    @Test func aWonDealAccruesOnceUnderItsKeyAndEveryOtherCaseHasAnAnswer() throws {
        let keep = DealAccrualPolicy(currency: "RUB")
        #expect(try Self.deal("S").contactID == 7)
        #expect(keep.decide(try Self.deal("S")) == .accrue(Money(minorUnits: 150_000), key: "deal:42:accrual"))
        #expect(keep.decide(try Self.deal("P")) == .ignore(.notWon))
        #expect(keep.decide(try Self.deal("F")) == .ignore(.notWon))
        #expect(keep.decide(try Self.deal("S", currency: "USD")) == .ignore(.otherCurrency("USD")))
        #expect(keep.decide(try Self.deal("S", amount: "0.00")) == .ignore(.noAmount))
        let reverse = DealAccrualPolicy(currency: "RUB", onReopen: .reverse)
        #expect(reverse.decide(try Self.deal("P")) == .reverseIfAccrued(accrualKey: "deal:42:accrual", key: "deal:42:reversal"))
        #expect(reverse.decide(try Self.deal("S")) == keep.decide(try Self.deal("S")), "winning again uses the same, spent key")
        #expect(throws: Bitrix24InputError("STAGE_SEMANTIC_ID", "must be P, S or F")) { try Self.deal("X") }
        #expect(throws: Bitrix24InputError.self) { try Self.deal("S", amount: "-1") }
    }

    @Test func contactPhonesParseOrAreCountedUnreadable() throws {
        let contact: JSONValue = .object(["PHONE": .array([
            .object(["ID": .string("1"), "VALUE": .string("+7 916 123-45-67"), "VALUE_TYPE": .string("MOBILE"), "TYPE_ID": .string("PHONE")]),
            .object(["ID": .string("2"), "VALUE": .string("89161234567"), "VALUE_TYPE": .string("WORK"), "TYPE_ID": .string("PHONE")]),
            .object(["ID": .string("3"), "VALUE": .string("ext. 12"), "VALUE_TYPE": .string("WORK"), "TYPE_ID": .string("PHONE")]),
        ])])
        let phones = ContactPhones(contact)
        #expect(phones.phones == [try PhoneNumber(parsing: "+79161234567")], "one number written two ways is one phone")
        #expect(phones.unreadable == 1)
        #expect(ContactPhones(.object([:])).phones.isEmpty)
    }
}
