import Crypto
import Foundation
import _CryptoExtras

/// A service account's JSON key, as the Google Cloud console downloads it
/// (https://developers.google.com/identity/protocols/oauth2/service-account#creatinganaccount):
/// the account's email, the RSA private key that signs its JWTs, and that key's id.
public struct GoogleServiceAccount: Sendable {
    /// `client_email`: the `iss` of every JWT the account signs.
    public let clientEmail: String
    /// `private_key_id`: the `kid` of those JWTs, so Google picks the right public key.
    public let privateKeyID: String
    /// `token_uri`, when the key names one.
    public let tokenURI: String?
    let privateKey: _RSA.Signing.PrivateKey

    /// Parses the key file's bytes.
    public init(json: [UInt8]) throws(GoogleServiceAccountError) {
        struct Key: Decodable {
            var type: String?
            var client_email: String?
            var private_key: String?
            var private_key_id: String?
            var token_uri: String?
        }
        let key: Key
        do {
            key = try JSONDecoder().decode(Key.self, from: Data(json))
        } catch {
            throw .notJSON
        }
        guard key.type == "service_account" else { throw .wrongType(key.type) }
        guard let email = key.client_email, !email.isEmpty else { throw .missingField("client_email") }
        guard email.contains("@"), !email.contains(where: \.isWhitespace) else { throw .invalidEmail }
        guard let pem = key.private_key, !pem.isEmpty else { throw .missingField("private_key") }
        guard let keyID = key.private_key_id, !keyID.isEmpty else { throw .missingField("private_key_id") }
        // A PKCS#1 key is refused too: Google only issues PKCS#8, so another shape means a wrong file.
        guard pem.contains("-----BEGIN PRIVATE KEY-----"), let privateKey = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) else {
            throw .invalidPrivateKey
        }
        clientEmail = email
        privateKeyID = keyID
        tokenURI = key.token_uri.flatMap { $0.isEmpty ? nil : $0 }
        self.privateKey = privateKey
    }

    /// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) over `data`.
    func sign(_ data: [UInt8]) throws -> [UInt8] {
        Array(try privateKey.signature(for: data, padding: .insecurePKCS1v1_5).rawRepresentation)
    }

    /// The public half, PEM: what Google holds for `privateKeyID`, for checking our signatures.
    public var publicKeyPEM: String { privateKey.publicKey.pemRepresentation }
}

// Printed, dumped or logged, an account shows who it is, never its key.
extension GoogleServiceAccount: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "GoogleServiceAccount(\(clientEmail), key \(privateKeyID))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["clientEmail": clientEmail, "privateKeyID": privateKeyID, "tokenURI": tokenURI as Any]) }
}

/// Why a service-account key was refused. Descriptions are one line and never quote the key.
public enum GoogleServiceAccountError: Error, Sendable, Hashable, CustomStringConvertible {
    case notJSON
    /// `type` is missing or not `service_account` (an OAuth client or user credential, say).
    case wrongType(String?)
    case missingField(String)
    case invalidEmail
    /// `private_key` is not a PKCS#8 PEM RSA key of at least 2048 bits.
    case invalidPrivateKey

    public var description: String {
        switch self {
        case .notJSON:
            "the service-account key is not a JSON object"
        case .wrongType(let type):
            "the key's type is \(type.map { "\"\(oneLine($0, limit: 40))\"" } ?? "missing"), not \"service_account\" (download a JSON key of a service account)"
        case .missingField(let field):
            "the service-account key has no \"\(field)\""
        case .invalidEmail:
            "the service-account key's client_email is not an email address"
        case .invalidPrivateKey:
            "the service-account key's private_key is not a PKCS#8 PEM RSA private key of 2048 bits or more"
        }
    }
}
