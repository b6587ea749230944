import PassBuilder

/// The app's robots. Their codes and properties are a contract with every business process an
/// integrator builds on them: add, never rename.
public enum RobotCode: String, Sendable, Hashable, CaseIterable {
    case cardIssue = "passline_card_issue"
    case cardCheck = "passline_card_check"
    case dealAccrue = "passline_deal_accrue"
    case dealDebit = "passline_deal_debit"
    case promo = "passline_promo"
}

/// One robot property (an input or a return value), as `bizproc.robot.add` takes it.
public struct RobotProperty: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case string, text, int, double, bool }

    public var key: String
    public var english: String
    public var russian: String
    public var kind: Kind
    public var required = false
    public var defaultValue: String?

    var registration: JSONValue {
        var fields: [String: JSONValue] = [
            "Name": .object(["en": .string(english), "ru": .string(russian)]),
            "Type": .string(kind.rawValue),
            "Required": .string(required ? "Y" : "N"),
            "Multiple": .string("N"),
        ]
        if let defaultValue { fields["Default"] = .string(defaultValue) }
        return .object(fields)
    }
}

/// What a robot is: its names, its inputs and its return values.
public struct RobotDefinition: Sendable, Hashable {
    public var code: RobotCode
    public var english: String
    public var russian: String
    public var inputs: [RobotProperty]
    public var outputs: [RobotProperty]
    /// Deal robots run only in deals; card robots anywhere a phone is known.
    public var dealsOnly: Bool

    /// The parameters of `bizproc.robot.add` for this robot, answered at `handler`. The robot
    /// waits for the answer (`USE_SUBSCRIPTION=Y`), which comes through `bizproc.event.send`.
    public func registration(handler: String, authUserID: Int = 1) -> JSONValue {
        var params: [String: JSONValue] = [
            "CODE": .string(code.rawValue),
            "HANDLER": .string(handler),
            "AUTH_USER_ID": .integer(Int64(authUserID)),
            "USE_SUBSCRIPTION": .string("Y"),
            "NAME": .object(["en": .string(english), "ru": .string(russian)]),
            "PROPERTIES": .object(Dictionary(uniqueKeysWithValues: inputs.map { ($0.key, $0.registration) })),
            "RETURN_PROPERTIES": .object(Dictionary(uniqueKeysWithValues: outputs.map { ($0.key, $0.registration) })),
        ]
        if dealsOnly { params["DOCUMENT_TYPE"] = .array([.string("crm"), .string("CCrmDocumentDeal"), .string("DEAL")]) }
        return .object(params)
    }
}

extension RobotCode {
    /// The robot's definition.
    public var definition: RobotDefinition {
        typealias P = RobotProperty
        // Every robot can fail with a reason the business process can branch on.
        let error = P(key: "error", english: "Error", russian: "Ошибка", kind: .string)
        let balance = P(key: "balance", english: "Balance (points)", russian: "Баланс (баллы)", kind: .int)
        let cardNumber = P(key: "card_number", english: "Card number", russian: "Номер карты", kind: .string)
        switch self {
        case .cardIssue:
            return RobotDefinition(
                code: self, english: "Passline: issue a loyalty card", russian: "Passline: выпустить карту лояльности",
                inputs: [
                    P(key: "phone", english: "Phone", russian: "Телефон", kind: .string, required: true),
                    P(key: "name", english: "Name", russian: "Имя", kind: .string),
                ],
                outputs: [
                    cardNumber, P(key: "link", english: "Download link", russian: "Ссылка на карту", kind: .string), balance,
                    P(key: "existing", english: "Card existed (Y/N)", russian: "Карта уже была (Y/N)", kind: .string), error,
                ],
                dealsOnly: false)
        case .cardCheck:
            return RobotDefinition(
                code: self, english: "Passline: check the card", russian: "Passline: проверить карту",
                inputs: [
                    P(key: "phone", english: "Phone (default: the deal's contact)", russian: "Телефон (по умолчанию: контакт сделки)", kind: .string),
                    P(key: "amount", english: "Purchase amount", russian: "Сумма покупки", kind: .double, defaultValue: "{=Document:OPPORTUNITY}"),
                ],
                outputs: [
                    P(key: "has_card", english: "Has a card (Y/N)", russian: "Есть карта (Y/N)", kind: .string), cardNumber, balance,
                    P(key: "tier", english: "Tier", russian: "Уровень", kind: .string),
                    P(key: "max_debit", english: "Points this deal may pay", russian: "Можно списать баллов", kind: .int), error,
                ],
                dealsOnly: false)
        case .dealAccrue:
            return RobotDefinition(
                code: self, english: "Passline: accrue points for the deal", russian: "Passline: начислить баллы за сделку",
                inputs: [P(key: "amount", english: "Amount", russian: "Сумма", kind: .double, required: true, defaultValue: "{=Document:OPPORTUNITY}")],
                outputs: [P(key: "accrued", english: "Points accrued", russian: "Начислено баллов", kind: .int), balance, error],
                dealsOnly: true)
        case .dealDebit:
            return RobotDefinition(
                code: self, english: "Passline: pay with points", russian: "Passline: списать баллы",
                inputs: [P(key: "points", english: "Points", russian: "Баллы", kind: .int, required: true)],
                outputs: [P(key: "debited", english: "Points debited", russian: "Списано баллов", kind: .int), balance, error],
                dealsOnly: true)
        case .promo:
            return RobotDefinition(
                code: self, english: "Passline: promo broadcast", russian: "Passline: рассылка акции",
                inputs: [
                    P(key: "message", english: "Message on the card", russian: "Текст на карте", kind: .text, required: true),
                    P(key: "points", english: "Bonus points", russian: "Бонусные баллы", kind: .int),
                    P(key: "tier", english: "Only this tier", russian: "Только уровень", kind: .string),
                ],
                outputs: [P(key: "broadcast_id", english: "Broadcast", russian: "Рассылка", kind: .string), error],
                dealsOnly: false)
        }
    }
}
