import Loyalty
import Testing

@testable import Distribution

/// Messages stay within ``SmsText/maximumParts`` parts.
@Suite struct MessagePartsTests {
    let templates = MessageTemplates()

    @Test func aLongOrderCommentIsLeftOutRatherThanSentInElevenParts() {
        let order = String(repeating: "ш", count: 700)
        let text = templates.render(.debit, locale: .ru, values: MessageValues(balance: 400, points: 100, order: order))
        #expect(text == "Списано 100 баллов, ваш баланс 400 баллов")
        // A comment that fits is kept.
        let short = templates.render(.debit, locale: .ru, values: MessageValues(balance: 400, points: 100, order: String(repeating: "ш", count: 500)))
        #expect(short.contains(String(repeating: "ш", count: 500)) && SmsText(short).isSendable)
    }

    @Test func theBuiltInTextsFitWithTheLongestValues() {
        #expect(templates.oversizedTexts(program: String(repeating: "П", count: 100)).isEmpty)
    }

    @Test func aProgramTextOverTenPartsIsNamed() {
        let custom = MessageTemplates(overrides: ["en": ["accrual": "{points} " + String(repeating: "😀", count: 330)]])
        #expect(custom.oversizedTexts(program: "Gambit") == ["sms.templates.en.accrual": 11])
    }
}
