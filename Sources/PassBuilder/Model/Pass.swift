import Foundation

/// The contents of `pass.json`: every top-level key of the PassKit Package Format.
///
/// Decoding is strict about types and lenient about presence (lint reports missing keys with
/// their paths); members this model does not know are kept in ``unknownKeys`` and written back.
public struct Pass: Codable, Sendable, Hashable, PreservesUnknownKeys {
    public var formatVersion: Int?
    public var passTypeIdentifier: String?
    public var serialNumber: String?
    public var teamIdentifier: String?
    public var organizationName: String?
    public var description: String?

    /// The style key and its fields (exactly one of the five styles).
    public var style: PassStyle?
    public var structure: PassStructure?
    /// With `posterGeneric`: the `generic` fields iOS 26 and earlier show instead.
    public var compatibleStructure: PassStructure?

    public var webServiceURL: String?
    public var authenticationToken: String?
    public var barcodes: [Barcode]?
    /// Deprecated since iOS 9; decoded so old passes round-trip.
    public var barcode: Barcode?
    public var backgroundColor: String?
    public var foregroundColor: String?
    public var labelColor: String?
    public var stripColor: String?
    public var logoText: String?
    public var expirationDate: String?
    public var voided: Bool?
    public var relevantDate: String?
    public var relevantDates: [JSONValue]?
    public var locations: [Location]?
    public var maxDistance: Double?
    public var beacons: [Beacon]?
    public var nfc: NFC?
    public var sharingProhibited: Bool?
    public var semantics: [String: JSONValue]?
    public var userInfo: JSONValue?
    public var appLaunchURL: String?
    public var associatedStoreIdentifiers: [Int64]?
    public var groupingIdentifier: String?
    public var suppressStripShine: Bool?

    public var unknownKeys: [String: JSONValue] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case formatVersion, passTypeIdentifier, serialNumber, teamIdentifier, organizationName, description
        case boardingPass, coupon, eventTicket, generic, storeCard, posterGeneric
        case webServiceURL, authenticationToken, barcodes, barcode, backgroundColor, foregroundColor, labelColor
        case stripColor, logoText, expirationDate, voided, relevantDate, relevantDates, locations, maxDistance
        case beacons, nfc, sharingProhibited, semantics, userInfo, appLaunchURL, associatedStoreIdentifiers
        case groupingIdentifier, suppressStripShine
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decodeIfPresent(Int.self, forKey: .formatVersion)
        passTypeIdentifier = try c.decodeIfPresent(String.self, forKey: .passTypeIdentifier)
        serialNumber = try c.decodeIfPresent(String.self, forKey: .serialNumber)
        teamIdentifier = try c.decodeIfPresent(String.self, forKey: .teamIdentifier)
        organizationName = try c.decodeIfPresent(String.self, forKey: .organizationName)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        for candidate in PassStyle.allCases {
            let key = CodingKeys(rawValue: candidate.rawValue)!
            if let s = try c.decodeIfPresent(PassStructure.self, forKey: key) {
                // posterGeneric with generic beside it for older iPhones: the one pair allowed.
                if style == .generic, candidate == .posterGeneric {
                    compatibleStructure = structure
                    style = candidate
                    structure = s
                    continue
                }
                guard style == nil else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "a pass has exactly one style key; found \(style!.rawValue) and \(candidate.rawValue)")
                }
                style = candidate
                structure = s
            }
        }
        webServiceURL = try c.decodeIfPresent(String.self, forKey: .webServiceURL)
        authenticationToken = try c.decodeIfPresent(String.self, forKey: .authenticationToken)
        barcodes = try c.decodeIfPresent([Barcode].self, forKey: .barcodes)
        barcode = try c.decodeIfPresent(Barcode.self, forKey: .barcode)
        backgroundColor = try c.decodeIfPresent(String.self, forKey: .backgroundColor)
        foregroundColor = try c.decodeIfPresent(String.self, forKey: .foregroundColor)
        labelColor = try c.decodeIfPresent(String.self, forKey: .labelColor)
        stripColor = try c.decodeIfPresent(String.self, forKey: .stripColor)
        logoText = try c.decodeIfPresent(String.self, forKey: .logoText)
        expirationDate = try c.decodeIfPresent(String.self, forKey: .expirationDate)
        voided = try c.decodeIfPresent(Bool.self, forKey: .voided)
        relevantDate = try c.decodeIfPresent(String.self, forKey: .relevantDate)
        relevantDates = try c.decodeIfPresent([JSONValue].self, forKey: .relevantDates)
        locations = try c.decodeIfPresent([Location].self, forKey: .locations)
        maxDistance = try c.decodeIfPresent(Double.self, forKey: .maxDistance)
        beacons = try c.decodeIfPresent([Beacon].self, forKey: .beacons)
        nfc = try c.decodeIfPresent(NFC.self, forKey: .nfc)
        sharingProhibited = try c.decodeIfPresent(Bool.self, forKey: .sharingProhibited)
        semantics = try c.decodeIfPresent([String: JSONValue].self, forKey: .semantics)
        userInfo = try c.decodeIfPresent(JSONValue.self, forKey: .userInfo)
        appLaunchURL = try c.decodeIfPresent(String.self, forKey: .appLaunchURL)
        associatedStoreIdentifiers = try c.decodeIfPresent([Int64].self, forKey: .associatedStoreIdentifiers)
        groupingIdentifier = try c.decodeIfPresent(String.self, forKey: .groupingIdentifier)
        suppressStripShine = try c.decodeIfPresent(Bool.self, forKey: .suppressStripShine)
        unknownKeys = try Self.unknownKeys(in: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(formatVersion, forKey: .formatVersion)
        try c.encodeIfPresent(passTypeIdentifier, forKey: .passTypeIdentifier)
        try c.encodeIfPresent(serialNumber, forKey: .serialNumber)
        try c.encodeIfPresent(teamIdentifier, forKey: .teamIdentifier)
        try c.encodeIfPresent(organizationName, forKey: .organizationName)
        try c.encodeIfPresent(description, forKey: .description)
        if let style, let structure {
            try c.encode(structure, forKey: CodingKeys(rawValue: style.rawValue)!)
        }
        try c.encodeIfPresent(compatibleStructure, forKey: .generic)
        try c.encodeIfPresent(webServiceURL, forKey: .webServiceURL)
        try c.encodeIfPresent(authenticationToken, forKey: .authenticationToken)
        try c.encodeIfPresent(barcodes, forKey: .barcodes)
        try c.encodeIfPresent(barcode, forKey: .barcode)
        try c.encodeIfPresent(backgroundColor, forKey: .backgroundColor)
        try c.encodeIfPresent(foregroundColor, forKey: .foregroundColor)
        try c.encodeIfPresent(labelColor, forKey: .labelColor)
        try c.encodeIfPresent(stripColor, forKey: .stripColor)
        try c.encodeIfPresent(logoText, forKey: .logoText)
        try c.encodeIfPresent(expirationDate, forKey: .expirationDate)
        try c.encodeIfPresent(voided, forKey: .voided)
        try c.encodeIfPresent(relevantDate, forKey: .relevantDate)
        try c.encodeIfPresent(relevantDates, forKey: .relevantDates)
        try c.encodeIfPresent(locations, forKey: .locations)
        try c.encodeIfPresent(maxDistance, forKey: .maxDistance)
        try c.encodeIfPresent(beacons, forKey: .beacons)
        try c.encodeIfPresent(nfc, forKey: .nfc)
        try c.encodeIfPresent(sharingProhibited, forKey: .sharingProhibited)
        try c.encodeIfPresent(semantics, forKey: .semantics)
        try c.encodeIfPresent(userInfo, forKey: .userInfo)
        try c.encodeIfPresent(appLaunchURL, forKey: .appLaunchURL)
        try c.encodeIfPresent(associatedStoreIdentifiers, forKey: .associatedStoreIdentifiers)
        try c.encodeIfPresent(groupingIdentifier, forKey: .groupingIdentifier)
        try c.encodeIfPresent(suppressStripShine, forKey: .suppressStripShine)
        try Self.encode(unknownKeys: unknownKeys, to: encoder)
    }
}

/// The five pass styles; the style key in pass.json names the one a pass has.
public enum PassStyle: String, Codable, Sendable, CaseIterable {
    case boardingPass, coupon, eventTicket, generic, storeCard
    /// iOS 27's poster style (Apple, "Creating a poster generic pass"): a background image, the
    /// primary logo, header and primary fields, one footer field and a barcode. A pass carries
    /// `generic` beside it for iOS 26 and earlier.
    case posterGeneric
}

extension Pass {
    /// Decodes pass.json bytes as Wallet reads them (trailing commas tolerated).
    public init(jsonBytes: some Collection<UInt8>) throws {
        try self.init(json: try JSONValue(parsingLeniently: jsonBytes))
    }

    /// Decodes an already parsed JSON tree.
    public init(json: JSONValue) throws {
        self = try JSONDecoder().decode(Pass.self, from: Data(json.serialized()))
    }

    /// This pass as a JSON tree.
    public func jsonValue() throws -> JSONValue {
        try JSONValue(parsing: JSONEncoder().encode(self))
    }
}
