/// The columns an import reads, named by the file's header line (English or Russian, any case;
/// spaces and `-` count as `_`, `ё` as `е`).
enum ImportColumn: String, Sendable, CaseIterable {
    case name, phone
    case externalID = "external_id"
    case cardNumber = "card_number"
    case balance, tier, turnover, status
    /// Written by the cards export, read back without effect: an imported card's source is
    /// `import` and it is created now.
    case source
    case createdAt = "created_at"

    /// Header names, after ``normalise(_:)``.
    static let names: [String: ImportColumn] = [
        "name": .name, "имя": .name, "фио": .name, "клиент": .name,
        "phone": .phone, "телефон": .phone, "тел": .phone,
        "external_id": .externalID, "externalid": .externalID, "id": .externalID, "внешний_id": .externalID, "ид": .externalID,
        "card_number": .cardNumber, "card": .cardNumber, "number": .cardNumber, "номер_карты": .cardNumber, "карта": .cardNumber,
        "balance": .balance, "points": .balance, "баланс": .balance, "баллы": .balance,
        "tier": .tier, "level": .tier, "уровень": .tier,
        "turnover": .turnover, "оборот": .turnover, "сумма_покупок": .turnover,
        "status": .status, "статус": .status,
        "source": .source, "источник": .source,
        "created_at": .createdAt, "создана": .createdAt,
    ]

    /// The columns every file must have.
    static let required: [ImportColumn] = [.name, .phone]

    /// A header cell as it is looked up: lower case, trimmed, spaces and dashes as `_`, `ё` as `е`.
    static func normalise(_ cell: String) -> String {
        cell.trimmingCharacters(in: .whitespaces).lowercased()
            .replacingOccurrences(of: "ё", with: "е")
            .map { $0 == " " || $0 == "-" ? "_" : $0 }
            .reduce(into: "") { $0.append($1) }
    }
}
