import Foundation
import Loyalty
import Testing

@testable import Distribution

@Suite struct MessageTests {
    let templates = MessageTemplates()

    @Test func theManualsDebitMessageExactly() {
        let text = templates.render(.debit, locale: .ru, values: MessageValues(balance: 400, points: 100, order: "Шахматы для начинающих"))
        #expect(text == "Списано 100 баллов в счет заказа «Шахматы для начинающих», ваш баланс 400 баллов")
    }

    @Test func optionalPartsDisappearWithoutTheirValue() {
        #expect(templates.render(.debit, locale: .ru, values: MessageValues(balance: 400, points: 100)) == "Списано 100 баллов, ваш баланс 400 баллов")
        #expect(templates.render(.accrual, locale: .en, values: MessageValues(balance: 1, points: 1, order: "")) == "1 point earned, your balance is 1 point")
        #expect(templates.render(.link, locale: .ru, values: MessageValues(link: "https://x/p/T", program: "Гамбит"))
            == "Карта «Гамбит»: https://x/p/T")
        #expect(templates.render(.link, locale: .en, values: MessageValues(link: "https://x/p/T", name: "Anna", program: "Gambit"))
            == "Your Gambit card for Anna: https://x/p/T")
    }

    @Test func russianPluralForms() {
        let cases: [(Int64, String)] = [
            (0, "0 баллов"), (1, "1 балл"), (2, "2 балла"), (4, "4 балла"), (5, "5 баллов"), (11, "11 баллов"), (12, "12 баллов"),
            (14, "14 баллов"), (21, "21 балл"), (22, "22 балла"), (25, "25 баллов"), (101, "101 балл"), (111, "111 баллов"), (1_000_002, "1000002 балла"),
        ]
        for (n, expected) in cases { #expect(MessageTemplates.points(n, locale: .ru) == expected) }
        #expect(MessageTemplates.points(1, locale: .en) == "1 point")
        #expect(MessageTemplates.points(2, locale: .en) == "2 points")
    }

    @Test func programOverridesReplaceBuiltInTexts() {
        let custom = MessageTemplates(overrides: ["ru": ["accrual": "+{points_number} б. Баланс: {balance_number}[[ ({order})]]"]])
        #expect(custom.render(.accrual, locale: .ru, values: MessageValues(balance: 75, points: 75, order: "deal 1")) == "+75 б. Баланс: 75 (deal 1)")
        // Other kinds and languages keep the built-in texts.
        #expect(custom.render(.code, locale: .ru, values: MessageValues(code: "123456")) == "Код подтверждения: 123456. Никому его не сообщайте.")
        #expect(custom.render(.accrual, locale: .en, values: MessageValues(balance: 75, points: 75)) == "75 points earned, your balance is 75 points")
    }

    @Test func templateSyntaxErrorsAreReported() {
        #expect(throws: (any Error).self) { try MessageTemplateText.parse("{nope}").get() }
        #expect(throws: (any Error).self) { try MessageTemplateText.parse("[[ open").get() }
        #expect(throws: (any Error).self) { try MessageTemplateText.parse("[[ [[ nested ]] ]]").get() }
        #expect(throws: (any Error).self) { try MessageTemplateText.parse("{link").get() }
        var program = LoyaltyProgram.default
        program.sms = SmsSettings(templates: ["ru": ["code": "без кода", "debit": "{oops}"], "de": [:]])
        let fields = program.validationErrors().map(\.field)
        #expect(fields.contains("sms.templates.ru.code") && fields.contains("sms.templates.ru.debit") && fields.contains("sms.templates.de"))
    }

    @Test func acceptLanguagePicksRussianOrEnglish() {
        #expect(MessageLocale.preferred(acceptLanguage: "ru-RU,ru;q=0.9,en;q=0.8") == .ru)
        #expect(MessageLocale.preferred(acceptLanguage: "de-DE,en;q=0.7,ru;q=0.5") == .en)
        #expect(MessageLocale.preferred(acceptLanguage: "ru;q=0.2, en") == .en)
        #expect(MessageLocale.preferred(acceptLanguage: "fr") == nil)
        #expect(MessageLocale.preferred(acceptLanguage: "rus") == nil)
    }

    @Test func smsPartsCountGSMAndUnicode() {
        #expect(SmsText("Hello").encoding == .gsm7)
        #expect(SmsText(String(repeating: "a", count: 160)).parts == 1)
        #expect(SmsText(String(repeating: "a", count: 161)).parts == 2)
        #expect(SmsText(String(repeating: "{", count: 80)).parts == 1)  // escapes count twice
        #expect(SmsText("Привет").encoding == .ucs2)
        #expect(SmsText(String(repeating: "я", count: 70)).parts == 1)
        #expect(SmsText(String(repeating: "я", count: 71)).parts == 2)
        #expect(SmsText(String(repeating: "я", count: 134)).parts == 2)
        #expect(SmsText(String(repeating: "я", count: 135)).parts == 3)
    }
}
