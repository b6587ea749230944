import Crypto
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL

/// A faithful mock of APNs for tests, benchmarks and `passline dev apns-mock`: TLS 1.2+ with ALPN `h2`, HTTP/2, the
/// request checks APNs makes (see ``MockAPNsConfiguration``), APNs's stream throttling, and injected faults
/// (``MockBehavior``). It counts what it received (``stats()``).
///
/// ```swift
/// let mock = try await MockAPNs.start(MockAPNsConfiguration(identity: try .generate()))
/// defer { Task { try await mock.shutdown() } }
/// // point a client at mock.url, trusting mock.configuration.identity.trustRootPEM
/// ```
public final class MockAPNs: Sendable {
    /// The configuration it was started with (port as requested, see ``port`` for the real one).
    public let configuration: MockAPNsConfiguration
    /// The port it listens on.
    public let port: Int
    private let serverChannel: any Channel
    private let state: MockState
    private let connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>
    private let logger: Logger

    private init(configuration: MockAPNsConfiguration, port: Int, serverChannel: any Channel, state: MockState,
                 connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>, logger: Logger) {
        self.configuration = configuration
        self.port = port
        self.serverChannel = serverChannel
        self.state = state
        self.connections = connections
        self.logger = logger
    }

    /// `https://HOST:PORT` (a wildcard host is given as 127.0.0.1).
    public var url: String {
        var host = configuration.host
        if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        if host.contains(":") { host = "[\(host)]" }
        return "https://\(host):\(port)"
    }

    /// Starts listening. `onAccepted` hears the device token of every push answered 200 (a device fleet acts on it).
    /// - Throws: ``MockAPNsError`` for an unusable identity, client CA or token key; NIO's error if it cannot bind.
    public static func start(
        _ configuration: MockAPNsConfiguration,
        behavior: MockBehavior = MockBehavior(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "passline.apns-mock"),
        onAccepted: (@Sendable (String) -> Void)? = nil
    ) async throws -> MockAPNs {
        guard configuration.maxConcurrentStreams >= 1 else {
            throw MockAPNsError("maxConcurrentStreams must be at least 1, not \(configuration.maxConcurrentStreams)")
        }
        let sslContext = try makeSSLContext(configuration)
        var publicKey: P256.Signing.PublicKey?
        if let pem = configuration.tokenAuthenticationPublicKeyPEM {
            do { publicKey = try P256.Signing.PublicKey(pemRepresentation: pem) } catch {
                throw MockAPNsError("token authentication key is not a P-256 public key in PEM: \(error)")
            }
        }
        let tokenKey = publicKey
        let state = MockState(behavior: behavior, recordTokens: configuration.recordTokens, onAccepted: onAccepted)
        let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        let certificateMode = configuration.clientCertificateAuthorityPEM != nil
        let maxStreams = configuration.maxConcurrentStreams
        var http2 = NIOHTTP2Handler.ConnectionConfiguration()
        http2.initialSettings = MockConnectionHandler.initialSettings(certificateMode: certificateMode, maxConcurrentStreams: maxStreams)
        // Clients ACK every SETTINGS the throttling sends and may PING often; don't mistake that for a flood.
        http2.controlFrameRateLimit.maximumCount = 1_000_000
        http2.controlFrameRateLimit.windowLength = .seconds(1)
        http2.maximumBufferedControlFrames = 100_000
        var streamConfiguration = NIOHTTP2Handler.StreamConfiguration()
        streamConfiguration.streamResetFrameRateLimit.maximumCount = 1_000_000
        streamConfiguration.streamResetFrameRateLimit.windowLength = .seconds(1)
        let connectionConfiguration = http2
        let streams = streamConfiguration

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ssl = NIOSSLServerHandler(context: sslContext)
                    let handler = MockConnectionHandler(
                        state: state, sslHandler: ssl, certificateMode: certificateMode, maxConcurrentStreams: maxStreams,
                        tokenCheck: ProviderTokenCheck(publicKey: tokenKey), logger: logger)
                    try channel.pipeline.syncOperations.addHandlers([
                        ssl,
                        NIOHTTP2Handler(mode: .server, connectionConfiguration: connectionConfiguration, streamConfiguration: streams),
                        handler,
                    ])
                    let id = ObjectIdentifier(channel)
                    connections.withLockedValue { $0[id] = channel }
                    channel.closeFuture.whenComplete { _ in connections.withLockedValue { _ = $0.removeValue(forKey: id) } }
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        let port = channel.localAddress?.port ?? configuration.port
        logger.debug("mock APNs listening", metadata: ["port": "\(port)"])
        return MockAPNs(configuration: configuration, port: port, serverChannel: channel, state: state, connections: connections, logger: logger)
    }

    private static func makeSSLContext(_ configuration: MockAPNsConfiguration) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(configuration.identity.certificateChainPEM.utf8))
            key = try NIOSSLPrivateKey(bytes: Array(configuration.identity.privateKeyPEM.utf8), format: .pem)
        } catch {
            throw MockAPNsError("server identity is not a PEM certificate chain and key: \(error)")
        }
        guard !chain.isEmpty else { throw MockAPNsError("server identity has no certificate") }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["h2"]
        tls.shutdownTimeout = .seconds(1)
        if let caPEM = configuration.clientCertificateAuthorityPEM {
            let authorities: [NIOSSLCertificate]
            do { authorities = try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)) } catch {
                throw MockAPNsError("client certificate authority is not PEM: \(error)")
            }
            guard !authorities.isEmpty else { throw MockAPNsError("client certificate authority PEM holds no certificate") }
            tls.certificateVerification = .noHostnameVerification
            tls.trustRoots = .certificates(authorities)
            tls.sendCANameList = true
        }
        do { return try NIOSSLContext(configuration: tls) } catch {
            throw MockAPNsError("TLS configuration refused: \(error)")
        }
    }

    /// Replaces the behaviour for the requests that complete from now on; scripted lists and the random generator start afresh.
    public func setBehavior(_ behavior: MockBehavior) {
        state.setBehavior(behavior)
    }

    /// The current behaviour.
    public var behavior: MockBehavior { state.behavior }

    /// A snapshot of the statistics.
    public func stats() -> MockAPNsStats {
        state.stats(includingTokens: true)
    }

    /// A snapshot of the statistics; without ``MockAPNsStats/acceptedByToken`` when `includingTokens` is false, which
    /// is cheap however many tokens were recorded.
    public func stats(includingTokens: Bool) -> MockAPNsStats {
        state.stats(includingTokens: includingTokens)
    }

    /// Zeroes the statistics.
    public func resetStats() {
        state.resetStats()
    }

    /// Waits until `condition` holds for the statistics (polled every few milliseconds, without ``MockAPNsStats/acceptedByToken``
    /// unless `includingTokens`).
    /// - Throws: ``MockAPNsError`` after `timeout`, with the last statistics.
    public func waitUntil(
        timeout: Duration, includingTokens: Bool = false, _ what: String = "condition",
        _ condition: @Sendable (MockAPNsStats) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let stats = state.stats(includingTokens: includingTokens)
            if condition(stats) { return }
            if ContinuousClock.now >= deadline {
                throw MockAPNsError("timed out after \(timeout) waiting for \(what); requests \(stats.requests), by status \(stats.byStatus)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// How many connections are open now.
    public var openConnections: Int { connections.withLockedValue { $0.count } }

    /// Stops listening and closes every connection.
    public func shutdown() async throws {
        try? await serverChannel.close()
        let open = connections.withLockedValue { Array($0.values) }
        for channel in open {
            try? await channel.close()
        }
        logger.debug("mock APNs stopped", metadata: ["port": "\(port)"])
    }
}

/// Why a ``MockAPNs`` could not start or a wait ran out.
public struct MockAPNsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
