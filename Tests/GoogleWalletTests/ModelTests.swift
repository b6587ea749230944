import Core
import Foundation
import GoogleWallet
import GoogleWalletMock
import Testing

/// Ids and the JSON of classes, objects and messages, field by field as Google names them.
@Suite struct ModelTests {
    @Test func keysBecomeSafeIDsDeterministicallyAndInjectively() throws {
        let issuer = Fixtures.issuer
        #expect(GoogleWalletID(issuer: issuer, key: "79123456789-1").value == "3388000000012345678.79123456789-1")
        #expect(GoogleWalletID(issuer: issuer, key: "a b").suffix == "a_20b")
        #expect(GoogleWalletID(issuer: issuer, key: "a_20b").suffix == "a_5f20b", "an underscore is escaped, so no key collides with an escape")
        #expect(GoogleWalletID(issuer: issuer, key: "").suffix == "_")
        #expect(GoogleWalletID(issuer: issuer, key: "Ж").suffix == "_d0_96")

        // Random keys over an alphabet rich in what needs escaping: distinct keys, distinct ids,
        // each one the mock (Google's rule) accepts and parses back.
        var rng = SplitMix64(seed: 18)
        let alphabet = Array("ab_.-9 /%Жé\u{0}")
        var seen: [String: String] = [:]
        let wallet = MockWallet(issuerID: issuer.value)
        for _ in 0..<3000 {
            let key = String((0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            let id = GoogleWalletID(issuer: issuer, key: key)
            #expect(GoogleWalletID(issuer: issuer, key: key) == id)
            if let other = seen[id.value] { #expect(other == key, "\(key) and \(other) share \(id)") }
            seen[id.value] = key
            #expect(GoogleWalletID(id.value) == id)
            #expect(wallet.isValidID(id.value), "\(id)")
        }
        #expect(seen.count > 1000)
    }

    @Test func idsParseOnlyInGooglesShape() {
        for bad in ["", "abc.x", "123", "123.", ".x", "123.a b", "123.a/b", "12 3.x", "123.é"] {
            #expect(GoogleWalletID(bad) == nil, "\(bad)")
        }
        #expect(GoogleWalletID("123.a_b.c-d")?.suffix == "a_b.c-d")
        #expect(GoogleIssuerID("0123") != nil && GoogleIssuerID("") == nil && GoogleIssuerID("12a") == nil && GoogleIssuerID("١٢") == nil)
    }

    @Test func aClassEncodesWithGooglesFieldNames() throws {
        var loyaltyClass = Fixtures.loyaltyClass(callbackURL: "https://passes.example.com/google/callback")
        loyaltyClass.localizedIssuerName = GoogleLocalizedString(
            defaultValue: GoogleTranslatedString(language: "ru", value: "Школа"), translatedValues: [GoogleTranslatedString(language: "en", value: "School")])
        loyaltyClass.linksModuleData = GoogleLinksModule(uris: [GoogleURI(uri: "tel:+74950000000", description: "Позвонить", id: "phone")])
        loyaltyClass.rewardsTier = "Gold"
        let json = jsonObject(try GoogleJSON.encode(loyaltyClass))
        #expect(field(json, "id") as? String == "3388000000012345678.loyalty")
        #expect(field(json, "programLogo.sourceUri.uri") as? String == "https://passes.example.com/logo.png")
        #expect(field(json, "reviewStatus") as? String == "UNDER_REVIEW" && field(json, "hexBackgroundColor") as? String == "#1a2b3c")
        #expect(field(json, "localizedProgramName.defaultValue.language") as? String == "ru")
        #expect(field(json, "localizedIssuerName.translatedValues.0.value") as? String == "School")
        #expect(field(json, "accountIdLabel") as? String == "Карта" && field(json, "accountNameLabel") as? String == "Владелец")
        #expect(field(json, "textModulesData.0.id") as? String == "rules" && field(json, "textModulesData.0.header") as? String == "Правила")
        #expect(field(json, "linksModuleData.uris.0.uri") as? String == "tel:+74950000000" && field(json, "linksModuleData.uris.0.description") as? String == "Позвонить")
        #expect(field(json, "callbackOptions.url") as? String == "https://passes.example.com/google/callback")
        #expect(field(json, "rewardsTier") as? String == "Gold")
        #expect(field(json, "heroImage") == nil && field(json, "programLogo.contentDescription") == nil, "nil fields are left out")
        #expect((field(json, "programLogo") as? [String: Any])?.keys.sorted() == ["sourceUri"])
        #expect(try GoogleJSON.decode(GoogleLoyaltyClass.self, from: GoogleJSON.encode(loyaltyClass)) == loyaltyClass)
    }

    @Test func anObjectEncodesWithGooglesFieldNames() throws {
        var object = Fixtures.loyaltyObject("79123456789-1", points: 850)
        object.secondaryLoyaltyPoints = GoogleLoyaltyPoints(label: "Скидка", balance: .money(GoogleMoney(micros: 1_500_000, currencyCode: "RUB")))
        object.messages = [GoogleMessage(header: "Привет", body: "Добро пожаловать", id: "welcome", messageType: .textAndNotify)]
        object.notifyPreference = .notifyOnUpdate
        let json = jsonObject(try GoogleJSON.encode(object))
        #expect(field(json, "classId") as? String == "3388000000012345678.loyalty" && field(json, "state") as? String == "ACTIVE")
        #expect(field(json, "accountId") as? String == "79123456789-1" && field(json, "accountName") as? String == "Анна Петрова")
        #expect(field(json, "loyaltyPoints.label") as? String == "Баллы" && field(json, "loyaltyPoints.balance.int") as? Int == 850)
        #expect((field(json, "loyaltyPoints.balance") as? [String: Any])?.count == 1, "one kind of balance")
        #expect(field(json, "secondaryLoyaltyPoints.balance.money.micros") as? String == "1500000", "int64 as a string")
        #expect(field(json, "barcode.type") as? String == "QR_CODE" && field(json, "barcode.alternateText") as? String == "79123456789-1")
        #expect(field(json, "messages.0.messageType") as? String == "TEXT_AND_NOTIFY" && field(json, "messages.0.id") as? String == "welcome")
        #expect(field(json, "notifyPreference") as? String == "NOTIFY_ON_UPDATE")
        #expect(try GoogleJSON.decode(GoogleLoyaltyObject.self, from: GoogleJSON.encode(object)) == object)

        let patch = jsonObject(try GoogleJSON.encode(GoogleLoyaltyObjectPatch(loyaltyPoints: GoogleLoyaltyPoints(balance: .int(900)))))
        #expect((patch as? [String: Any]).map { Array($0.keys) } == ["loyaltyPoints"] && field(patch, "loyaltyPoints.balance.int") as? Int == 900)
    }

    @Test func googlesOtherSpellingsDecode() throws {
        let json = #"""
            {"id":"1.a","classId":"1.c","state":"active","notifyPreference":"notifyOnUpdate","kind":"walletobjects#loyaltyObject",
             "loyaltyPoints":{"balance":{"money":{"micros":2500000,"currencyCode":"RUB"}}},"barcode":{"type":"qrCode","value":"x"},
             "messages":[{"body":"b","messageType":"textAndNotify"}]}
            """#
        let object = try GoogleJSON.decode(GoogleLoyaltyObject.self, from: Array(json.utf8))
        #expect(object.state == .active && object.notifyPreference == .notifyOnUpdate && object.barcode?.type == .qrCode)
        #expect(object.loyaltyPoints?.balance == .money(GoogleMoney(micros: 2_500_000, currencyCode: "RUB")))
        #expect(object.messages?.first?.messageType == .textAndNotify)
        #expect(throws: DecodingError.self) { try GoogleJSON.decode(GoogleObjectState.self, from: Array(#""SOLD""#.utf8)) }
        #expect(throws: DecodingError.self) { try GoogleJSON.decode(GoogleLoyaltyObject.self, from: Array(json.replacingOccurrences(of: "\"1.a\"", with: "\"x.a\"").utf8)) }
    }
}
