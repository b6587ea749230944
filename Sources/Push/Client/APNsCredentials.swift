import NIOSSL

/// How the client proves to APNs that it may push to a topic (a pass type ID).
public enum APNsCredentials: Sendable {
    /// TLS client certificate: the Pass Type ID certificate that signs the passes, the way Apple
    /// documents for Wallet pushes, so no separate APNs key is needed.
    ///
    /// - Parameters:
    ///   - chainDER: the certificate chain in DER, leaf first. The topics the certificate may push to
    ///     are read from the leaf's subject UID (OID 0.9.2342.19200300.100.1.1).
    ///   - privateKeyPEM: the leaf's private key as unencrypted PEM: PKCS#8 (`PRIVATE KEY`), PKCS#1
    ///     (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`). Decrypt an encrypted key before handing it over.
    case certificate(chainDER: [[UInt8]], privateKeyPEM: String)
    /// Token authentication with an APNs auth key (`.p8`): an ES256 JWT, reused for
    /// ``APNsClientConfiguration/tokenRefreshInterval`` (Apple allows 20–60 minutes).
    ///
    /// - Parameters:
    ///   - teamID: the 10-character Team ID, the JWT's `iss`.
    ///   - keyID: the key's ID, the JWT's `kid`.
    ///   - privateKeyPEM: the `.p8` file's content: a PKCS#8 PEM P-256 key.
    case token(teamID: String, keyID: String, privateKeyPEM: String)
}

extension APNsCredentials {
    /// Certificate credentials from PEM: `chainPEM` holds the leaf first, then any intermediates.
    /// - Throws: ``APNsClientError/invalidCredentials(topic:detail:)`` (topic empty) if it holds no
    ///   PEM certificate.
    public static func certificate(chainPEM: String, privateKeyPEM: String) throws -> APNsCredentials {
        let chain: [[UInt8]]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8)).map { try $0.toDERBytes() }
        } catch {
            throw APNsClientError.invalidCredentials(topic: "", detail: "the certificate chain is not PEM: \(error)")
        }
        guard !chain.isEmpty else {
            throw APNsClientError.invalidCredentials(topic: "", detail: "the certificate PEM holds no certificate")
        }
        return .certificate(chainDER: chain, privateKeyPEM: privateKeyPEM)
    }
}
