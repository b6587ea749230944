import Bitrix24
import PassBuilder

/// One Bitrix24 portal's REST API as a plain value: the CRM records, what the app registered, its
/// tokens and its rate limit, with the documented replies and errors ("Error codes", "Limits",
/// the method pages of Bitrix24's REST API docs). ``Bitrix24MockServer`` serves it over HTTP;
/// tests can drive it directly, with the clock passed in.
public struct MockPortal: Sendable {
    public var domain = "school.bitrix24.ru"
    /// Where REST calls go (`https://{domain}/rest/`; the mock server sets its own address).
    public var clientEndpoint = "https://school.bitrix24.ru/rest/"
    public var memberID = "mock-member-0001"
    public var applicationToken = "mock-application-token"
    public var clientID = "local.mock.passline"
    public var clientSecret = "mock-client-secret"

    /// Access tokens the portal accepts now, and ones that were valid but expired.
    public var accessTokens: Set<String> = ["mock-access-1"]
    public var expiredTokens: Set<String> = []
    public var refreshToken = "mock-refresh-1"
    var tokenSerial = 1
    /// Incoming-webhook credentials (`/rest/{user}/{secret}/{method}`).
    public var webhook = (user: 1, secret: "mock-webhook-secret")
    /// Users' own tokens (a placement's `AUTH_ID`) → user id.
    public var userTokens: [String: Int] = ["mock-user-token": 1]

    public var contacts: [Int64: [String: JSONValue]] = [:]
    public var deals: [Int64: [String: JSONValue]] = [:]
    /// Deal → its contacts, primary first.
    public var dealContacts: [Int64: [Int64]] = [:]
    var nextID: Int64 = 1

    public var userFields: [String: JSONValue] = [:]
    public var robots: [String: JSONValue] = [:]
    public var eventBindings: [(event: String, handler: String, offline: Bool)] = []
    public var placements: [(placement: String, handler: String)] = []
    /// Offline events not yet taken, the latest per object only (as the portal's queue keeps them).
    public var offlineEvents: [OfflineEvent] = []
    /// Leads (a CRM form in lead mode creates one).
    public var leads: [Int64: [String: JSONValue]] = [:]
    /// Robot answers received through `bizproc.event.send`, by event token.
    public var robotAnswers: [String: JSONValue] = [:]
    /// Event tokens of robot calls still waiting for an answer.
    public var pendingEventTokens: Set<String> = []
    var tokenCounter = 0

    /// The leaky bucket of a non-Enterprise portal: 2 requests a second, bursts of 50.
    public var rate = 2.0
    public var burst = 50.0
    var level = 0.0
    var levelAt: Double?
    /// Every method called, in order (batch sub-calls included), for assertions.
    public var calls: [String] = []
    /// Failures to inject: the next call of a method answers this instead.
    /// While true every REST call answers 502 (the portal is down).
    public var down = false
    public var injected: [String: [(status: Int, code: String, description: String)]] = [:]

    public init() {}

    // MARK: Records

    /// Adds a contact with the given phones (a PHONE multi-field).
    @discardableResult
    public mutating func addContact(name: String, phones: [String], fields: [String: JSONValue] = [:]) -> Int64 {
        let id = take()
        var contact: [String: JSONValue] = ["ID": .string(String(id)), "NAME": .string(name), "TYPE_ID": .string("CLIENT")]
        contact["PHONE"] = .array(phones.enumerated().map { i, p in
            .object(["ID": .string(String(id * 100 + Int64(i))), "VALUE": .string(p), "VALUE_TYPE": .string("MOBILE"), "TYPE_ID": .string("PHONE")])
        })
        contact.merge(fields) { _, new in new }
        contacts[id] = contact
        queueOffline("ONCRMCONTACTADD", id: id)
        return id
    }

    /// Adds a deal in progress for `contacts` (the first is primary).
    @discardableResult
    public mutating func addDeal(title: String, amount: String, currency: String = "RUB", contacts: [Int64]) -> Int64 {
        let id = take()
        deals[id] = [
            "ID": .string(String(id)), "TITLE": .string(title), "CATEGORY_ID": .string("0"), "STAGE_ID": .string("NEW"),
            "STAGE_SEMANTIC_ID": .string("P"), "CLOSED": .string("N"), "OPPORTUNITY": .string(amount), "CURRENCY_ID": .string(currency),
            "CONTACT_ID": contacts.first.map { .string(String($0)) } ?? .null,
        ]
        dealContacts[id] = contacts
        return id
    }

    /// Moves a deal: `S` won, `F` lost, `P` in progress; queues its offline event.
    public mutating func moveDeal(_ id: Int64, semantic: String) {
        deals[id]?["STAGE_SEMANTIC_ID"] = .string(semantic)
        deals[id]?["STAGE_ID"] = .string(semantic == "S" ? "WON" : semantic == "F" ? "LOSE" : "NEW")
        deals[id]?["CLOSED"] = .string(semantic == "P" ? "N" : "Y")
        queueOffline("ONCRMDEALUPDATE", id: id)
    }

    /// One waiting offline event; `process` holds it for a collector that has not cleared it yet.
    public struct OfflineEvent: Sendable, Hashable {
        public var event: String
        public var id: Int64
        public var messageID: Int64
        public var process: String?
    }

    /// Edits a deal's amount (a manager's change); queues its offline event.
    public mutating func editDeal(_ id: Int64, amount: String) {
        deals[id]?["OPPORTUNITY"] = .string(amount)
        queueOffline("ONCRMDEALUPDATE", id: id)
    }

    /// Adds a phone to a contact (a manager's change); queues its offline event.
    public mutating func addPhone(_ phone: String, to id: Int64) {
        var phones = contacts[id]?["PHONE"]?.arrayValue ?? []
        phones.append(.object(["ID": .string(String(id * 100 + Int64(phones.count))), "VALUE": .string(phone), "VALUE_TYPE": .string("MOBILE"), "TYPE_ID": .string("PHONE")]))
        contacts[id]?["PHONE"] = .array(phones)
        queueOffline("ONCRMCONTACTUPDATE", id: id)
    }

    /// Queues an offline event for an app bound to it; the queue keeps only the latest per object.
    public mutating func queueOffline(_ event: String, id: Int64) {
        guard eventBindings.contains(where: { $0.event == event && $0.offline }) else { return }
        offlineEvents.removeAll { $0.event == event && $0.id == id && $0.process == nil }
        offlineEvents.append(OfflineEvent(event: event, id: id, messageID: take()))
    }

    /// What a CRM web form creates: a contact (or, in lead mode, a lead) with `WEBFORM_ID`, and its
    /// offline `ONCRMCONTACTADD` / `ONCRMLEADADD`.
    @discardableResult
    public mutating func submitWebForm(id form: Int64, name: String, phone: String, leadMode: Bool = false) -> CRMDocument {
        if leadMode {
            let id = take()
            leads[id] = [
                "ID": .string(String(id)), "TITLE": .string("CRM form #\(form)"), "NAME": .string(name), "WEBFORM_ID": .string(String(form)),
                "SOURCE_ID": .string("WEBFORM"),
                "PHONE": .array([.object(["ID": .string(String(id * 100)), "VALUE": .string(phone), "VALUE_TYPE": .string("MOBILE"), "TYPE_ID": .string("PHONE")])]),
            ]
            queueOffline("ONCRMLEADADD", id: id)
            return .lead(id)
        }
        let id = addContact(name: name, phones: [phone], fields: ["WEBFORM_ID": .string(String(form)), "SOURCE_ID": .string("WEBFORM")])
        queueOffline("ONCRMCONTACTADD", id: id)
        return .contact(id)
    }

    /// A new event token for a robot call, in the documented shape `<id>|<activity>|<signature>`.
    public mutating func issueEventToken(robot: String) -> String {
        tokenCounter += 1
        let token = "\(tokenCounter)|\(robot)|sig\(tokenCounter * 7919)"
        pendingEventTokens.insert(token)
        return token
    }

    /// Expires the current access token: the next call with it answers `expired_token`.
    public mutating func expireAccessToken() {
        expiredTokens.formUnion(accessTokens)
        accessTokens.removeAll()
    }

    mutating func take() -> Int64 {
        defer { nextID += 1 }
        return nextID
    }
}
