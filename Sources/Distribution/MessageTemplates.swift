// SMS texts in Russian and English, with placeholders; a program may replace any of them.
// Rendering is pure: the same template and values always give the same text.

import Foundation
import Loyalty

/// What a message is for.
public enum MessageKind: String, Sendable, Hashable, CaseIterable {
    /// The download link of a card or household.
    case link
    /// A one-time confirmation code.
    case code
    /// Points earned (accrual or purchase).
    case accrual
    /// Points redeemed.
    case debit
}

/// The language of a message or page.
public enum MessageLocale: String, Sendable, Hashable, CaseIterable {
    case ru, en

    /// The first of `ru`/`en` in an `Accept-Language` header, by quality then order; nil if neither.
    public static func preferred(acceptLanguage header: String?) -> MessageLocale? {
        guard let header else { return nil }
        var best: (locale: MessageLocale, q: Double, index: Int)?
        for (index, part) in header.split(separator: ",").enumerated() {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased(), let locale = MessageLocale(rawValue: String(tag.prefix(2))),
                  tag.count == 2 || tag.dropFirst(2).hasPrefix("-") else { continue }
            var q = 1.0
            for p in pieces.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            guard q > 0 else { continue }
            if best == nil || q > best!.q { best = (locale, q, index) }
        }
        return best?.locale
    }
}

/// The values a message's placeholders take; nil leaves `[[optional parts]]` out.
public struct MessageValues: Sendable, Hashable {
    public var link: String?
    public var balance: Int64?
    public var points: Int64?
    public var order: String?
    public var name: String?
    public var code: String?
    public var program: String?

    public init(link: String? = nil, balance: Int64? = nil, points: Int64? = nil, order: String? = nil, name: String? = nil, code: String? = nil, program: String? = nil) {
        self.link = link
        self.balance = balance
        self.points = points
        self.order = order
        self.name = name
        self.code = code
        self.program = program
    }
}

/// The built-in texts and a program's replacements.
///
/// Placeholders: `{link}`, `{code}`, `{name}`, `{order}`, `{program}`; `{points}` and `{balance}`
/// with the noun in the right form ("1 балл", "3 балла", "400 баллов"; "1 point", "400 points"),
/// `{points_number}` and `{balance_number}` as bare numbers. `[[…]]` is left out when a
/// placeholder inside it has no value (or an empty one).
public struct MessageTemplates: Sendable, Hashable {
    public static let builtIn: [MessageLocale: [MessageKind: String]] = [
        .ru: [
            .link: "Карта «{program}»[[ ({name})]]: {link}",
            .code: "Код подтверждения: {code}. Никому его не сообщайте.",
            .accrual: "Начислено {points}[[ за заказ «{order}»]], ваш баланс {balance}",
            .debit: "Списано {points}[[ в счет заказа «{order}»]], ваш баланс {balance}",
        ],
        .en: [
            .link: "Your {program} card[[ for {name}]]: {link}",
            .code: "Your confirmation code is {code}. Do not share it.",
            .accrual: "{points} earned[[ for order “{order}”]], your balance is {balance}",
            .debit: "{points} redeemed[[ for order “{order}”]], your balance is {balance}",
        ],
    ]

    let texts: [MessageLocale: [MessageKind: [MessageTemplateText.Segment]]]

    /// The built-in texts with `overrides` (language → kind → text, as in ``SmsSettings/templates``)
    /// in their place. Unknown languages or kinds and texts that don't parse are ignored here:
    /// the program's validation reports them.
    public init(overrides: [String: [String: String]]? = nil) {
        var texts: [MessageLocale: [MessageKind: [MessageTemplateText.Segment]]] = [:]
        for locale in MessageLocale.allCases {
            for kind in MessageKind.allCases {
                let text = overrides?[locale.rawValue]?[kind.rawValue] ?? Self.builtIn[locale]![kind]!
                let parsed = (try? MessageTemplateText.parse(text).get()) ?? (try! MessageTemplateText.parse(Self.builtIn[locale]![kind]!).get())
                texts[locale, default: [:]][kind] = parsed
            }
        }
        self.texts = texts
    }

    /// The message text. When it would be over ``SmsText/maximumParts`` SMS parts, it is rendered
    /// again without the texts people typed (`{name}`, `{order}`: their `[[…]]` parts drop out),
    /// which are the only values not bounded by the server; see ``longestValues(program:)``.
    public func render(_ kind: MessageKind, locale: MessageLocale, values: MessageValues) -> String {
        let full = Self.render(texts[locale]![kind]!, locale: locale, values: values)
        guard !SmsText(full).isSendable, values.name != nil || values.order != nil else { return full }
        var shorter = values
        shorter.name = nil
        shorter.order = nil
        return Self.render(texts[locale]![kind]!, locale: locale, values: shorter)
    }

    static func render(_ segments: [MessageTemplateText.Segment], locale: MessageLocale, values: MessageValues) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let text): out += text
            case .placeholder(let name): out += value(name, locale: locale, values) ?? ""
            case .optional(let inner):
                let complete = inner.allSatisfy { s in
                    if case .placeholder(let name) = s { return !(value(name, locale: locale, values) ?? "").isEmpty }
                    return true
                }
                if complete { out += render(inner, locale: locale, values: values) }
            }
        }
        return out
    }

    static func value(_ name: String, locale: MessageLocale, _ v: MessageValues) -> String? {
        switch name {
        case "link": return v.link
        case "code": return v.code
        case "name": return v.name
        case "order": return v.order
        case "program": return v.program
        case "points": return v.points.map { Self.points($0, locale: locale) }
        case "balance": return v.balance.map { Self.points($0, locale: locale) }
        case "points_number": return v.points.map(String.init)
        case "balance_number": return v.balance.map(String.init)
        default: return nil
        }
    }

    /// "1 балл", "2 балла", "5 баллов", "21 балл", "111 баллов"; "1 point", "2 points".
    public static func points(_ n: Int64, locale: MessageLocale) -> String {
        let m = n.magnitude
        switch locale {
        case .en:
            return "\(n) \(m == 1 ? "point" : "points")"
        case .ru:
            let (d, dd) = (m % 10, m % 100)
            let noun = d == 1 && dd != 11 ? "балл" : (2...4).contains(d) && !(12...14).contains(dd) ? "балла" : "баллов"
            return "\(n) \(noun)"
        }
    }
}
