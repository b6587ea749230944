import PassBuilder

/// What a contact's card fields show: the household's card numbers, its points, tier and the
/// link that downloads its cards. Every contact sharing the household's phone shows the same.
public struct CardFields: Sendable, Hashable {
    public var cards: [String]
    public var balance: Int64
    public var tier: String
    public var link: String

    public init(cards: [String], balance: Int64, tier: String, link: String) {
        self.cards = cards
        self.balance = balance
        self.tier = tier
        self.link = link
    }

    /// The user fields' codes, as created on install (`crm.contact.userfield.add` prefixes `UF_CRM_`).
    public enum Name: String, Sendable, CaseIterable {
        case card = "PASSLINE_CARD", balance = "PASSLINE_BALANCE", tier = "PASSLINE_TIER", link = "PASSLINE_LINK"
        public var field: String { "UF_CRM_" + rawValue }
    }

    /// `crm.contact.update`'s `fields`.
    public var values: [String: JSONValue] {
        [
            Name.card.field: .string(cards.joined(separator: ", ")), Name.balance.field: .string(String(balance)),
            Name.tier.field: .string(tier), Name.link.field: .string(link),
        ]
    }

    /// Whether `contact` (as `crm.contact.get` returns it) already shows these cards, points and
    /// tier. The link is not compared: it is signed anew each time, and an older one still works
    /// until it expires. Comparing keeps a write-back from answering its own update event.
    public func isShown(on contact: JSONValue) -> Bool {
        let shown = values
        return [Name.card, .balance, .tier].allSatisfy { name in
            CRMFields.text(contact[name.field]) == shown[name.field]?.stringValue
        }
    }
}
