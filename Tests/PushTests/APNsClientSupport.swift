import APNsMock
import Crypto
import Foundation
import Logging
import PassBuilder
@testable import Push
import Testing

/// Credentials for client tests against ``MockAPNs``: a server identity and the development PKI,
/// whose pass certificate (pass type `pass.dev.passline.loyalty`) is the TLS client certificate.
struct ClientFixture: Sendable {
    let identity: MockTLSIdentity
    let pki: DevelopmentPKI
    var topic: String { pki.identity.passTypeIdentifier }

    static let shared = Result { try ClientFixture() }
    static func get() throws -> ClientFixture { try shared.get() }

    private init() throws {
        identity = try MockTLSIdentity.generate()
        pki = try DevelopmentPKI.generate()
    }

    /// The pass certificate and its intermediate, so the mock can chain it to the development root.
    func credentials() throws -> APNsCredentials {
        try .certificate(chainPEM: pki.certificatePEM + "\n" + pki.intermediatePEM, privateKeyPEM: pki.keyPEM)
    }

    /// A certificate-mode mock (client certificates must chain to the development root).
    func mockConfiguration(maxConcurrentStreams: Int = 1000) -> MockAPNsConfiguration {
        MockAPNsConfiguration(identity: identity, clientCertificateAuthorityPEM: pki.rootPEM, maxConcurrentStreams: maxConcurrentStreams)
    }

    /// A client configuration aimed at `mock`, with test-sized timings.
    func clientConfiguration(_ mock: MockAPNs, connections: Int = 2) -> APNsClientConfiguration {
        var configuration = APNsClientConfiguration(
            url: mock.url,
            additionalTrustRootsPEM: identity.trustRootPEM,
            connectionsPerTopic: connections,
            // Generous: deadlines are a safety net here, not what most tests are about (those that
            // test them set their own); a loaded CI machine must not turn slowness into failures.
            requestTimeout: .seconds(120),
            reconnectBackoff: .init(base: .milliseconds(20), cap: .milliseconds(200)),
            connectionStagger: .zero
        )
        // Generous: the suite shares two cores with parallel builds and tests.
        configuration.connection.connectTimeout = .seconds(30)
        return configuration
    }

    func client(_ mock: MockAPNs, connections: Int = 2, configure: (inout APNsClientConfiguration) -> Void = { _ in }) throws -> APNsClient {
        var configuration = clientConfiguration(mock, connections: connections)
        configure(&configuration)
        return try APNsClient(configuration: configuration, credentials: [topic: try credentials()], logger: testLogger)
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "passline.apns-client.tests")
    // APNS_CLIENT_TEST_LOG=debug shows the client's connection events.
    logger.logLevel = ProcessInfo.processInfo.environment["APNS_CLIENT_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

/// A distinct valid token per index.
func pushToken(_ index: Int) -> PushToken {
    var hex = String(index, radix: 16)
    hex = String(repeating: "0", count: 64 - hex.count) + hex
    return try! PushToken(hex)
}

/// Starts a mock, runs `body` with a client for it, then shuts both down whatever happens.
func withClient<T>(
    _ fixture: ClientFixture,
    mock configuration: MockAPNsConfiguration? = nil,
    behavior: MockBehavior = MockBehavior(),
    connections: Int = 2,
    configure: (inout APNsClientConfiguration) -> Void = { _ in },
    _ body: (APNsClient, MockAPNs) async throws -> T
) async throws -> T {
    let mock = try await MockAPNs.start(configuration ?? fixture.mockConfiguration(), behavior: behavior)
    let client: APNsClient
    do {
        client = try fixture.client(mock, connections: connections, configure: configure)
    } catch {
        try? await mock.shutdown()
        throw error
    }
    do {
        let result = try await body(client, mock)
        await client.shutdown()
        try await mock.shutdown()
        return result
    } catch {
        await client.shutdown()
        try? await mock.shutdown()
        throw error
    }
}

/// A P-256 key for token authentication tests.
struct P256Key: Sendable {
    let key = P256.Signing.PrivateKey()
    var privatePEM: String { key.pemRepresentation }
    var publicPEM: String { key.publicKey.pemRepresentation }
}
