// A program's SMS texts are checked, before they are saved, for the parts they cost with the
// longest values the server itself puts in; texts people typed are left out when a message would
// be too long (``MessageTemplates/render(_:locale:values:)``), so a text that passes here is
// always sendable.

import Loyalty

extension MessageTemplates {
    /// The longest values the server fills in: a link under a 100-character public URL, the
    /// largest points and balance, a 6-digit code, the program's name; no name or order.
    public static func longestValues(program: String) -> MessageValues {
        let link = "https://" + String(repeating: "x", count: 92) + "/p/" + String(repeating: "A", count: 27)
        return MessageValues(link: link, balance: .max, points: .max, code: "000000", program: program)
    }

    /// The SMS parts of every text with ``longestValues(program:)``, as `sms.templates.LANG.KIND`
    /// → parts, for the texts over ``SmsText/maximumParts`` parts only (empty: all are sendable).
    public func oversizedTexts(program: String) -> [String: Int] {
        var over: [String: Int] = [:]
        for locale in MessageLocale.allCases {
            for kind in MessageKind.allCases {
                let parts = SmsText(render(kind, locale: locale, values: Self.longestValues(program: program))).parts
                if parts > SmsText.maximumParts { over["sms.templates.\(locale.rawValue).\(kind.rawValue)"] = parts }
            }
        }
        return over
    }
}
