// The public pages' texts in Russian and English.

import Distribution

enum PageStrings {
    static func table(_ locale: MessageLocale) -> [String: String] {
        locale == .ru ? ru : en
    }

    static let ru: [String: String] = [
        "balance": "Баллы", "tier": "Уровень", "number": "Номер", "cardLabel": "Карта",
        "addToWallet": "Добавить в Apple Wallet",
        "landingIntro": "Откройте эту страницу на iPhone, чтобы добавить карту в Wallet.",
        "scanHint": "Вы не на iPhone? Наведите камеру iPhone на этот код.",
        "joinedTitle": "Карта готова",
        "joinedSms": "Мы отправили ссылку на карту в SMS. Её можно добавить в Wallet и сейчас:",
        "joinedNoSms": "Добавьте карту в Wallet:",
        "joinIntro": "Заполните форму — мы пришлём код подтверждения в SMS, а затем ссылку на карту.",
        "name": "Имя и фамилия", "phone": "Телефон", "child": "Ребёнок",
        "consentBefore": "Я даю согласие на обработку персональных данных в соответствии с",
        "consentLink": "политикой обработки персональных данных", "consentAfter": ".",
        "getCode": "Получить код",
        "codeTitle": "Подтвердите телефон", "codeIntro": "Мы отправили код из 6 цифр на номер", "code": "Код из SMS", "confirm": "Подтвердить",
        "invalidTitle": "Ссылка недействительна", "invalidText": "Эта ссылка повреждена или не наша. Попросите новую ссылку.",
        "expiredTitle": "Срок действия ссылки истёк", "expiredText": "Ссылка больше не действует. Попросите новую ссылку у менеджера или зарегистрируйтесь заново.",
        "revokedTitle": "Ссылка отозвана", "revokedText": "Эта ссылка была отозвана. Попросите новую ссылку.",
        "inactiveTitle": "Карта не активна", "inactiveText": "Эта карта заблокирована. Обратитесь к менеджеру.",
        "closedTitle": "Регистрация закрыта", "closedText": "Самостоятельная регистрация сейчас недоступна.",
        "tooManyTitle": "Слишком много попыток", "tooManyText": "Слишком много запросов. Попробуйте ещё раз позже.",
        "busyTitle": "Попробуйте позже", "busyText": "Сейчас мы не можем отправить SMS. Попробуйте ещё раз через час.",
        "codeExpiredTitle": "Код устарел", "codeExpiredText": "Код действует 5 минут. Запросите новый код.",
        "codeExhaustedTitle": "Попытки закончились", "codeExhaustedText": "Код введён неверно слишком много раз. Запросите новый код.",
        "unknownTitle": "Начните заново", "unknownText": "Запрос не найден или устарел. Заполните форму ещё раз.",
        "startAgain": "Заполнить форму",
        "tooLargeTitle": "Слишком много данных", "tooLargeText": "Форма слишком большая. Заполните её ещё раз.",
        "unreadableTitle": "Форма не прочитана", "unreadableText": "Мы не смогли прочитать форму. Заполните её ещё раз.",
        "codeWrong": "Неверный код. Осталось попыток: %d.",
        "nameRequired": "Укажите имя.", "nameInvalid": "Имя длиннее 100 символов или содержит недопустимые символы.",
        "phoneRequired": "Укажите номер телефона.", "phoneInvalid": "Это не похоже на номер телефона: %@.",
        "childInvalid": "Имя ребёнка длиннее 100 символов или содержит недопустимые символы.",
        "consentRequired": "Без согласия на обработку персональных данных мы не можем выпустить карту.",
        "formInvalid": "Проверьте поля формы.",
    ]

    static let en: [String: String] = [
        "balance": "Points", "tier": "Tier", "number": "Number", "cardLabel": "Card",
        "addToWallet": "Add to Apple Wallet",
        "landingIntro": "Open this page on your iPhone to add the card to Wallet.",
        "scanHint": "Not on your iPhone? Point the iPhone camera at this code.",
        "joinedTitle": "Your card is ready",
        "joinedSms": "We have sent the card's link by SMS. You can add it to Wallet now too:",
        "joinedNoSms": "Add the card to Wallet:",
        "joinIntro": "Fill in the form: we will text you a confirmation code, then your card's link.",
        "name": "Full name", "phone": "Phone", "child": "Child",
        "consentBefore": "I consent to the processing of my personal data under the",
        "consentLink": "personal data policy", "consentAfter": ".",
        "getCode": "Get the code",
        "codeTitle": "Confirm your phone", "codeIntro": "We have sent a 6-digit code to", "code": "Code from the SMS", "confirm": "Confirm",
        "invalidTitle": "This link is not valid", "invalidText": "The link is damaged or not one of ours. Ask for a new link.",
        "expiredTitle": "This link has expired", "expiredText": "The link is no longer valid. Ask a manager for a new one, or register again.",
        "revokedTitle": "This link was withdrawn", "revokedText": "The link has been withdrawn. Ask for a new link.",
        "inactiveTitle": "This card is not active", "inactiveText": "The card is blocked. Please contact a manager.",
        "closedTitle": "Registration is closed", "closedText": "Self-registration is not available at the moment.",
        "tooManyTitle": "Too many attempts", "tooManyText": "Too many requests. Please try again later.",
        "busyTitle": "Please try later", "busyText": "We cannot send text messages right now. Please try again in an hour.",
        "codeExpiredTitle": "The code has expired", "codeExpiredText": "A code is valid for 5 minutes. Ask for a new one.",
        "codeExhaustedTitle": "No attempts left", "codeExhaustedText": "The code was entered wrongly too many times. Ask for a new one.",
        "unknownTitle": "Please start again", "unknownText": "This request was not found or is too old. Fill in the form again.",
        "startAgain": "Fill in the form",
        "tooLargeTitle": "Too much data", "tooLargeText": "The form is too large. Please fill it in again.",
        "unreadableTitle": "The form could not be read", "unreadableText": "We could not read the form. Please fill it in again.",
        "codeWrong": "Wrong code. Attempts left: %d.",
        "nameRequired": "Please enter your name.", "nameInvalid": "The name is longer than 100 characters or contains characters that are not allowed.",
        "phoneRequired": "Please enter your phone number.", "phoneInvalid": "This does not look like a phone number: %@.",
        "childInvalid": "A child's name is longer than 100 characters or contains characters that are not allowed.",
        "consentRequired": "We cannot issue a card without your consent to the processing of personal data.",
        "formInvalid": "Please check the form.",
    ]
}
