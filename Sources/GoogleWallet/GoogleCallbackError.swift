import Foundation

/// Why a callback was refused. Each says what failed in one line; none returns any of the message.
public enum GoogleCallbackError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not the ECv2SigningOnly envelope (what is wrong says which part).
    case malformed(String)
    /// `protocolVersion` is not `ECv2SigningOnly`.
    case unsupportedProtocol(String)
    /// Every root key has expired: fetch Google's keys again.
    case noUsableRootKey
    /// No root key verifies the intermediate key's signatures.
    case intermediateKeyNotSigned
    case malformedIntermediateKey(String)
    case intermediateKeyExpired(Date)
    /// The intermediate key does not verify the message for this issuer.
    case messageNotSigned
    case malformedMessage(String)
    case messageExpired(Date)
    /// A `classId` or `objectId` that is not one of this issuer's ids.
    case foreignID(field: String)
    /// An `eventType` other than `save` and `del`.
    case unknownEvent(String)

    public var description: String {
        switch self {
        case .malformed(let why): "callback is not an ECv2SigningOnly message: \(why)"
        case .unsupportedProtocol(let version): "callback protocolVersion \(oneLine(version, limit: 40)) is not ECv2SigningOnly"
        case .noUsableRootKey: "every Google root key for callbacks has expired"
        case .intermediateKeyNotSigned: "callback intermediate signing key is not signed by a Google root key"
        case .malformedIntermediateKey(let why): "callback intermediate signing key is malformed: \(why)"
        case .intermediateKeyExpired(let date): "callback intermediate signing key expired at \(date)"
        case .messageNotSigned: "callback message is not signed by its intermediate key for this issuer"
        case .malformedMessage(let why): "callback message is malformed: \(why)"
        case .messageExpired(let date): "callback message expired at \(date)"
        case .foreignID(let field): "callback \(field) is not an id of this issuer"
        case .unknownEvent(let event): "callback eventType \(oneLine(event, limit: 40)) is neither save nor del"
        }
    }
}
