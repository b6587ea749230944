import Bitrix24
import Core
import Foundation
import Loyalty
import PassBuilder
import Storage

/// Acting on the inbox: each item is done (with the outbox items it produces, in one
/// transaction), retried later when the portal or the database cannot be reached now, or failed
/// when it cannot be read at all.
extension Bitrix24Worker {
    /// The inbox kinds the worker can act on with these clients (the rest wait for theirs).
    static func kinds(_ clients: Clients) -> [String] {
        var kinds: [String] = []
        if clients.app != nil {
            kinds += RobotCode.allCases.map(\.rawValue) + CRMEventName.allCases.map(\.rawValue) + [Bitrix24Actions.householdKind]
        }
        if clients.webhook != nil { kinds += WebhookAction.allCases.map(\.kind) }
        return kinds
    }

    func act(_ item: PortalQueueItem, _ clients: Clients, _ bucket: inout TokenBucket) async {
        guard let json = try? JSONValue(parsing: Array(item.payload.utf8)) else {
            try? await store.complete(.inbox, id: item.id, .failed(error: "the queued item is not JSON"))
            return
        }
        do {
            // Reads cost the portal's limit like writes do; an item makes a few.
            await pace(&bucket)
            let answers: [NewPortalQueueItem]
            if let robot = RobotCode(rawValue: item.kind), let portal = clients.portal, let client = clients.app {
                if case .integer(let deadline)? = json["deadline"], Date(timeIntervalSince1970: TimeInterval(deadline)) <= Date() {
                    // Its business process stopped waiting while the call waited here: nothing is done, no one to answer.
                    try await store.complete(.inbox, id: item.id, .failed(error: "the business process stopped waiting before the call could be acted on"))
                    return
                }
                guard let answer = try await robotCall(robot, json, portal: portal, client: client), let token = json["event_token"]?.stringValue else {
                    try await store.complete(.inbox, id: item.id, .failed(error: "the queued robot call cannot be read"))
                    return
                }
                try await store.complete(.inbox, id: item.id, .done, answers: [answer])
                _ = try await store.markDone(Bitrix24Service.answeredKey(token))
                service.queued.signal()
                return
            } else if let event = CRMEventName(rawValue: item.kind), let client = clients.app, let id = json["id"].flatMap(CRMFields.id) {
                answers = try await crmEvent(event, id: id, client: client)
            } else if item.kind == Bitrix24Actions.householdKind, let client = clients.app,
                      let phone = json["phone"]?.stringValue.flatMap({ try? PhoneNumber(parsing: $0) }) {
                let (updates, mirrored) = try await actions.householdChanged(phone: phone, client: client)
                try await store.complete(.inbox, id: item.id, .done, answers: updates)
                if let mirrored { try await store.noteMirrored(mirrored) }
                if !updates.isEmpty { service.queued.signal() }
                return
            } else if let action = WebhookAction(kind: item.kind), let client = clients.webhook {
                let outcome = try await actions.webhook(action, json, client: client)
                logger.info("Bitrix24 webhook acted", metadata: ["action": "\(action.rawValue)", "outcome": "\(outcome)"])
                answers = []
            } else {
                try await store.complete(.inbox, id: item.id, .failed(error: "an inbox item of kind \(item.kind) cannot be acted on"))
                return
            }
            try await store.complete(.inbox, id: item.id, .done, answers: answers)
            if !answers.isEmpty { service.queued.signal() }
        } catch {
            logger.notice("Bitrix24 inbox item deferred", metadata: ["kind": "\(item.kind)", "error": "\(error)", "attempt": "\(item.attempts)"])
            try? await store.complete(.inbox, id: item.id, .retry(at: retryAt(item.attempts), error: "\(error)"))
        }
    }

    /// Acts on one robot call; its answer. Nil when the queued call cannot be read.
    func robotCall(_ robot: RobotCode, _ json: JSONValue, portal: Bitrix24Portal, client: Bitrix24Client) async throws -> NewPortalQueueItem? {
        guard let token = json["event_token"]?.stringValue, let document = try? CRMDocument(json["document"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        else { return nil }
        let call = RobotCall(
            robot: robot, workflowID: json["workflow"]?.stringValue ?? "", document: document, eventToken: token,
            properties: (json["properties"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
            auth: InboundAuth(memberID: portal.memberID, domain: portal.domain, applicationToken: portal.applicationToken))
        let values: [String: JSONValue]
        do {
            values = try await actions.perform(try RobotInput(call), on: document, eventToken: token, client: client)
        } catch let refusal as Bitrix24InputError {
            values = ["error": .string(refusal.description)]
        }
        return Bitrix24Service.answer(token, values)
    }

    /// Acts on one CRM event (re-reading the object: events carry only its id).
    func crmEvent(_ event: CRMEventName, id: Int64, client: Bitrix24Client) async throws -> [NewPortalQueueItem] {
        switch event {
        case .dealUpdate:
            let outcome = try await actions.dealChanged(id, client: client)
            logger.info("Bitrix24 deal event", metadata: ["deal": "\(id)", "outcome": "\(outcome)"])
            return []
        case .contactUpdate, .contactAdd:
            return try await actions.contactChanged(id, added: event == .contactAdd, client: client)
        case .leadAdd:
            try await actions.leadAdded(id, client: client)
            return []
        }
    }
}
