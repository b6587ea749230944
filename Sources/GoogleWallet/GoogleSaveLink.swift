import Foundation

/// A "Save to Google Wallet" link for objects already inserted through the REST API: the "skinny"
/// JWT that names only their ids, so it stays short enough for a URL
/// (https://developers.google.com/wallet/reference/rest/v1/Jwt,
/// https://developers.google.com/pay/passes/guides/introduction/typical-api-flows). A household's
/// cards go in one link.
public struct GoogleSaveLink: Sendable, Hashable {
    /// Google's limit on a JWT in a link: longer ones may be cut by browsers.
    public static let maximumJWTLength = 1800
    public static let urlPrefix = "https://pay.google.com/gp/v/save/"

    /// An object to save: its id and its class's.
    public struct Object: Sendable, Hashable, Encodable {
        public var id: GoogleWalletID
        public var classId: GoogleWalletID

        public init(id: GoogleWalletID, classId: GoogleWalletID) {
            self.id = id
            self.classId = classId
        }
    }

    public let jwt: String
    public var url: String { Self.urlPrefix + jwt }
    /// The JWT's length in characters (what ``maximumJWTLength`` bounds).
    public var length: Int { jwt.utf8.count }

    /// Signs the link's JWT with the configuration's service account: `iss` the account, `aud`
    /// `google`, `typ` `savetowallet`, `iat` `issuedAt`, the configuration's `origins` (the web
    /// button renders only on those), and `payload.loyaltyObjects` the objects.
    public init(objects: [Object], configuration: GoogleWalletConfiguration, issuedAt: Date) throws(GoogleSaveLinkError) {
        guard !objects.isEmpty else { throw .noObjects }
        let claims = Claims(
            iss: configuration.account.clientEmail, iat: Int64(issuedAt.timeIntervalSince1970.rounded(.down)),
            origins: configuration.origins, payload: .init(loyaltyObjects: objects))
        do {
            jwt = try GoogleJWT.sign(claims, with: configuration.account)
        } catch {
            throw .signing(error)
        }
        guard jwt.utf8.count <= Self.maximumJWTLength else { throw .tooLong(length: jwt.utf8.count, objects: objects.count) }
    }

    struct Claims: Encodable {
        struct Payload: Encodable {
            var loyaltyObjects: [Object]
        }

        var iss: String
        var aud = "google"
        var typ = "savetowallet"
        var iat: Int64
        var origins: [String]
        var payload: Payload
    }
}

/// Why no save link was made.
public enum GoogleSaveLinkError: Error, Sendable, Hashable, CustomStringConvertible {
    case noObjects
    case signing(GoogleJWTError)
    /// The JWT would be longer than ``GoogleSaveLink/maximumJWTLength``: save fewer objects per link.
    case tooLong(length: Int, objects: Int)

    public var description: String {
        switch self {
        case .noObjects: "a save link needs at least one object"
        case .signing(let error): "cannot sign the save link: \(error)"
        case .tooLong(let length, let objects):
            "the save link's JWT for \(objects) object(s) is \(length) characters, over Google's \(GoogleSaveLink.maximumJWTLength)"
        }
    }
}
