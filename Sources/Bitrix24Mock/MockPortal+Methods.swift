import Bitrix24
import PassBuilder

extension MockPortal {
    static let notFound = MockReply.error(400, "", "Not found")
    static let badID = MockReply.error(400, "", "ID is not defined or invalid")

    /// The methods, with the replies their documentation gives.
    mutating func run(_ method: String, _ p: [String: JSONValue], caller: MockCaller) -> MethodResult {
        typealias P = MockParams
        switch method {
        case "app.info":
            return .value(.object(["ID": .integer(1), "CODE": .string(clientID), "VERSION": .integer(1), "STATUS": .string("L"), "INSTALLED": .bool(true)]))
        case "user.current":
            guard case .app(let token) = caller, let token, let user = userTokens[token] ?? (accessTokens.contains(token) ? 1 : nil) else {
                return .failure(.error(401, "NO_AUTH_FOUND", "Wrong authorization data"))
            }
            return .value(.object(["ID": .string(String(user)), "NAME": .string("Manager"), "ADMIN": .bool(user == 1)]))

        case "crm.deal.get":
            guard let id = P.id(P.get(p, "id")) else { return .failure(Self.badID) }
            guard let deal = deals[id] else { return .failure(Self.notFound) }
            return .value(.object(deal))
        case "crm.deal.contact.items.get":
            guard let id = P.id(P.get(p, "id")) else { return .failure(Self.badID) }
            guard deals[id] != nil else { return .failure(Self.notFound) }
            return .value(.array((dealContacts[id] ?? []).enumerated().map { i, c in
                .object(["CONTACT_ID": .integer(c), "SORT": .integer(Int64(10 * (i + 1))), "ROLE_ID": .integer(0), "IS_PRIMARY": .string(i == 0 ? "Y" : "N")])
            }))
        case "crm.contact.get":
            guard let id = P.id(P.get(p, "id")) else { return .failure(Self.badID) }
            guard let contact = contacts[id] else { return .failure(Self.notFound) }
            return .value(.object(contact))
        case "crm.lead.get":
            guard let id = P.id(P.get(p, "id")) else { return .failure(Self.badID) }
            guard let lead = leads[id] else { return .failure(Self.notFound) }
            return .value(.object(lead))
        case "crm.contact.add":
            guard let fields = P.get(p, "fields")?.objectValue else { return .failure(.error(400, "", "Parameter 'fields' must be array.")) }
            let phones = (fields["PHONE"]?.arrayValue ?? []).compactMap { $0["VALUE"]?.stringValue }
            return .value(.integer(addContact(name: fields["NAME"]?.stringValue ?? "", phones: phones, fields: fields.filter { $0.key != "PHONE" })))
        case "crm.contact.update":
            guard let id = P.id(P.get(p, "id")) else { return .failure(Self.badID) }
            guard contacts[id] != nil else { return .failure(Self.notFound) }
            guard let fields = P.get(p, "fields")?.objectValue else { return .failure(.error(400, "", "Parameter 'fields' must be array.")) }
            for (key, value) in fields where key.hasPrefix("UF_CRM_") && userFields[String(key.dropFirst(7))] == nil && userFields[key] == nil {
                _ = value
                return .failure(.error(400, "", "Field \(key) is not found."))
            }
            contacts[id]?.merge(fields.filter { $0.key != "PHONE" }) { _, new in new }
            queueOffline("ONCRMCONTACTUPDATE", id: id)
            return .value(.bool(true))
        case "crm.contact.list":
            return contactList(p)
        case "crm.contact.userfield.add":
            guard let fields = P.get(p, "fields")?.objectValue, let name = fields["FIELD_NAME"]?.stringValue, !name.isEmpty else {
                return .failure(.error(400, "", "FIELD_NAME is required"))
            }
            let full = name.hasPrefix("UF_CRM_") ? name : "UF_CRM_" + name
            guard userFields[full] == nil else { return .failure(.error(400, "ERROR_CORE", "A field with this code already exists")) }
            userFields[full] = .object(fields.merging(["FIELD_NAME": .string(full), "ID": .string(String(userFields.count + 1))]) { _, new in new })
            return .value(.integer(Int64(userFields.count)))
        case "crm.contact.userfield.list":
            return .value(.array(userFields.keys.sorted().compactMap { userFields[$0] }))
        case "crm.duplicate.findbycomm":
            return findByComm(p)

        case "event.bind":
            guard let event = P.text(P.get(p, "event"))?.uppercased(), let handler = P.text(P.get(p, "handler")) else {
                return .failure(.error(400, "", "Event and handler are required"))
            }
            let offline = P.text(P.get(p, "event_type")) == "offline"
            guard !eventBindings.contains(where: { $0.event == event && $0.handler == handler && $0.offline == offline }) else {
                return .failure(.error(400, "", "Handler already binded"))
            }
            eventBindings.append((event, handler, offline))
            return .value(.bool(true))
        case "event.get":
            return .value(.array(eventBindings.map { .object(["event": .string($0.event), "handler": .string($0.handler), "event_type": .string($0.offline ? "offline" : "online")]) }))
        case "event.offline.get":
            // Without `clear=0` the page is popped; with it, the page is held for this process
            // (not handed out again) until `event.offline.clear` removes it.
            let limit = Int(P.text(P.get(p, "limit")) ?? "") ?? 50
            let taken = offlineEvents.filter { $0.process == nil }.prefix(limit)
            let process = "mock-process-\(take())"
            if P.text(P.get(p, "clear")) == "0" {
                for event in taken { if let i = offlineEvents.firstIndex(where: { $0.messageID == event.messageID }) { offlineEvents[i].process = process } }
            } else {
                offlineEvents.removeAll { event in taken.contains { $0.messageID == event.messageID } }
            }
            return .value(.object([
                "process_id": .string(process),
                "events": .array(taken.map { e in
                    .object(["ID": .integer(e.messageID), "EVENT_NAME": .string(e.event), "EVENT_DATA": .object(["FIELDS": .object(["ID": .integer(e.id)])]), "MESSAGE_ID": .string("m\(e.messageID)")])
                }),
            ]))
        case "event.offline.clear":
            guard let process = P.text(P.get(p, "process_id")) else { return .failure(.error(400, "", "process_id is required")) }
            let ids = Set((P.get(p, "id")?.arrayValue ?? []).compactMap(P.id))
            offlineEvents.removeAll { $0.process == process && (ids.isEmpty || ids.contains($0.messageID)) }
            return .value(.bool(true))

        case "bizproc.robot.add":
            guard let code = P.text(P.get(p, "code")), !code.isEmpty, P.text(P.get(p, "handler")) != nil else {
                return .failure(.error(400, "ERROR_WRONG_HANDLER_URL", "Wrong handler URL"))
            }
            guard robots[code] == nil else { return .failure(.error(400, "ERROR_ACTIVITY_ALREADY_INSTALLED", "Activity or Robot already installed!")) }
            robots[code] = .object(p)
            return .value(.bool(true))
        case "bizproc.robot.list":
            return .value(.array(robots.keys.sorted().map { .string($0) }))
        case "bizproc.robot.delete":
            guard let code = P.text(P.get(p, "code")), robots.removeValue(forKey: code) != nil else {
                return .failure(.error(400, "ERROR_ACTIVITY_NOT_FOUND", "Activity or Robot not found!"))
            }
            return .value(.bool(true))
        case "bizproc.event.send":
            guard let token = P.text(P.get(p, "event_token")), pendingEventTokens.remove(token) != nil else {
                return .failure(.error(403, "ACCESS_DENIED", "Access denied!"))
            }
            robotAnswers[token] = P.get(p, "return_values") ?? .object([:])
            return .value(.bool(true))

        case "placement.bind":
            guard let placement = P.text(P.get(p, "placement")), let handler = P.text(P.get(p, "handler")) else {
                return .failure(.error(400, "ERROR_ARGUMENT", "Placement and handler are required"))
            }
            guard placement.hasPrefix("CRM_") else { return .failure(.error(400, "ERROR_PLACEMENT_NOT_FOUND", "Placement not found")) }
            guard !handler.contains("://localhost") && !handler.contains("://127.") else {
                return .failure(.error(400, "ERROR_WRONG_HANDLER_URL", "Wrong handler URL"))
            }
            guard !placements.contains(where: { $0.placement == placement && $0.handler == handler }) else {
                return .failure(.error(400, "", "Handler already binded"))
            }
            placements.append((placement, handler))
            return .value(.bool(true))
        case "placement.get":
            return .value(.array(placements.map { .object(["placement": .string($0.placement), "handler": .string($0.handler)]) }))
        default:
            return .failure(.error(404, "ERROR_METHOD_NOT_FOUND", "Method not found!"))
        }
    }

    /// `crm.contact.list`: the PHONE filter matches the stored text exactly (format-sensitive, as
    /// documented); 50 a page, `start` from `next`.
    func contactList(_ p: [String: JSONValue]) -> MethodResult {
        let phone = P.get(p, "filter")?["PHONE"].flatMap(MockParams.text)
        let ids = contacts.keys.sorted().filter { id in
            guard let phone else { return true }
            return (contacts[id]?["PHONE"]?.arrayValue ?? []).contains { $0["VALUE"]?.stringValue == phone }
        }
        let start = Int(MockParams.text(P.get(p, "start")) ?? "") ?? 0
        let page = ids.dropFirst(start).prefix(Self.pageSize)
        let next = start + page.count < ids.count ? start + page.count : nil
        return .page(.array(page.compactMap { contacts[$0].map(JSONValue.object) }), next: next, total: ids.count)
    }

    private typealias P = MockParams

    /// `crm.duplicate.findbycomm`: up to 20 values, matched on digits (extensions and formatting
    /// ignored), `{"CONTACT": [ids]}`, or an empty array when nothing matches.
    func findByComm(_ p: [String: JSONValue]) -> MethodResult {
        guard P.text(P.get(p, "type"))?.uppercased() == "PHONE" else { return .failure(.error(400, "", "Communication type is not supported")) }
        let values = (P.get(p, "values")?.arrayValue ?? []).compactMap(MockParams.text)
        guard !values.isEmpty, values.count <= 20 else { return .failure(.error(400, "", "Values must be a list of 1 to 20 items")) }
        let wanted = Set(values.map(Self.key))
        let ids = contacts.keys.sorted().filter { id in
            (contacts[id]?["PHONE"]?.arrayValue ?? []).contains { $0["VALUE"]?.stringValue.map { wanted.contains(Self.key($0)) } ?? false }
        }
        return .value(ids.isEmpty ? .array([]) : .object(["CONTACT": .array(ids.map { .integer($0) })]))
    }

    /// The last ten digits: how the portal's duplicate index compares Russian numbers (8… and +7…).
    static func key(_ phone: String) -> String { String(phone.filter(\.isNumber).suffix(10)) }
}
