/// The fields of a pass style (the value of `storeCard`, `coupon`, …).
public struct PassStructure: Codable, Sendable, Hashable, PreservesUnknownKeys {
    public var headerFields: [Field]?
    public var primaryFields: [Field]?
    public var secondaryFields: [Field]?
    public var auxiliaryFields: [Field]?
    public var backFields: [Field]?
    public var additionalInfoFields: [Field]?
    /// posterGeneric (iOS 27): its one footer field.
    public var footerFields: [Field]?
    /// Boarding passes only: `PKTransitTypeAir`, `…Boat`, `…Bus`, `…Generic`, `…Train`.
    public var transitType: String?
    public var unknownKeys: [String: JSONValue] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case headerFields, primaryFields, secondaryFields, auxiliaryFields, backFields, additionalInfoFields, footerFields, transitType
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        headerFields = try c.decodeIfPresent([Field].self, forKey: .headerFields)
        primaryFields = try c.decodeIfPresent([Field].self, forKey: .primaryFields)
        secondaryFields = try c.decodeIfPresent([Field].self, forKey: .secondaryFields)
        auxiliaryFields = try c.decodeIfPresent([Field].self, forKey: .auxiliaryFields)
        backFields = try c.decodeIfPresent([Field].self, forKey: .backFields)
        additionalInfoFields = try c.decodeIfPresent([Field].self, forKey: .additionalInfoFields)
        footerFields = try c.decodeIfPresent([Field].self, forKey: .footerFields)
        transitType = try c.decodeIfPresent(String.self, forKey: .transitType)
        unknownKeys = try Self.unknownKeys(in: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(headerFields, forKey: .headerFields)
        try c.encodeIfPresent(primaryFields, forKey: .primaryFields)
        try c.encodeIfPresent(secondaryFields, forKey: .secondaryFields)
        try c.encodeIfPresent(auxiliaryFields, forKey: .auxiliaryFields)
        try c.encodeIfPresent(backFields, forKey: .backFields)
        try c.encodeIfPresent(additionalInfoFields, forKey: .additionalInfoFields)
        try c.encodeIfPresent(footerFields, forKey: .footerFields)
        try c.encodeIfPresent(transitType, forKey: .transitType)
        try Self.encode(unknownKeys: unknownKeys, to: encoder)
    }

    /// Every field group with its key, in display order.
    public var groups: [(name: String, fields: [Field])] {
        [("headerFields", headerFields), ("primaryFields", primaryFields), ("secondaryFields", secondaryFields),
         ("auxiliaryFields", auxiliaryFields), ("backFields", backFields), ("additionalInfoFields", additionalInfoFields),
         ("footerFields", footerFields)]
            .compactMap { name, fields in fields.map { (name, $0) } }
    }
}

/// A field dictionary.
public struct Field: Codable, Sendable, Hashable, PreservesUnknownKeys {
    public var key: String
    /// A string, a number, or an ISO 8601 date string.
    public var value: JSONValue
    public var label: String?
    public var attributedValue: JSONValue?
    public var changeMessage: String?
    public var textAlignment: String?
    public var dataDetectorTypes: [String]?
    public var dateStyle: String?
    public var timeStyle: String?
    public var isRelative: Bool?
    public var ignoresTimeZone: Bool?
    public var currencyCode: String?
    public var numberStyle: String?
    public var row: Int?
    public var semantics: [String: JSONValue]?
    public var unknownKeys: [String: JSONValue] = [:]

    public init(key: String, value: JSONValue, label: String? = nil, changeMessage: String? = nil) {
        self.key = key
        self.value = value
        self.label = label
        self.changeMessage = changeMessage
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case key, value, label, attributedValue, changeMessage, textAlignment, dataDetectorTypes, dateStyle, timeStyle
        case isRelative, ignoresTimeZone, currencyCode, numberStyle, row, semantics
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        value = try c.decode(JSONValue.self, forKey: .value)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        attributedValue = try c.decodeIfPresent(JSONValue.self, forKey: .attributedValue)
        changeMessage = try c.decodeIfPresent(String.self, forKey: .changeMessage)
        textAlignment = try c.decodeIfPresent(String.self, forKey: .textAlignment)
        dataDetectorTypes = try c.decodeIfPresent([String].self, forKey: .dataDetectorTypes)
        dateStyle = try c.decodeIfPresent(String.self, forKey: .dateStyle)
        timeStyle = try c.decodeIfPresent(String.self, forKey: .timeStyle)
        isRelative = try c.decodeIfPresent(Bool.self, forKey: .isRelative)
        ignoresTimeZone = try c.decodeIfPresent(Bool.self, forKey: .ignoresTimeZone)
        currencyCode = try c.decodeIfPresent(String.self, forKey: .currencyCode)
        numberStyle = try c.decodeIfPresent(String.self, forKey: .numberStyle)
        row = try c.decodeIfPresent(Int.self, forKey: .row)
        semantics = try c.decodeIfPresent([String: JSONValue].self, forKey: .semantics)
        unknownKeys = try Self.unknownKeys(in: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(value, forKey: .value)
        try c.encodeIfPresent(label, forKey: .label)
        try c.encodeIfPresent(attributedValue, forKey: .attributedValue)
        try c.encodeIfPresent(changeMessage, forKey: .changeMessage)
        try c.encodeIfPresent(textAlignment, forKey: .textAlignment)
        try c.encodeIfPresent(dataDetectorTypes, forKey: .dataDetectorTypes)
        try c.encodeIfPresent(dateStyle, forKey: .dateStyle)
        try c.encodeIfPresent(timeStyle, forKey: .timeStyle)
        try c.encodeIfPresent(isRelative, forKey: .isRelative)
        try c.encodeIfPresent(ignoresTimeZone, forKey: .ignoresTimeZone)
        try c.encodeIfPresent(currencyCode, forKey: .currencyCode)
        try c.encodeIfPresent(numberStyle, forKey: .numberStyle)
        try c.encodeIfPresent(row, forKey: .row)
        try c.encodeIfPresent(semantics, forKey: .semantics)
        try Self.encode(unknownKeys: unknownKeys, to: encoder)
    }
}
