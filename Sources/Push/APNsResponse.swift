#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An APNs error `reason` string. An open set: Apple adds reasons, so unknown ones are kept verbatim.
public struct APNsReason: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let badDeviceToken: Self = "BadDeviceToken"
    public static let deviceTokenNotForTopic: Self = "DeviceTokenNotForTopic"
    public static let badTopic: Self = "BadTopic"
    public static let missingTopic: Self = "MissingTopic"
    public static let topicDisallowed: Self = "TopicDisallowed"
    public static let badPriority: Self = "BadPriority"
    public static let invalidPushType: Self = "InvalidPushType"
    public static let payloadEmpty: Self = "PayloadEmpty"
    public static let badCertificate: Self = "BadCertificate"
    public static let badCertificateEnvironment: Self = "BadCertificateEnvironment"
    public static let expiredProviderToken: Self = "ExpiredProviderToken"
    public static let invalidProviderToken: Self = "InvalidProviderToken"
    public static let forbidden: Self = "Forbidden"
    public static let badPath: Self = "BadPath"
    public static let methodNotAllowed: Self = "MethodNotAllowed"
    public static let unregistered: Self = "Unregistered"
    public static let expiredToken: Self = "ExpiredToken"
    public static let payloadTooLarge: Self = "PayloadTooLarge"
    public static let tooManyRequests: Self = "TooManyRequests"
    public static let tooManyProviderTokenUpdates: Self = "TooManyProviderTokenUpdates"
    public static let internalServerError: Self = "InternalServerError"
    public static let serviceUnavailable: Self = "ServiceUnavailable"
    public static let shutdown: Self = "Shutdown"
}

/// One APNs HTTP/2 response, reduced to what classification needs.
public struct APNsResponse: Hashable, Sendable {
    /// The `:status` pseudo-header.
    public var status: Int
    /// The JSON body's `reason`, if there was a readable one.
    public var reason: APNsReason?
    /// The JSON body's `timestamp` (milliseconds since 1970) that a 410 carries.
    public var timestampMilliseconds: Int64?

    public init(status: Int, reason: APNsReason? = nil, timestampMilliseconds: Int64? = nil) {
        self.status = status
        self.reason = reason
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// Builds a response from the status and raw body bytes, parsing the body tolerantly.
    public init(status: Int, body: some Collection<UInt8>) {
        let parsed = APNsErrorBody(parsing: body)
        self.init(status: status, reason: parsed.reason, timestampMilliseconds: parsed.timestampMilliseconds)
    }
}

/// The APNs JSON error body, `{"reason":"…","timestamp":…}`, parsed without ever failing.
///
/// A missing, truncated or garbage body yields empty fields rather than an error, because the
/// status alone still classifies the response and a parse failure must not lose a push.
public struct APNsErrorBody: Hashable, Sendable {
    public var reason: APNsReason?
    public var timestampMilliseconds: Int64?

    public init(reason: APNsReason? = nil, timestampMilliseconds: Int64? = nil) {
        self.reason = reason
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// Parses `bytes`; any field that is absent or of the wrong type is left `nil`.
    public init(parsing bytes: some Collection<UInt8>) {
        // APNs bodies are tiny; anything big is not an APNs error body, so don't spend time on it.
        guard !bytes.isEmpty, bytes.count <= 4096,
              let wire = try? JSONDecoder().decode(Wire.self, from: Data(bytes))
        else {
            self.init()
            return
        }
        self.init(reason: wire.reason.map(APNsReason.init(rawValue:)), timestampMilliseconds: wire.timestamp)
    }

    private struct Wire: Decodable {
        var reason: String?
        var timestamp: Int64?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            reason = try? container.decodeIfPresent(String.self, forKey: .reason)
            // APNs sends a number; accept a numeric string or a float too rather than drop the time.
            if let value = try? container.decodeIfPresent(Int64.self, forKey: .timestamp) {
                timestamp = value
            } else if let value = try? container.decodeIfPresent(Double.self, forKey: .timestamp),
                      value.isFinite, abs(value) < 9e15 {
                timestamp = Int64(value)
            } else if let text = try? container.decodeIfPresent(String.self, forKey: .timestamp) {
                timestamp = Int64(text)
            }
        }

        enum CodingKeys: String, CodingKey { case reason, timestamp }
    }
}
