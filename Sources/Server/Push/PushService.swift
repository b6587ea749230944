import Crypto
import Foundation
import Logging
import NIOCore
import PassBuilder
import Push
import Storage
import ServiceLifecycle

/// The server's push side: the APNs client for the pass type, the Android webhook sender and the
/// dispatcher that drains the outbox through them.
public struct PushService: Sendable {
    /// Nil when pushing is off (development certificates without a mock, or `PASSLINE_APNS_URL=off`).
    public let dispatcher: PushDispatcher?
    /// Why pushing is off, for the start-up log.
    public let disabledReason: String?
    let client: APNsClient?
    let database: (any Database)?

    /// Pushing off.
    static func disabled(_ reason: String) -> PushService {
        PushService(dispatcher: nil, disabledReason: reason, client: nil, database: nil)
    }

    /// Builds the push side; throws with a clear message on unusable settings (a certificate that is
    /// not for the pass type, an unreadable CA or key file).
    static func make(
        settings: PushSettings, signer: SigningCredentials, developmentCertificates: Bool, database: any Database,
        metrics: ServerMetrics, logger: Logger
    ) throws -> PushService {
        let url: String
        switch settings.endpoint {
        case .off:
            return .disabled("PASSLINE_APNS_URL=off")
        case .automatic where developmentCertificates:
            return .disabled("development certificates: APNs would refuse them; set PASSLINE_APNS_URL (e.g. to `passline dev apns-mock`) to push")
        case .automatic:
            url = "https://api.push.apple.com"
        case .url(let u):
            url = u
        }
        var configuration = APNsClientConfiguration()
        configuration.url = url
        configuration.connectionsPerTopic = settings.connections
        configuration.expiration = settings.expiration
        if let file = settings.caFile {
            guard let pem = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ServerConfiguration.Invalid(description: "PASSLINE_APNS_CA_FILE=\(file): cannot be read")
            }
            configuration.additionalTrustRootsPEM = pem
        }
        let topic = signer.identity.passTypeIdentifier
        let credentials: APNsCredentials
        if let keyFile = settings.tokenKeyFile, let keyID = settings.tokenKeyID, let teamID = settings.tokenTeamID {
            guard let pem = try? String(contentsOfFile: keyFile, encoding: .utf8) else {
                throw ServerConfiguration.Invalid(description: "PASSLINE_APNS_KEY_FILE=\(keyFile): cannot be read")
            }
            credentials = .token(teamID: teamID, keyID: keyID, privateKeyPEM: pem)
        } else {
            credentials = .certificate(chainDER: signer.certificateChainDER, privateKeyPEM: try signer.privateKeyPEM())
        }
        let client = try APNsClient(configuration: configuration, credentials: [topic: credentials], logger: logger)
        var dispatch = PushDispatcherConfiguration()
        switch settings.rate {
        case .automatic: dispatch.pushesPerSecond = Self.measuredSigningRate(signer) * Self.fetchBackShare(database.dialect)
        case .perSecond(let r): dispatch.pushesPerSecond = r
        case .unlimited: dispatch.pushesPerSecond = nil
        }
        let dispatcher = PushDispatcher(
            outbox: RegistryPushOutbox(store: PushOutboxStore(database: database), lease: settings.lease),
            apple: client, android: settings.androidWebhook.map { webhook in
                AndroidWebhookSender(url: webhook.url, key: SymmetricKey(data: Array(webhook.secret.utf8)))
            },
            configuration: dispatch, observer: PushMetrics(registry: metrics.registry), logger: logger)
        return PushService(dispatcher: dispatcher, disabledReason: nil, client: client, database: database)
    }

    /// The share of the bare signing rate at which this server answers fetches of changed passes
    /// (each a read, a signature and a 39 KB response): measured by scripts/bench-broadcast.sh at
    /// 0.49–0.60 on SQLite and 0.26–0.30 on PostgreSQL (docs/benchmarks.md), and a fifth of that
    /// kept back for everything else.
    static func fetchBackShare(_ dialect: SQLDialect) -> Double {
        switch dialect {
        case .sqlite: return 0.5 * 0.8
        case .postgres: return 0.25 * 0.8
        }
    }

    /// Bare signatures per second on all cores. Each push makes a phone fetch its changed pass,
    /// which costs one signature (docs/push.md).
    static func measuredSigningRate(_ signer: some PassSigner) -> Double {
        let manifest = [UInt8](repeating: 0x61, count: 1_024)
        let rounds = 40
        let start = ContinuousClock.now
        for _ in 0..<rounds { _ = try? signer.sign(manifest: manifest, signingTime: Date()) }
        let elapsed = start.duration(to: .now)
        let seconds = max(1e-6, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return (Double(rounds) / seconds * Double(ProcessInfo.processInfo.activeProcessorCount)).rounded()
    }

    /// The dispatcher as a service of the application; a no-op when pushing is off.
    var lifecycleService: some Service { DispatcherService(push: self) }
}

/// Runs the dispatcher until graceful shutdown, then closes the APNs connections.
struct DispatcherService: Service {
    let push: PushService

    func run() async throws {
        guard let dispatcher = push.dispatcher, let database = push.database else {
            try? await gracefulShutdown()
            return
        }
        await withDiscardingTaskGroup { group in
            // Commits in this process wake the dispatcher at once…
            group.addTask {
                for await _ in database.pushDue.notifications { dispatcher.wake() }
            }
            // …and so do other servers' commits (PostgreSQL: NOTIFY is delivered on commit).
            group.addTask { await database.listenForPushesDue { dispatcher.wake() } }
            await cancelWhenGracefulShutdown { await dispatcher.run() }
            group.cancelAll()
        }
        await push.client?.shutdown()
    }
}
