import Logging
import NIOCore
import NIOPosix
import NIOSSL

extension APNsReason {
    /// Not an APNs reason: `send` was asked for a topic the client has no credentials for.
    public static let topicNotConfigured: Self = "TopicNotConfigured"
}

/// Sends Wallet pushes to APNs over HTTP/2: a pool of connections per topic (pass type ID), each
/// driven by an ``APNsConnectionStateMachine``.
///
/// `send` is cheap and safe to call from thousands of tasks at once. Each call ends in exactly one
/// ``PushOutcome``, within ``APNsClientConfiguration/requestTimeout``; the client never throws for
/// APNs or network trouble and holds at most ``APNsClientConfiguration/maxPendingRequests``
/// waiting requests per topic (beyond that, `.retry(.transport(.overloaded))` at once). Pushes APNs
/// never processed (GOAWAY, REFUSED_STREAM, a dropped connection) are re-sent on another connection.
///
/// Call ``shutdown()`` when done: it closes the connections and stops the pools' timers.
public final class APNsClient: PushSender {
    public let configuration: APNsClientConfiguration
    private let pools: [String: APNsPool]

    /// Checks the configuration and credentials; starts no I/O (connections open on first use).
    ///
    /// - Parameter credentials: per topic. A certificate must name the topic in its subject UID.
    /// - Throws: ``APNsClientError`` naming what is wrong, e.g. "the APNs certificate configured
    ///   for pass.y (subject …) is for pass.x, not pass.y".
    public init(
        configuration: APNsClientConfiguration,
        credentials: [String: APNsCredentials],
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        let endpoint = try APNsEndpoint(url: configuration.url)
        let trustRoots = try Self.trustRoots(configuration.additionalTrustRootsPEM)
        let serverHostname = Self.isIPAddress(endpoint.host) ? nil : endpoint.host
        var tokens: [String: ProviderToken] = [:]
        var pools: [String: APNsPool] = [:]
        for (topic, credential) in credentials.sorted(by: { $0.key < $1.key }) {
            guard !topic.isEmpty, topic.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw APNsClientError.invalidCredentials(topic: topic, detail: "the topic must be a non-empty pass type ID")
            }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            tls.applicationProtocols = ["h2"]
            tls.additionalTrustRoots = trustRoots.isEmpty ? [] : [.certificates(trustRoots)]
            var connection = configuration.connection
            var providerToken: ProviderToken?
            switch credential {
            case .certificate(let chainDER, let privateKeyPEM):
                guard let leaf = chainDER.first else {
                    throw APNsClientError.invalidCredentials(topic: topic, detail: "the certificate chain is empty")
                }
                try CertificateTopics(leafDER: leaf, topic: topic).check(covers: topic)
                do {
                    tls.certificateChain = try chainDER.map { .certificate(try NIOSSLCertificate(bytes: $0, format: .der)) }
                } catch {
                    throw APNsClientError.invalidCredentials(topic: topic, detail: "a certificate in the chain is not valid DER: \(error)")
                }
                do {
                    tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem))
                } catch {
                    throw APNsClientError.invalidCredentials(
                        topic: topic, detail: "the private key is not an unencrypted PEM key: \(error)"
                    )
                }
                connection.tokenAuthentication = false
            case .token(let teamID, let keyID, let privateKeyPEM):
                // One token per key, shared by its topics: APNs counts token renewals per team.
                let cacheKey = teamID + "\u{0}" + keyID + "\u{0}" + privateKeyPEM
                if let shared = tokens[cacheKey] {
                    providerToken = shared
                } else {
                    let token = try ProviderToken(
                        teamID: teamID, keyID: keyID, privateKeyPEM: privateKeyPEM,
                        refreshInterval: configuration.tokenRefreshInterval, topic: topic
                    )
                    tokens[cacheKey] = token
                    providerToken = token
                }
                connection.tokenAuthentication = true
            }
            let sslContext: NIOSSLContext
            do {
                sslContext = try NIOSSLContext(configuration: tls)
            } catch {
                throw APNsClientError.invalidCredentials(
                    topic: topic, detail: "TLS setup failed (does the key belong to the certificate?): \(error)"
                )
            }
            let shared = APNsPool.Shared(
                topic: topic, endpoint: endpoint, sslContext: sslContext, serverHostname: serverHostname,
                providerToken: providerToken, expiration: configuration.expiration,
                connectTimeout: configuration.connection.connectTimeout,
                logger: logger.with(topic: topic)
            )
            let settings = APNsPool.State.Settings(
                connections: configuration.connectionsPerTopic,
                connection: connection,
                requestTimeout: configuration.requestTimeout,
                maxPending: configuration.maxPendingRequests,
                backoff: RetryPolicy(base: configuration.reconnectBackoff.base, cap: configuration.reconnectBackoff.cap),
                stagger: configuration.connectionStagger,
                idleTimeout: configuration.idleTimeout,
                maxResends: configuration.maxResendsPerRequest
            )
            pools[topic] = APNsPool(shared: shared, settings: settings, group: eventLoopGroup)
        }
        self.pools = pools
    }

    /// The topics the client has credentials for.
    public var topics: [String] { pools.keys.sorted() }

    /// One attempt at `request`, classified. A topic without credentials is
    /// `.pauseTopic(.topicNotConfigured)`.
    public func send(_ request: PushRequest<PushToken>) async -> PushOutcome {
        guard let pool = pools[request.topic] else { return .pauseTopic(.topicNotConfigured) }
        return await pool.send(request.token)
    }

    /// Closes all connections; outstanding sends complete with a transport failure at once and
    /// later ones with `.retry(.transport(.clientShutDown))`.
    public func shutdown() async {
        for pool in pools.values { await pool.shutdown() }
    }

    /// Connection and request counts, in total and per topic.
    public func snapshot() -> APNsClientSnapshot {
        var total = APNsClientSnapshot()
        for (topic, pool) in pools {
            let part = pool.snapshot()
            total.activeConnections += part.activeConnections
            total.connectingConnections += part.connectingConnections
            total.drainingConnections += part.drainingConnections
            total.inFlight += part.inFlight
            total.waiting += part.waiting
            total.byTopic[topic] = part
        }
        return total
    }

    private static func trustRoots(_ pem: String?) throws(APNsClientError) -> [NIOSSLCertificate] {
        guard let pem, !pem.isEmpty else { return [] }
        do {
            let certificates = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
            if certificates.isEmpty { throw APNsClientError.invalidConfiguration("additionalTrustRootsPEM holds no certificate") }
            return certificates
        } catch let error as APNsClientError {
            throw error
        } catch {
            throw .invalidConfiguration("additionalTrustRootsPEM is not PEM certificates: \(error)")
        }
    }

    private static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}

extension Logger {
    fileprivate func with(topic: String) -> Logger {
        var copy = self
        copy[metadataKey: "apns.topic"] = "\(topic)"
        return copy
    }
}
