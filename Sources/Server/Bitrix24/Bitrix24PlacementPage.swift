import Bitrix24
import Distribution
import Foundation
import Storage

/// The card tab's page and its texts (Russian and English), in the public pages' layout. Plain
/// forms, no scripts: it works in the portal's iframe and needs nothing from it.
enum Bitrix24PlacementPage {
    /// What the tab shows.
    struct View {
        var locale: MessageLocale
        var token: String
        var notice: (ok: Bool, text: String)?
        var cards: [CardRecord] = []
        var problem: String?
        var deal: Deal?
        var maxDebit: Int64 = 0
        var accrued = false
        var debited = false
        var entries: [LedgerEntryRecord] = []
    }

    static let template = """
        {{<layout}}{{$body}}
        <h1>{{p.heading}}</h1>
        {{#notice}}<div class="notice" role="status" id="notice"><p class="{{kind}}">{{text}}</p></div>{{/notice}}
        {{#problem}}<div class="notice"><p>{{problem}}</p></div>{{/problem}}
        {{#card}}
        <div class="notice" id="household">
        <p><span class="label">{{p.points}}</span> <strong id="balance">{{balance}}</strong> · {{p.tier}} <strong>{{tier}}</strong></p>
        <p>{{p.cards}}: {{numbers}}</p>
        {{#deal}}<p>{{p.dealAmount}} {{amount}} {{currency}} · {{p.maxDebit}} <strong id="max-debit">{{maxDebit}}</strong></p>{{/deal}}
        {{#entries.0}}<p>{{p.lastEntries}}</p>{{/entries.0}}
        <ul>{{#entries}}<li>{{date}} · {{kind}} · {{points}}</li>{{/entries}}</ul>
        </div>
        {{#deal}}
        {{^accrued}}<form method="post" action="/bitrix24/placement/action"><input type="hidden" name="token" value="{{token}}"><input type="hidden" name="lang" value="{{lang}}">
        <input type="hidden" name="action" value="accrue"><button id="accrue">{{p.accrue}}</button></form>{{/accrued}}
        {{^debited}}{{#canDebit}}<form method="post" action="/bitrix24/placement/action"><input type="hidden" name="token" value="{{token}}"><input type="hidden" name="lang" value="{{lang}}">
        <input type="hidden" name="action" value="debit"><label for="points">{{p.debitPoints}}</label>
        <input type="text" inputmode="numeric" id="points" name="points" value="{{maxDebit}}"><button id="debit">{{p.debit}}</button></form>{{/canDebit}}{{/debited}}
        {{/deal}}
        <form method="post" action="/bitrix24/placement/action"><input type="hidden" name="token" value="{{token}}"><input type="hidden" name="lang" value="{{lang}}">
        <input type="hidden" name="action" value="sms"><button id="sms">{{p.sms}}</button></form>
        {{/card}}
        {{^card}}{{^problem}}<div class="notice"><p>{{p.noCard}}</p></div>
        <form method="post" action="/bitrix24/placement/action"><input type="hidden" name="token" value="{{token}}"><input type="hidden" name="lang" value="{{lang}}">
        <input type="hidden" name="action" value="issue"><button id="issue">{{p.issue}}</button></form>{{/problem}}{{/card}}
        {{/body}}{{/layout}}
        """

    static func html(_ view: View, pages: Pages) -> String {
        let t = strings(view.locale)
        var values: [String: Any] = ["p": t, "token": view.token]
        if let notice = view.notice { values["notice"] = ["kind": notice.ok ? "ok" : "error", "text": notice.text] }
        if let problem = view.problem { values["problem"] = problem }
        if let first = view.cards.first {
            var card: [String: Any] = [
                "balance": String(first.balance), "tier": first.tier, "numbers": view.cards.map(\.number).joined(separator: ", "),
                "entries": view.entries.map { entry -> [String: Any] in
                    ["date": ISO8601DateFormatter.string(from: entry.createdAt, timeZone: .gmt, formatOptions: [.withFullDate]),
                     "kind": t["kind." + entry.kind.rawValue] ?? entry.kind.rawValue, "points": entry.points > 0 ? "+\(entry.points)" : String(entry.points)]
                },
            ]
            if let deal = view.deal {
                card["deal"] = [
                    "amount": deal.amount.description, "currency": deal.currency, "maxDebit": String(view.maxDebit),
                    "accrued": view.accrued, "debited": view.debited, "canDebit": view.maxDebit > 0,
                ] as [String: Any]
            }
            values["card"] = card
        }
        return pages.render("bitrix24Placement", locale: view.locale, title: t["heading"] ?? "Passline", languageLinks: false, values)
    }

    static func strings(_ locale: MessageLocale) -> [String: String] { locale == .ru ? ru : en }

    static let ru: [String: String] = [
        "heading": "Карта лояльности", "points": "Баллы", "tier": "уровень", "cards": "Карты", "dealAmount": "Сделка:",
        "maxDebit": "можно оплатить баллами:", "lastEntries": "Последние операции:", "accrue": "Начислить баллы за сделку",
        "debitPoints": "Списать баллов", "debit": "Списать", "sms": "Отправить ссылку на карту по SMS", "noCard": "У клиента нет карты.",
        "issue": "Выпустить карту", "issued": "Карта выпущена:", "issuedAlready": "Карта уже есть:", "texted": "Ссылка отправлена по SMS.",
        "accrued": "Начислено баллов:", "debited": "Списано баллов:", "noPhone": "У контакта нет телефона.",
        "dealOnly": "Это действие доступно только в сделке.", "otherCurrency": "Сделка в другой валюте:",
        "pointsWhole": "Укажите целое число баллов больше нуля.", "overCap": "Больше, чем можно списать по этой сделке:",
        "unknownAction": "неизвестное действие",
        "kind.welcome": "приветственные", "kind.accrual": "начисление", "kind.purchase": "покупка", "kind.debit": "списание",
        "kind.reversal": "отмена", "kind.broadcast": "акция", "kind.adjustment": "корректировка", "kind.opening": "перенесённый остаток",
        "badRequestTitle": "Вкладка не открылась", "badRequestText": "Портал прислал неполные данные.",
        "notInstalledTitle": "Приложение не установлено", "notInstalledText": "Установите приложение Passline на портале.",
        "notYourPortalTitle": "Чужой портал", "notYourPortalText": "Этот сервер обслуживает другой портал.",
        "sessionRefusedTitle": "Сессия не подтверждена", "sessionRefusedText": "Bitrix24 не подтвердил вход. Откройте вкладку заново.",
        "portalDownTitle": "Портал недоступен", "portalDownText": "Не удалось связаться с Bitrix24. Попробуйте позже.",
        "tokenRefusedTitle": "Действие не разрешено", "tokenRefusedText": "Откройте вкладку заново.",
    ]

    static let en: [String: String] = [
        "heading": "Loyalty card", "points": "Points", "tier": "tier", "cards": "Cards", "dealAmount": "Deal:",
        "maxDebit": "payable with points:", "lastEntries": "Last entries:", "accrue": "Accrue points for the deal",
        "debitPoints": "Points to debit", "debit": "Debit", "sms": "Text the card's link", "noCard": "The client has no card.",
        "issue": "Issue a card", "issued": "Card issued:", "issuedAlready": "The card exists:", "texted": "The link was texted.",
        "accrued": "Points accrued:", "debited": "Points debited:", "noPhone": "The contact has no phone.",
        "dealOnly": "This action is for deals.", "otherCurrency": "The deal is in another currency:",
        "pointsWhole": "Enter a whole number of points above zero.", "overCap": "More than this deal may pay with points:",
        "unknownAction": "unknown action",
        "kind.welcome": "welcome", "kind.accrual": "accrual", "kind.purchase": "purchase", "kind.debit": "debit",
        "kind.reversal": "reversal", "kind.broadcast": "promotion", "kind.adjustment": "adjustment", "kind.opening": "opening balance",
        "badRequestTitle": "The tab did not open", "badRequestText": "The portal sent incomplete data.",
        "notInstalledTitle": "The app is not installed", "notInstalledText": "Install the Passline app in the portal.",
        "notYourPortalTitle": "Another portal", "notYourPortalText": "This server serves another portal.",
        "sessionRefusedTitle": "Session not confirmed", "sessionRefusedText": "Bitrix24 did not confirm the sign-in. Reopen the tab.",
        "portalDownTitle": "The portal is unreachable", "portalDownText": "Bitrix24 could not be reached. Try again later.",
        "tokenRefusedTitle": "Action not allowed", "tokenRefusedText": "Reopen the tab.",
    ]
}
