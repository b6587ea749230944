/// How a ``MockAPNs`` listens and authenticates its clients.
///
/// Two authentication modes, as real APNs has:
/// - **Certificate** (``clientCertificateAuthorityPEM`` set): the TLS handshake requires a client certificate that chains
///   to one of these CAs, and every request's `apns-topic` must equal the certificate's pass type ID (the subject's UID
///   attribute, OID 0.9.2342.19200300.100.1.1); otherwise `400 TopicDisallowed`.
/// - **Token** (``clientCertificateAuthorityPEM`` nil): no client certificate is asked for; every request needs
///   `authorization: bearer <JWT>`, an ES256 JWT whose header has `kid` and whose claims have `iss` and `iat`. Its
///   signature is checked when ``tokenAuthenticationPublicKeyPEM`` is set. As Apple documents, such a connection
///   allows one stream until a request with a valid token has been accepted.
public struct MockAPNsConfiguration: Sendable {
    /// Address to listen on.
    public var host: String
    /// Port to listen on; 0 picks a free one (read it back from ``MockAPNs/port``).
    public var port: Int
    /// The server's certificate chain and key.
    public var identity: MockTLSIdentity
    /// PEM of the CA(s) issuing client certificates (several certificates may be concatenated, e.g. a root and the
    /// intermediate that issued the client's certificate). Set: certificate authentication. Nil: token authentication.
    public var clientCertificateAuthorityPEM: String?
    /// PEM of the P-256 public key provider tokens must be signed with (token mode only). Nil: signatures are not checked.
    public var tokenAuthenticationPublicKeyPEM: String?
    /// `SETTINGS_MAX_CONCURRENT_STREAMS` advertised on every connection (real APNs: about 1,000).
    public var maxConcurrentStreams: Int
    /// Whether ``MockAPNsStats/acceptedByToken`` is kept. Turn off for very long runs so memory stays flat.
    public var recordTokens: Bool

    public init(
        identity: MockTLSIdentity,
        host: String = "127.0.0.1",
        port: Int = 0,
        clientCertificateAuthorityPEM: String? = nil,
        tokenAuthenticationPublicKeyPEM: String? = nil,
        maxConcurrentStreams: Int = 1000,
        recordTokens: Bool = true
    ) {
        self.host = host
        self.port = port
        self.identity = identity
        self.clientCertificateAuthorityPEM = clientCertificateAuthorityPEM
        self.tokenAuthenticationPublicKeyPEM = tokenAuthenticationPublicKeyPEM
        self.maxConcurrentStreams = maxConcurrentStreams
        self.recordTokens = recordTokens
    }
}

/// The TLS identity a ``MockAPNs`` presents, and the root a client must trust to reach it.
public struct MockTLSIdentity: Sendable, Hashable {
    /// The server certificate (leaf first), PEM.
    public var certificateChainPEM: String
    /// The server certificate's private key, PEM.
    public var privateKeyPEM: String
    /// PEM of the CA a client must trust to connect (what `PASSLINE_APNS_CA_FILE` points at).
    public var trustRootPEM: String

    public init(certificateChainPEM: String, privateKeyPEM: String, trustRootPEM: String) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.trustRootPEM = trustRootPEM
    }
}
