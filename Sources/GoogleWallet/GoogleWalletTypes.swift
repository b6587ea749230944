// The pieces Google's classes and objects share, with Google's field names
// (https://developers.google.com/wallet/reference/rest/v1/loyaltyclass). Optional fields that
// are nil are left out of the JSON.

/// `TranslatedString`: a text in one language (`language` is a BCP 47 tag such as `ru`).
public struct GoogleTranslatedString: Codable, Sendable, Hashable {
    public var language: String
    public var value: String

    public init(language: String, value: String) {
        self.language = language
        self.value = value
    }
}

/// `LocalizedString`: a text with its translations.
public struct GoogleLocalizedString: Codable, Sendable, Hashable {
    public var defaultValue: GoogleTranslatedString
    public var translatedValues: [GoogleTranslatedString]?

    public init(defaultValue: GoogleTranslatedString, translatedValues: [GoogleTranslatedString]? = nil) {
        self.defaultValue = defaultValue
        self.translatedValues = translatedValues
    }

    /// `value` in `language`, with no translations.
    public init(_ value: String, language: String) {
        self.init(defaultValue: GoogleTranslatedString(language: language, value: value))
    }
}

/// `Image`: a picture Google fetches from a public https URL (it hosts nothing we upload).
public struct GoogleImage: Codable, Sendable, Hashable {
    /// `ImageUri`.
    public struct SourceURI: Codable, Sendable, Hashable {
        public var uri: String

        public init(uri: String) { self.uri = uri }
    }

    public var sourceUri: SourceURI
    public var contentDescription: GoogleLocalizedString?

    public init(uri: String, contentDescription: GoogleLocalizedString? = nil) {
        sourceUri = SourceURI(uri: uri)
        self.contentDescription = contentDescription
    }
}

/// `TextModuleData`: a header and body shown in the card's details.
public struct GoogleTextModule: Codable, Sendable, Hashable {
    public var header: String?
    public var body: String?
    /// Lets a later patch or a template reference this module.
    public var id: String?
    public var localizedHeader: GoogleLocalizedString?
    public var localizedBody: GoogleLocalizedString?

    public init(header: String? = nil, body: String? = nil, id: String? = nil, localizedHeader: GoogleLocalizedString? = nil, localizedBody: GoogleLocalizedString? = nil) {
        self.header = header
        self.body = body
        self.id = id
        self.localizedHeader = localizedHeader
        self.localizedBody = localizedBody
    }
}

/// `Uri`: a link (`https:`, `tel:`, `mailto:`…).
public struct GoogleURI: Codable, Sendable, Hashable {
    public var uri: String
    public var description: String?
    public var id: String?

    public init(uri: String, description: String? = nil, id: String? = nil) {
        self.uri = uri
        self.description = description
        self.id = id
    }
}

/// `LinksModuleData`.
public struct GoogleLinksModule: Codable, Sendable, Hashable {
    public var uris: [GoogleURI]

    public init(uris: [GoogleURI]) { self.uris = uris }
}

/// `CallbackOptions`: where Google posts save and delete callbacks for a class's objects
/// (https://developers.google.com/wallet/generic/use-cases/use-callbacks-for-saves-and-deletions).
public struct GoogleCallbackOptions: Codable, Sendable, Hashable {
    /// A public https URL.
    public var url: String

    public init(url: String) { self.url = url }
}

/// `Barcode`.
public struct GoogleBarcode: Codable, Sendable, Hashable {
    public var type: GoogleBarcodeType
    public var value: String
    /// Printed under the code.
    public var alternateText: String?

    public init(type: GoogleBarcodeType, value: String, alternateText: String? = nil) {
        self.type = type
        self.value = value
        self.alternateText = alternateText
    }
}

/// `Money`: an amount in micros of a currency (1.5 RUB is 1 500 000 micros).
public struct GoogleMoney: Codable, Sendable, Hashable {
    public var micros: Int64
    public var currencyCode: String

    public init(micros: Int64, currencyCode: String) {
        self.micros = micros
        self.currencyCode = currencyCode
    }

    enum CodingKeys: String, CodingKey { case micros, currencyCode }

    // Google writes int64 fields as JSON strings (proto3 JSON mapping).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        currencyCode = try c.decode(String.self, forKey: .currencyCode)
        if let number = try? c.decode(Int64.self, forKey: .micros) {
            micros = number
        } else if let parsed = Int64(try c.decode(String.self, forKey: .micros)) {
            micros = parsed
        } else {
            throw DecodingError.dataCorruptedError(forKey: .micros, in: c, debugDescription: "micros is not an int64")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(String(micros), forKey: .micros)
        try c.encode(currencyCode, forKey: .currencyCode)
    }
}

/// `LoyaltyPointsBalance`: exactly one of its kinds, so a balance can't be two things at once.
public enum GoogleLoyaltyPointsBalance: Codable, Sendable, Hashable {
    case int(Int)
    case string(String)
    case double(Double)
    case money(GoogleMoney)

    enum CodingKeys: String, CodingKey { case int, string, double, money }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let v = try c.decodeIfPresent(Int.self, forKey: .int) {
            self = .int(v)
        } else if let v = try c.decodeIfPresent(String.self, forKey: .string) {
            self = .string(v)
        } else if let v = try c.decodeIfPresent(Double.self, forKey: .double) {
            self = .double(v)
        } else if let v = try c.decodeIfPresent(GoogleMoney.self, forKey: .money) {
            self = .money(v)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a balance needs int, string, double or money"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .int(let v): try c.encode(v, forKey: .int)
        case .string(let v): try c.encode(v, forKey: .string)
        case .double(let v): try c.encode(v, forKey: .double)
        case .money(let v): try c.encode(v, forKey: .money)
        }
    }
}

/// `LoyaltyPoints`: the balance shown on the card's front, with its label ("Баллы").
public struct GoogleLoyaltyPoints: Codable, Sendable, Hashable {
    public var label: String?
    public var balance: GoogleLoyaltyPointsBalance
    public var localizedLabel: GoogleLocalizedString?

    public init(label: String? = nil, balance: GoogleLoyaltyPointsBalance, localizedLabel: GoogleLocalizedString? = nil) {
        self.label = label
        self.balance = balance
        self.localizedLabel = localizedLabel
    }
}
