import Crypto
import Foundation

/// Verifies Google's save and delete callbacks, signed with the ECv2SigningOnly protocol of Tink's
/// `PaymentMethodTokenRecipient`
/// (https://developers.google.com/wallet/generic/use-cases/use-callbacks-for-saves-and-deletions,
/// https://developers.google.com/pay/api/android/guides/resources/payment-data-cryptography#verify-signature):
///
/// 1. a root key still valid at `now` signs the intermediate key: ECDSA P-256 SHA-256, DER, over
///    the length-prefixed `GooglePayPasses`, `ECv2SigningOnly`, `signedKey`;
/// 2. the intermediate key, unexpired, signs the message over `GooglePayPasses`, the issuer id,
///    `ECv2SigningOnly`, `signedMessage` — so a message for another issuer does not verify;
/// 3. the message has not expired (`expTimeMillis`).
///
/// Only then is the message read; every failure is a ``GoogleCallbackError``.
public struct GoogleCallbackVerifier: Sendable {
    public static let senderID = "GooglePayPasses"
    public static let protocolVersion = "ECv2SigningOnly"

    public let issuerID: GoogleIssuerID
    public let rootKeys: GoogleCallbackKeys

    public init(issuerID: GoogleIssuerID, rootKeys: GoogleCallbackKeys) {
        self.issuerID = issuerID
        self.rootKeys = rootKeys
    }

    /// The callback in `body` (the POST's JSON), if it verifies at `now`.
    public func verify(_ body: [UInt8], now: Date) throws(GoogleCallbackError) -> GoogleCallback {
        let envelope: Envelope
        do {
            envelope = try GoogleJSON.decode(Envelope.self, from: body)
        } catch {
            throw .malformed("not JSON with protocolVersion, signature, intermediateSigningKey and signedMessage")
        }
        guard envelope.protocolVersion == Self.protocolVersion else { throw .unsupportedProtocol(envelope.protocolVersion) }

        let roots = rootKeys.keys.filter { $0.expiration > now }.map(\.publicKey)
        guard !roots.isEmpty else { throw .noUsableRootKey }
        var keySignatures: [P256.Signing.ECDSASignature] = []
        for text in envelope.intermediateSigningKey.signatures {
            guard let signature = Self.signature(text) else { throw .malformed("an intermediate key signature is not base64 DER") }
            keySignatures.append(signature)
        }
        let keyBytes = Self.lengthValue([Self.senderID, Self.protocolVersion, envelope.intermediateSigningKey.signedKey])
        guard roots.contains(where: { root in keySignatures.contains { root.isValidSignature($0, for: keyBytes) } }) else {
            throw .intermediateKeyNotSigned
        }

        let signedKey: SignedKey
        do {
            signedKey = try GoogleJSON.decode(SignedKey.self, from: Array(envelope.intermediateSigningKey.signedKey.utf8))
        } catch {
            throw .malformedIntermediateKey("signedKey is not JSON with keyValue and keyExpiration")
        }
        guard let der = Data(base64Encoded: signedKey.keyValue), let intermediate = try? P256.Signing.PublicKey(derRepresentation: der) else {
            throw .malformedIntermediateKey("keyValue is not a base64 DER P-256 public key")
        }
        guard signedKey.keyExpiration.date > now else { throw .intermediateKeyExpired(signedKey.keyExpiration.date) }

        guard let signature = Self.signature(envelope.signature) else { throw .malformed("signature is not base64 DER") }
        let messageBytes = Self.lengthValue([Self.senderID, issuerID.value, Self.protocolVersion, envelope.signedMessage])
        guard intermediate.isValidSignature(signature, for: messageBytes) else { throw .messageNotSigned }

        return try Self.read(envelope.signedMessage, issuer: issuerID, now: now)
    }

    /// The verified message's fields, typed.
    static func read(_ signedMessage: String, issuer: GoogleIssuerID, now: Date) throws(GoogleCallbackError) -> GoogleCallback {
        let message: Message
        do {
            message = try GoogleJSON.decode(Message.self, from: Array(signedMessage.utf8))
        } catch {
            throw .malformedMessage("not JSON with classId, objectId, eventType, nonce and expTimeMillis")
        }
        let expiry = message.expTimeMillis.date
        guard expiry > now else { throw .messageExpired(expiry) }
        guard let classID = GoogleWalletID(message.classId), classID.issuer == issuer else { throw .foreignID(field: "classId") }
        guard let objectID = GoogleWalletID(message.objectId), objectID.issuer == issuer else { throw .foreignID(field: "objectId") }
        guard let event = GoogleCallback.Event(rawValue: message.eventType) else { throw .unknownEvent(message.eventType) }
        guard (1...512).contains(message.nonce.utf8.count) else { throw .malformedMessage("nonce is empty or longer than 512 bytes") }
        return GoogleCallback(classId: classID, objectId: objectID, eventType: event, nonce: message.nonce, expTime: expiry)
    }

    /// Tink's `toLengthValue`: each part's UTF-8 bytes after their count as 4 bytes, little-endian.
    static func lengthValue(_ parts: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            let bytes = Array(part.utf8)
            withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out.append(contentsOf: $0) }
            out += bytes
        }
        return out
    }

    static func signature(_ base64: String) -> P256.Signing.ECDSASignature? {
        guard let der = Data(base64Encoded: base64) else { return nil }
        return try? P256.Signing.ECDSASignature(derRepresentation: der)
    }

    struct Envelope: Decodable {
        struct IntermediateSigningKey: Decodable {
            var signedKey: String
            var signatures: [String]
        }

        var protocolVersion: String
        var signature: String
        var intermediateSigningKey: IntermediateSigningKey
        var signedMessage: String
    }

    struct SignedKey: Decodable {
        var keyValue: String
        var keyExpiration: GoogleMillis
    }

    struct Message: Decodable {
        var classId: String
        var objectId: String
        var eventType: String
        var nonce: String
        var expTimeMillis: GoogleMillis
    }
}
