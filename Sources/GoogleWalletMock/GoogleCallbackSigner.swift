import Crypto
import Foundation

/// Google's side of save and delete callbacks: a root key (published as
/// https://pay.google.com/gp/m/issuer/keys publishes Google's), an intermediate key it signs, and
/// messages the intermediate key signs, in the ECv2SigningOnly protocol of Tink's
/// `PaymentMethodTokenRecipient`
/// (https://developers.google.com/wallet/generic/use-cases/use-callbacks-for-saves-and-deletions).
/// Written apart from the verifier in GoogleWallet, so a shared mistake can't make both agree.
/// ``forged(_:_:recipient:)`` makes the ones a verifier must refuse.
public struct GoogleCallbackSigner: Sendable {
    public struct RootKey: Sendable {
        public let key: P256.Signing.PrivateKey
        public let expiration: Date
    }

    /// A callback's message, the `signedMessage` Google sends.
    public struct Message: Sendable, Hashable {
        public var classId: String
        public var objectId: String
        /// `save` or `del`.
        public var eventType: String
        public var nonce: String
        public var expTimeMillis: Int64

        public init(classId: String, objectId: String, eventType: String, nonce: String = UUID().uuidString, expires: Date) {
            self.classId = classId
            self.objectId = objectId
            self.eventType = eventType
            self.nonce = nonce
            expTimeMillis = Int64((expires.timeIntervalSince1970 * 1000).rounded(.down))
        }

        /// Its JSON text, `expTimeMillis` a string of digits as Google's int64s are.
        public var json: String {
            let fields: MockJSON = .object([
                "classId": .string(classId), "objectId": .string(objectId), "eventType": .string(eventType), "nonce": .string(nonce),
                "expTimeMillis": .string(String(expTimeMillis)),
            ])
            return String(decoding: fields.serialized(), as: UTF8.self)
        }
    }

    /// What a forged callback gets wrong.
    public enum Forgery: Sendable, Hashable, CaseIterable {
        /// The intermediate key is signed by a root key Google never published.
        case untrustedRoot
        /// The message is signed by a key other than the intermediate one it carries.
        case untrustedIntermediate
        /// The message was changed after it was signed (save ↔ del).
        case tamperedMessage
        /// The intermediate key's expiration was pushed back after it was signed.
        case tamperedSignedKey
        /// Signed for another issuer.
        case wrongRecipient
        /// Signed with a sender other than `GooglePayPasses`.
        case wrongSender
        /// The parts signed without their length prefixes.
        case noLengthPrefixes
    }

    public static let senderID = "GooglePayPasses"
    public static let protocolVersion = "ECv2SigningOnly"

    public var roots: [RootKey]
    /// Which of ``roots`` signs the intermediate key.
    public var signingRoot = 0
    public var intermediate: P256.Signing.PrivateKey
    public var intermediateExpiration: Date

    /// New keys: one root valid for `rootLifetime`, an intermediate for `intermediateLifetime`.
    public init(now: Date = Date(), rootLifetime: TimeInterval = 365 * 86_400, intermediateLifetime: TimeInterval = 7 * 86_400) {
        roots = [RootKey(key: P256.Signing.PrivateKey(), expiration: now.addingTimeInterval(rootLifetime))]
        intermediate = P256.Signing.PrivateKey()
        intermediateExpiration = now.addingTimeInterval(intermediateLifetime)
    }

    /// Adds a root key (a rotation: Google publishes the next key before the old one expires).
    public mutating func addRoot(expiration: Date) {
        roots.append(RootKey(key: P256.Signing.PrivateKey(), expiration: expiration))
    }

    /// The keys endpoint's answer: the roots as ECv2SigningOnly keys, and an ECv1 key (the
    /// endpoint serves several protocols; a verifier must pick its own).
    public func keysJSON() -> [UInt8] {
        var keys: [MockJSON] = roots.map { root in
            .object([
                "keyValue": .string(root.key.publicKey.derRepresentation.base64EncodedString()),
                "protocolVersion": .string(Self.protocolVersion),
                "keyExpiration": .string(String(Self.millis(root.expiration))),
            ])
        }
        keys.append(.object(["keyValue": .string(P256.Signing.PrivateKey().publicKey.derRepresentation.base64EncodedString()), "protocolVersion": .string("ECv1")]))
        return MockJSON.object(["keys": .array(keys)]).serialized()
    }

    /// The POST body Google sends to the class's callback URL for `message`, addressed to the
    /// issuer `recipient`.
    public func callback(_ message: Message, recipient: String) -> [UInt8] {
        envelope(message.json, recipient: recipient, forgery: nil)
    }

    /// Like ``callback(_:recipient:)``, with the flaw `forgery`.
    public func forged(_ forgery: Forgery, _ message: Message, recipient: String) -> [UInt8] {
        envelope(message.json, recipient: recipient, forgery: forgery)
    }

    func envelope(_ messageJSON: String, recipient: String, forgery: Forgery?) -> [UInt8] {
        let sender = forgery == .wrongSender ? "GooglePayments" : Self.senderID
        let prefixed = forgery != .noLengthPrefixes
        let signedKey = Self.signedKeyJSON(intermediate.publicKey, expiration: intermediateExpiration)
        let root = forgery == .untrustedRoot ? P256.Signing.PrivateKey() : roots[signingRoot].key
        let keySignature = Self.sign(root, [sender, Self.protocolVersion, signedKey], prefixed: prefixed)
        let messageKey = forgery == .untrustedIntermediate ? P256.Signing.PrivateKey() : intermediate
        let to = forgery == .wrongRecipient ? "9" + recipient : recipient
        let messageSignature = Self.sign(messageKey, [sender, to, Self.protocolVersion, messageJSON], prefixed: prefixed)

        var sentKey = signedKey
        var sentMessage = messageJSON
        switch forgery {
        case .tamperedSignedKey:
            sentKey = Self.signedKeyJSON(intermediate.publicKey, expiration: intermediateExpiration.addingTimeInterval(365 * 86_400))
        case .tamperedMessage:
            sentMessage = messageJSON.contains(#""eventType":"save""#)
                ? messageJSON.replacingOccurrences(of: #""eventType":"save""#, with: #""eventType":"del""#)
                : messageJSON.replacingOccurrences(of: #""eventType":"del""#, with: #""eventType":"save""#)
        default:
            break
        }
        return MockJSON.object([
            "protocolVersion": .string(Self.protocolVersion),
            "signature": .string(messageSignature),
            "intermediateSigningKey": .object(["signedKey": .string(sentKey), "signatures": .array([.string(keySignature)])]),
            "signedMessage": .string(sentMessage),
        ]).serialized()
    }

    static func signedKeyJSON(_ key: P256.Signing.PublicKey, expiration: Date) -> String {
        let fields: MockJSON = .object([
            "keyValue": .string(key.derRepresentation.base64EncodedString()), "keyExpiration": .string(String(millis(expiration))),
        ])
        return String(decoding: fields.serialized(), as: UTF8.self)
    }

    /// ECDSA P-256 with SHA-256, DER, base64, over the parts each after its length as a 32-bit
    /// little-endian number (Tink's `PaymentMethodTokenUtil.toLengthValue`).
    static func sign(_ key: P256.Signing.PrivateKey, _ parts: [String], prefixed: Bool) -> String {
        var bytes: [UInt8] = []
        for part in parts {
            let utf8 = Array(part.utf8)
            if prefixed {
                let n = UInt32(utf8.count)
                bytes += [UInt8(n & 0xff), UInt8(n >> 8 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 24)]
            }
            bytes += utf8
        }
        // Signing with a valid key cannot fail; were it to, an empty signature fails verification.
        return (try? key.signature(for: bytes))?.derRepresentation.base64EncodedString() ?? ""
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
}
