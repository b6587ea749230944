import Bitrix24
import PassBuilder
import Storage

/// What the app registers with the portal on install: the card fields on contacts, the robots,
/// the deal and contact events (online, and offline to poll, since online events are never
/// retried), and the card tab in deals and contacts. Each call is keyed, so a re-install queues
/// each once; the portal's "already there" answers count as done.
enum Bitrix24Registration {
    static let cardFields: [(name: CardFields.Name, english: String, russian: String)] = [
        (.card, "Loyalty card", "Карта лояльности"),
        (.balance, "Points", "Баллы"),
        (.tier, "Tier", "Уровень"),
        (.link, "Card download link", "Ссылка на карту"),
    ]
    /// Deals (won → accrual), contacts (a new phone joins a household; a CRM form's contact gets a
    /// card) and leads (a CRM form in lead mode).
    static let events = CRMEventName.allCases
    static let placements = ["CRM_DEAL_DETAIL_TAB", "CRM_CONTACT_DETAIL_TAB"]

    /// The calls, with handlers under `publicURL`.
    static func calls(publicURL: String) -> [NewPortalQueueItem] {
        var calls: [NewPortalQueueItem] = []
        func add(_ method: String, key: String, _ params: [String: JSONValue]) {
            calls.append(NewPortalQueueItem(kind: method, key: "register:\(key)", payload: String(decoding: JSONValue.object(params).serialized(), as: UTF8.self)))
        }
        for field in cardFields {
            add("crm.contact.userfield.add", key: "field:\(field.name.rawValue)", ["fields": .object([
                "FIELD_NAME": .string(field.name.rawValue), "USER_TYPE_ID": .string("string"), "XML_ID": .string(field.name.rawValue),
                "EDIT_FORM_LABEL": .object(["en": .string(field.english), "ru": .string(field.russian)]),
                "LIST_COLUMN_LABEL": .object(["en": .string(field.english), "ru": .string(field.russian)]),
            ])])
        }
        for robot in RobotCode.allCases {
            add("bizproc.robot.add", key: "robot:\(robot.rawValue)", robot.definition.registration(handler: publicURL + "/bitrix24/robot").objectValue ?? [:])
        }
        for event in events {
            add("event.bind", key: "event:\(event.rawValue)", ["event": .string(event.rawValue), "handler": .string(publicURL + "/bitrix24/event")])
            add("event.bind", key: "offline:\(event.rawValue)", ["event": .string(event.rawValue), "handler": .string(publicURL + "/bitrix24/event"), "event_type": .string("offline")])
        }
        for placement in placements {
            add("placement.bind", key: "placement:\(placement)", [
                "PLACEMENT": .string(placement), "HANDLER": .string(publicURL + "/bitrix24/placement"), "TITLE": .string("Passline"),
                "LANG_ALL": .object(["en": .object(["TITLE": .string("Loyalty card")]), "ru": .object(["TITLE": .string("Карта лояльности")])]),
            ])
        }
        return calls
    }

    /// The portal's answers to a registration that already exists: the call's goal is met.
    static func alreadyDone(_ error: Bitrix24Error) -> Bool {
        error.code == "ERROR_ACTIVITY_ALREADY_INSTALLED" || error.description == "Handler already binded"
            || (error.code == "ERROR_CORE" && error.description.contains("already exists"))
    }
}
