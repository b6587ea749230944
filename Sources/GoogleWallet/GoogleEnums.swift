/// Google's enum values as they are sent. Decoding also takes the lower-case spellings Google's
/// older API versions used and still returns (`active` for `ACTIVE`).
public protocol GoogleEnum: RawRepresentable<String>, Codable, Sendable, Hashable {}

extension GoogleEnum {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) ?? Self(rawValue: raw.uppercased()) ?? Self(rawValue: Self.upperSnake(raw)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown value \(oneLine(raw, limit: 40))")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// `underReview` → `UNDER_REVIEW`.
    static func upperSnake(_ camel: String) -> String {
        var out = ""
        for c in camel {
            if c.isUppercase, !out.isEmpty { out.append("_") }
            out += c.uppercased()
        }
        return out
    }
}

/// A class's `reviewStatus`: insert and update with ``underReview`` (or ``draft``); Google sets
/// the others.
public enum GoogleReviewStatus: String, GoogleEnum {
    case underReview = "UNDER_REVIEW"
    case draft = "DRAFT"
    case approved = "APPROVED"
    case rejected = "REJECTED"
}

/// An object's `state`: ``inactive``, ``expired`` and ``completed`` move the card to
/// "Expired passes" on the phone.
public enum GoogleObjectState: String, GoogleEnum {
    case active = "ACTIVE"
    case completed = "COMPLETED"
    case expired = "EXPIRED"
    case inactive = "INACTIVE"
}

/// `barcode.type` (https://developers.google.com/wallet/reference/rest/v1/BarcodeType).
public enum GoogleBarcodeType: String, GoogleEnum {
    case qrCode = "QR_CODE"
    case aztec = "AZTEC"
    case pdf417 = "PDF_417"
    case code128 = "CODE_128"
    case code39 = "CODE_39"
    case ean13 = "EAN_13"
    case ean8 = "EAN_8"
    case upcA = "UPC_A"
    case dataMatrix = "DATA_MATRIX"
    case textOnly = "TEXT_ONLY"
}

/// `message.messageType`: ``textAndNotify`` also notifies the phone (3 per card per 24 hours).
public enum GoogleMessageType: String, GoogleEnum {
    case text = "TEXT"
    case textAndNotify = "TEXT_AND_NOTIFY"
    case expirationNotification = "EXPIRATION_NOTIFICATION"
}

/// An object's `notifyPreference`: ``notifyOnUpdate`` makes a change of its points or tier
/// notify the phone (counted in the same 3 per 24 hours). It holds for the one PATCH or PUT that
/// carries it (https://developers.google.com/wallet/reference/rest/v1/NotificationSettingsForUpdates).
public enum GoogleNotifyPreference: String, GoogleEnum {
    case unspecified = "NOTIFICATION_SETTINGS_FOR_UPDATES_UNSPECIFIED"
    case notifyOnUpdate = "NOTIFY_ON_UPDATE"
}
