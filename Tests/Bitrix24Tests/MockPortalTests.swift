import Bitrix24Mock
import PassBuilder
import Testing

@testable import Bitrix24

/// The mock's methods as plain calls, with the documented replies.
@Suite struct MockPortalTests {
    static func call(_ portal: inout MockPortal, _ method: String, _ params: [String: JSONValue] = [:], token: String = "mock-access-1") -> MockReply {
        portal.call(method, params: params, caller: .app(token: token), now: 1000)
    }

    @Test func phonesMatchExactlyInListsAndNormalisedInDuplicates() {
        var portal = MockPortal()
        let a = portal.addContact(name: "Mother", phones: ["+7 916 123-45-67"])
        let b = portal.addContact(name: "Son", phones: ["89161234567"])
        portal.addContact(name: "Other", phones: ["+79990000000"])
        let list = Self.call(&portal, "crm.contact.list", ["filter": .object(["PHONE": .string("89161234567")])])
        #expect(list.body["result"]?.arrayValue?.compactMap { $0["ID"]?.stringValue } == [String(b)], "the filter is format-sensitive")
        let dup = Self.call(&portal, "crm.duplicate.findbycomm", ["type": .string("PHONE"), "values": .array([.string("+79161234567")])])
        #expect(dup.body["result"]?["CONTACT"] == .array([.integer(a), .integer(b)]))
        let none = Self.call(&portal, "crm.duplicate.findbycomm", ["type": .string("PHONE"), "values": .array([.string("+79995550000")])])
        #expect(none.body["result"] == .array([]))
        let many = Self.call(&portal, "crm.duplicate.findbycomm", ["type": .string("PHONE"), "values": .array((0..<21).map { .string("+7916000000\($0)") })])
        #expect(many.status == 400)
    }

    @Test func errorsAreTheDocumentedOnes() {
        var portal = MockPortal()
        #expect(Self.call(&portal, "crm.deal.get", ["id": .integer(5)]).body == .object(["error": .string(""), "error_description": .string("Not found")]))
        #expect(Self.call(&portal, "crm.deal.get", ["id": .string("x")]).body["error_description"] == .string("ID is not defined or invalid"))
        #expect(Self.call(&portal, "app.info", token: "stolen").body["error"] == .string("NO_AUTH_FOUND"))
        portal.expireAccessToken()
        #expect(Self.call(&portal, "app.info").body["error"] == .string("expired_token"))
        var other = MockPortal()
        #expect(Self.call(&other, "bizproc.event.send", ["event_token": .string("1|x|forged"), "return_values": .object([:])]).body["error"] == .string("ACCESS_DENIED"))
        #expect(Self.call(&other, "no.such.method").status == 404)
    }

    @Test func robotsEventsAndPlacementsRegisterOnceAndAnswersNeedTheirToken() {
        var portal = MockPortal()
        let params = RobotCode.cardCheck.definition.registration(handler: "https://passes.example.com/bitrix24/robot").objectValue!
        #expect(Self.call(&portal, "bizproc.robot.add", params).body["result"] == .bool(true))
        #expect(Self.call(&portal, "bizproc.robot.add", params).body["error"] == .string("ERROR_ACTIVITY_ALREADY_INSTALLED"))
        let bind: [String: JSONValue] = ["event": .string("ONCRMDEALUPDATE"), "handler": .string("https://passes.example.com/bitrix24/event"), "event_type": .string("offline")]
        #expect(Self.call(&portal, "event.bind", bind).status == 200)
        #expect(Self.call(&portal, "event.bind", bind).body["error_description"] == .string("Handler already binded"))
        #expect(Self.call(&portal, "placement.bind", ["PLACEMENT": .string("CRM_DEAL_DETAIL_TAB"), "HANDLER": .string("http://localhost/p")]).body["error"] == .string("ERROR_WRONG_HANDLER_URL"))

        // Offline events keep only the latest state per object, and are taken once.
        let deal = portal.addDeal(title: "Lessons", amount: "1500.00", contacts: [])
        portal.moveDeal(deal, semantic: "S")
        portal.moveDeal(deal, semantic: "S")
        let events = Self.call(&portal, "event.offline.get").body["result"]?["events"]?.arrayValue ?? []
        #expect(events.count == 1 && events.first?["EVENT_DATA"]?["FIELDS"]?["ID"] == .integer(deal))
        #expect(Self.call(&portal, "event.offline.get").body["result"]?["events"] == .array([]))

        let (_, token) = portal.robotCallForm("passline_card_check", document: .deal(deal), properties: [:])
        #expect(Self.call(&portal, "bizproc.event.send", ["event_token": .string(token), "return_values": .object(["has_card": .string("N")])]).status == 200)
        #expect(portal.robotAnswers[token]?["has_card"] == .string("N"))
        #expect(Self.call(&portal, "bizproc.event.send", ["event_token": .string(token), "return_values": .object([:])]).body["error"] == .string("ACCESS_DENIED"), "an answer is taken once")
    }

    @Test func batchRunsUpToFiftyCallsAndReportsEachError() {
        var portal = MockPortal()
        let id = portal.addContact(name: "Anna", phones: ["+79161234567"])
        let reply = Self.call(&portal, "batch", ["halt": .integer(0), "cmd": .object([
            "a": .string("crm.contact.get?id=\(id)"), "b": .string("crm.contact.get?id=999"), "c": .string("batch?cmd[x]=app.info"),
        ])])
        #expect(reply.status == 200)
        #expect(reply.body["result"]?["result"]?["a"]?["NAME"] == .string("Anna"))
        #expect(reply.body["result"]?["result_error"]?["b"]?["error_description"] == .string("Not found"))
        #expect(reply.body["result"]?["result_error"]?["c"]?["error"] == .string("ERROR_BATCH_METHOD_NOT_ALLOWED"))
        let tooMany = Self.call(&portal, "batch", ["cmd": .object(Dictionary(uniqueKeysWithValues: (0..<51).map { ("k\($0)", JSONValue.string("app.info")) }))])
        #expect(tooMany.body["error"] == .string("ERROR_BATCH_LENGTH_EXCEEDED"))
    }

    @Test func theFormsItPostsAreWhatTheWireParsersRead() throws {
        var portal = MockPortal()
        let install = try PortalEvent(try #require(FormFields(portal.installForm())))
        guard case .install(let auth, let tokens, _) = install else { throw CancellationError() }
        #expect(auth.applicationToken == portal.applicationToken && tokens.refreshToken == portal.refreshToken)
        let event = try PortalEvent(try #require(FormFields(portal.eventForm("ONCRMDEALUPDATE", id: 42))))
        #expect(event == .crm(InboundAuth(memberID: portal.memberID, domain: portal.domain, applicationToken: portal.applicationToken), .dealUpdate, id: 42))
        let (form, token) = portal.robotCallForm("passline_deal_debit", document: .deal(42), properties: ["points": "100"])
        let call = try RobotCall(try #require(FormFields(form)))
        #expect(call.eventToken == token && call.robot == .dealDebit && call.document == .deal(42))
        #expect(try RobotInput(call) == .dealDebit(deal: 42, points: 100))
    }
}
