import Crypto
import Foundation

/// Google's root keys for callbacks, as https://pay.google.com/gp/m/issuer/keys serves them:
/// `{"keys":[{"keyValue": base64 DER SubjectPublicKeyInfo, "protocolVersion": "ECv2SigningOnly",
/// "keyExpiration": "<ms since 1970>"}]}`. Keys of other protocol versions, and ECv2SigningOnly
/// keys without an expiration, are left out, as Tink's `PaymentMethodTokenRecipient` does
/// (https://developers.google.com/wallet/generic/use-cases/use-callbacks-for-saves-and-deletions).
public struct GoogleCallbackKeys: Sendable {
    public struct Key: Sendable {
        public let publicKey: P256.Signing.PublicKey
        public let expiration: Date

        public init(publicKey: P256.Signing.PublicKey, expiration: Date) {
            self.publicKey = publicKey
            self.expiration = expiration
        }
    }

    public let keys: [Key]

    public init(keys: [Key]) { self.keys = keys }

    /// Parses the keys endpoint's answer; throws when it is malformed or holds no usable key.
    public init(json: [UInt8]) throws(GoogleCallbackKeysError) {
        struct File: Decodable {
            struct Entry: Decodable {
                var keyValue: String?
                var protocolVersion: String?
                var keyExpiration: GoogleMillis?
            }
            var keys: [Entry]
        }
        let file: File
        do {
            file = try GoogleJSON.decode(File.self, from: json)
        } catch {
            throw .notKeysJSON
        }
        var keys: [Key] = []
        for (index, entry) in file.keys.enumerated() where entry.protocolVersion == GoogleCallbackVerifier.protocolVersion {
            guard let expiration = entry.keyExpiration else { continue }
            guard let value = entry.keyValue, let der = Data(base64Encoded: value), let key = try? P256.Signing.PublicKey(derRepresentation: der) else {
                throw .invalidKey(index: index)
            }
            keys.append(Key(publicKey: key, expiration: expiration.date))
        }
        guard !keys.isEmpty else { throw .noSigningOnlyKey }
        self.keys = keys
    }
}

/// Why a callback keys file was refused (one line each).
public enum GoogleCallbackKeysError: Error, Sendable, Hashable, CustomStringConvertible {
    case notKeysJSON
    case invalidKey(index: Int)
    case noSigningOnlyKey

    public var description: String {
        switch self {
        case .notKeysJSON: "the callback keys are not JSON shaped {\"keys\":[…]}"
        case .invalidKey(let index): "callback key \(index) is not a base64 DER P-256 public key"
        case .noSigningOnlyKey: "the callback keys hold no ECv2SigningOnly key with a keyExpiration"
        }
    }
}

/// Milliseconds since 1970 as Google writes them: a JSON string of digits, or a number.
struct GoogleMillis: Decodable, Hashable {
    var millis: Int64

    var date: Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            millis = number
        } else if let text = try? container.decode(String.self), let number = Int64(text) {
            millis = number
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not milliseconds")
        }
    }
}
