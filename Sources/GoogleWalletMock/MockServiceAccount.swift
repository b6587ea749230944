import Core
import Crypto
import Foundation
import _CryptoExtras

/// A service account the mock knows: its email, key id and public key, and the JSON key file
/// Google would let you download for it (private key included), to configure the server with.
public struct MockServiceAccount: Sendable {
    public let email: String
    public let keyID: String
    public let publicKey: _RSA.Signing.PublicKey
    /// `{"type":"service_account","client_email",…,"private_key":"-----BEGIN PRIVATE KEY-----…"}`.
    public let keyFile: [UInt8]

    /// A new 2048-bit RSA key for `email`; `tokenURI` goes into the key file as `token_uri`.
    public static func generate(email: String = "passline@passline-mock.iam.gserviceaccount.com", tokenURI: String = "https://oauth2.googleapis.com/token") throws
        -> MockServiceAccount
    {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let keyID = Hex.encode((0..<20).map { _ in UInt8.random(in: 0...255) })
        let file: MockJSON = .object([
            "type": .string("service_account"), "project_id": .string("passline-mock"), "private_key_id": .string(keyID),
            "private_key": .string(key.pkcs8PEMRepresentation + "\n"), "client_email": .string(email), "client_id": .string("100000000000000000001"),
            "auth_uri": .string("https://accounts.google.com/o/oauth2/auth"), "token_uri": .string(tokenURI),
            "universe_domain": .string("googleapis.com"),
        ])
        return MockServiceAccount(email: email, keyID: keyID, publicKey: key.publicKey, keyFile: file.serialized())
    }

    public init(email: String, keyID: String, publicKey: _RSA.Signing.PublicKey, keyFile: [UInt8] = []) {
        self.email = email
        self.keyID = keyID
        self.publicKey = publicKey
        self.keyFile = keyFile
    }
}
