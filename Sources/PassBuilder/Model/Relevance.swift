/// A barcode (`barcodes` entry, or the deprecated `barcode`).
public struct Barcode: Codable, Sendable, Hashable, PreservesUnknownKeys {
    public static let formats: Set<String> = classicFormats.union(iOS27Formats)
    /// What every iPhone shows.
    public static let classicFormats: Set<String> = [
        "PKBarcodeFormatQR", "PKBarcodeFormatPDF417", "PKBarcodeFormatAztec", "PKBarcodeFormatCode128",
    ]
    /// Code 39, Codabar, EAN-13 and ITF (interleaved 2 of 5), new in iOS 27 (WWDC26 "What's new in
    /// Wallet"; apple/pass-builder's `Pass.BarcodeFormat`): older iPhones show the next format in
    /// `barcodes` they know, or no barcode.
    public static let iOS27Formats: Set<String> = [
        "PKBarcodeFormatCode39", "PKBarcodeFormatCodabar", "PKBarcodeFormatEAN13", "PKBarcodeFormatI2of5",
    ]
    public var format: String?
    public var message: String?
    public var messageEncoding: String?
    public var altText: String?
    public var unknownKeys: [String: JSONValue] = [:]

    public init(format: String, message: String, messageEncoding: String = "iso-8859-1", altText: String? = nil) {
        self.format = format
        self.message = message
        self.messageEncoding = messageEncoding
        self.altText = altText
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case format, message, messageEncoding, altText }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decodeIfPresent(String.self, forKey: .format)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        messageEncoding = try c.decodeIfPresent(String.self, forKey: .messageEncoding)
        altText = try c.decodeIfPresent(String.self, forKey: .altText)
        unknownKeys = try Self.unknownKeys(in: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(format, forKey: .format)
        try c.encodeIfPresent(message, forKey: .message)
        try c.encodeIfPresent(messageEncoding, forKey: .messageEncoding)
        try c.encodeIfPresent(altText, forKey: .altText)
        try Self.encode(unknownKeys: unknownKeys, to: encoder)
    }
}

/// A location where the pass is relevant (at most 10).
public struct Location: Codable, Sendable, Hashable, PreservesUnknownKeys {
    public var latitude: Double
    public var longitude: Double
    public var altitude: Double?
    public var relevantText: String?
    public var unknownKeys: [String: JSONValue] = [:]

    public init(latitude: Double, longitude: Double, altitude: Double? = nil, relevantText: String? = nil) {
        self.latitude = latitude
        self.longitude = longitude
        self.altitude = altitude
        self.relevantText = relevantText
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case latitude, longitude, altitude, relevantText }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        latitude = try c.decode(Double.self, forKey: .latitude)
        longitude = try c.decode(Double.self, forKey: .longitude)
        altitude = try c.decodeIfPresent(Double.self, forKey: .altitude)
        relevantText = try c.decodeIfPresent(String.self, forKey: .relevantText)
        unknownKeys = try Self.unknownKeys(in: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(latitude, forKey: .latitude)
        try c.encode(longitude, forKey: .longitude)
        try c.encodeIfPresent(altitude, forKey: .altitude)
        try c.encodeIfPresent(relevantText, forKey: .relevantText)
        try Self.encode(unknownKeys: unknownKeys, to: encoder)
    }
}

/// An iBeacon region where the pass is relevant (at most 10).
public struct Beacon: Codable, Sendable, Hashable, PreservesUnknownKeys {
    public var proximityUUID: String
    public var major: Int?
    public var minor: Int?
    public var relevantText: String?
    public var unknownKeys: [String: JSONValue] = [:]

    public init(proximityUUID: String, major: Int? = nil, minor: Int? = nil, relevantText: String? = nil) {
        self.proximityUUID = proximityUUID
        self.major = major
        self.minor = minor
        self.relevantText = relevantText
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case proximityUUID, major, minor, relevantText }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        proximityUUID = try c.decode(String.self, forKey: .proximityUUID)
        major = try c.decodeIfPresent(Int.self, forKey: .major)
        minor = try c.decodeIfPresent(Int.self, forKey: .minor)
        relevantText = try c.decodeIfPresent(String.self, forKey: .relevantText)
        unknownKeys = try Self.unknownKeys(in: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(proximityUUID, forKey: .proximityUUID)
        try c.encodeIfPresent(major, forKey: .major)
        try c.encodeIfPresent(minor, forKey: .minor)
        try c.encodeIfPresent(relevantText, forKey: .relevantText)
        try Self.encode(unknownKeys: unknownKeys, to: encoder)
    }
}

/// Value-added-services NFC payload (store cards with an NFC-entitled certificate only).
public struct NFC: Codable, Sendable, Hashable, PreservesUnknownKeys {
    public var message: String
    public var encryptionPublicKey: String?
    public var requiresAuthentication: Bool?
    public var unknownKeys: [String: JSONValue] = [:]

    public init(message: String, encryptionPublicKey: String? = nil, requiresAuthentication: Bool? = nil) {
        self.message = message
        self.encryptionPublicKey = encryptionPublicKey
        self.requiresAuthentication = requiresAuthentication
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case message, encryptionPublicKey, requiresAuthentication }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        message = try c.decode(String.self, forKey: .message)
        encryptionPublicKey = try c.decodeIfPresent(String.self, forKey: .encryptionPublicKey)
        requiresAuthentication = try c.decodeIfPresent(Bool.self, forKey: .requiresAuthentication)
        unknownKeys = try Self.unknownKeys(in: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(message, forKey: .message)
        try c.encodeIfPresent(encryptionPublicKey, forKey: .encryptionPublicKey)
        try c.encodeIfPresent(requiresAuthentication, forKey: .requiresAuthentication)
        try Self.encode(unknownKeys: unknownKeys, to: encoder)
    }
}
