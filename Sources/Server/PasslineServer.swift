import Bitrix24
import Core
import Distribution
import Foundation
import GoogleWallet
import Hummingbird
import Logging
import NIOCore
import PassBuilder
import Storage
import ServiceLifecycle

/// Everything `passline serve` starts, assembled from a ``ServerConfiguration``.
public struct PasslineServer: Sendable {
    public let configuration: ServerConfiguration
    public let database: any Database
    public let service: PassService
    public let loyalty: LoyaltyService
    public let metrics: ServerMetrics
    /// The push dispatcher and APNs client; runs with the application.
    public let push: PushService
    /// Runs broadcasts and counts their fetch-backs; started with the application.
    public let broadcasts: BroadcastRunner
    /// Download links, SMS and self-registration; its worker starts with the application.
    public let distribution: DistributionService
    /// The Bitrix24 application: install, events, robots.
    let bitrix24: Bitrix24Service
    /// What the Bitrix24 robots, events, webhooks and card tab do, through the services above.
    let bitrix24Actions: Bitrix24Actions
    /// Google Wallet; nil when it is off.
    public let google: GoogleWalletService?
    /// The program's figures over a period.
    public let reports: ReportService
    /// Imports of an existing client base, and exports.
    public let imports: ImportService
    public let adminToken: String
    /// The dashboard's key for its sessions, derived from the current secret.
    let adminSessionKey: [UInt8]
    /// True when the admin token was generated now (print it once).
    public let adminTokenCreated: Bool
    /// Set when no credentials were configured and the development PKI is used.
    public let developmentCertificates: String?

    /// Opens the database named by `url`, keeps its connection pool running while `body` runs
    /// (PostgreSQL's pool runs only inside `run`), then closes it.
    public static func withDatabase<T: Sendable>(
        url: String, logger: Logger, _ body: @Sendable (any Database) async throws -> T
    ) async throws -> T {
        let database = try await DatabaseURL.open(try DatabaseURL(parsing: url), logger: logger)
        // postgres-nio's pool retries an unreachable server forever; fail the start instead.
        do { try await database.checkConnection() } catch {
            try? await database.shutdown()
            throw error
        }
        do {
            let result = try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
                // Wait until the pool's task has started, so that no lease comes before `run`.
                let (started, signal) = AsyncStream<Void>.makeStream()
                group.addTask {
                    signal.finish()
                    try await database.run()
                }
                for await _ in started {}
                defer { group.cancelAll() }
                return try await body(database)
            }
            try await database.shutdown()
            return result
        } catch {
            try? await database.shutdown()
            throw error
        }
    }

    /// Migrates the database (whose pool must be running: see ``withDatabase(url:logger:_:)``),
    /// loads credentials and templates; throws with a clear message on anything unusable.
    public static func prepare(configuration: ServerConfiguration, database: any Database, logger: Logger) async throws -> PasslineServer {
        try await Migrations.run(on: database)
        let data = DataDirectory(path: configuration.dataDirectory)
        // First, so whatever is written into it later (certificates, program, SMS file) is private.
        try data.create()
        let secrets = try data.secrets(configured: configuration.secretHex, configuredPrevious: configuration.previousSecretsHex)
        let admin = try data.adminToken(configured: configuration.adminToken)
        let (signer, devDir) = try loadCredentials(configuration)
        let report = CredentialReport.check(signer)
        for finding in report.findings where finding.level != .ok {
            logger.warning("credentials: \(finding.message)")
        }
        guard report.isUsable else {
            throw CredentialError(report.findings.filter { $0.level == .error }.map(\.message).joined(separator: "; "))
        }
        // Each part is built once, after what it needs, and handed what it needs.
        let metrics = ServerMetrics()
        let program = try ProgramFile(path: URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("program.json").path)
        var broadcastOptions = BroadcastRunner.Options()
        broadcastOptions.batchSize = configuration.broadcastBatchSize
        // Fetch-backs are counted where devices are served and written by the broadcast runner.
        let fetches = BroadcastFetchCounter()
        let service = try PassService(
            store: RegistryStore(database: database), signer: signer, tokens: AuthenticationTokens(ring: secrets),
            templatesDirectory: configuration.templatesDirectory, webServiceURL: configuration.resolvedPublicURL,
            cacheBytes: configuration.passCacheBytes, metrics: metrics,
            content: CardPassContent(program: program, broadcasts: BroadcastStore(database: database)), fetches: fetches)
        let broadcasts = BroadcastRunner(
            store: BroadcastStore(database: database), outbox: PushOutboxStore(database: database), options: broadcastOptions, logger: logger,
            fetches: fetches, signer: service)
        // Google Wallet's ids are known before any call: issuing a card makes its object's row in the same transaction.
        let googleMapping = try configuration.google.map { google in
            GoogleWalletMapping(
                template: try service.factory(configuration.loyaltyTemplate).template, issuer: google.issuerID,
                publicURL: configuration.resolvedPublicURL, defaultLanguage: program.program.sms?.locale ?? "ru")
        }
        let loyalty = try LoyaltyService(
            ledger: LedgerStore(database: database), keys: APIKeyStore(database: database), passes: service, program: program,
            template: configuration.loyaltyTemplate, google: googleMapping.map(GoogleObjectIDs.init))
        let distribution = try makeDistribution(configuration, data: data, secrets: secrets, database: database, loyalty: loyalty, logger: logger)
        let push = try PushService.make(
            settings: configuration.push, signer: signer, developmentCertificates: devDir != nil, database: database, metrics: metrics, logger: logger)
        let bitrix24 = Bitrix24Service(
            store: Bitrix24Store(database: database), sealer: TokenSealer(ring: secrets), placementTokens: PlacementTokens(secret: secrets.current), settings: configuration.bitrix24,
            publicURL: configuration.resolvedPublicURL, http: CurlHTTPClient(), queued: ChangeSignal())
        let bitrix24Actions = Bitrix24Actions(
            loyalty: loyalty, distribution: distribution, broadcasts: broadcasts, store: bitrix24.store, onReopen: bitrix24.settings.onReopen)
        var google: GoogleWalletService?
        if var settings = configuration.google, let mapping = googleMapping {
            if settings.origins.isEmpty { settings.origins = [configuration.resolvedPublicURL] }
            let http = CurlHTTPClient()
            google = GoogleWalletService(
                configuration: settings, send: { try await http.send($0) }, database: database, loyalty: loyalty, mapping: mapping, logger: logger)
        }
        let reports = ReportService(database: database, loyalty: loyalty, crmContacts: CRMContactCount(bitrix24: bitrix24),
            currentMaxAge: configuration.reportCurrentMaxAge)
        let imports = ImportService(database: database, loyalty: loyalty, logger: logger)
        if let reason = push.disabledReason {
            logger.notice("pushes are off: \(reason); changes wait in the outbox")
        }
        return PasslineServer(
            configuration: configuration, database: database, service: service, loyalty: loyalty, metrics: metrics, push: push, broadcasts: broadcasts,
            distribution: distribution, bitrix24: bitrix24, bitrix24Actions: bitrix24Actions, google: google, reports: reports, imports: imports,
            adminToken: admin.token, adminSessionKey: KeyDerivation.derive(secrets.current, label: "passline admin sessions v1"), adminTokenCreated: admin.created, developmentCertificates: devDir)
    }

    static func loadCredentials(_ c: ServerConfiguration) throws -> (SigningCredentials, String?) {
        var intermediates: [String] = c.wwdrCertificate.map { [$0] } ?? []
        if intermediates.isEmpty, FileManager.default.fileExists(atPath: "Certificates/AppleWWDRCAG4.cer") {
            intermediates = ["Certificates/AppleWWDRCAG4.cer"]
        }
        if let p12 = c.passP12 {
            return (try SigningCredentials.load(files: CredentialFiles(source: .p12(p12), password: c.passPassword, intermediates: intermediates)), nil)
        }
        if c.passCertificate != nil || c.passKey != nil {
            guard let cert = c.passCertificate, let key = c.passKey else {
                throw CredentialError("PASSLINE_PASS_CERT and PASSLINE_PASS_KEY go together")
            }
            return (try SigningCredentials.load(files: CredentialFiles(source: .pem(certificate: cert, key: key), password: c.passPassword, intermediates: intermediates)), nil)
        }
        let dir = URL(fileURLWithPath: c.dataDirectory).appendingPathComponent("dev-certs").path
        try DevelopmentPKI.ensure(in: dir)
        var files = DevelopmentPKI.files(in: dir)
        if let wwdr = c.wwdrCertificate { files.intermediates = [wwdr] }
        return (try SigningCredentials.load(files: files), dir)
    }

    /// Every route the server answers.
    func router() throws -> Router<AppRequestContext> {
        let router = try buildRouter(
            service: service, loyalty: loyalty, distribution: distribution, adminToken: adminToken, metrics: metrics, maxBodyBytes: configuration.maxBodyBytes,
            deviceLog: configuration.deviceLog, trustForwardedFor: configuration.distribution.trustForwardedFor,
            broadcasts: broadcasts, google: google, reports: reports, imports: imports, adminSessionKey: adminSessionKey)
        let placement = Bitrix24Placement(
            service: bitrix24, actions: bitrix24Actions, http: bitrix24.http, pages: Pages(extra: ["bitrix24Placement": Bitrix24PlacementPage.template]))
        Bitrix24Routes(service: bitrix24, placement: placement).register(on: router)
        return router
    }

    /// The HTTP application.
    public func application(logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let router = try router()
        var services: [any Service] = [
            broadcasts, DistributionWorker(distribution: distribution), push.lifecycleService,
            Bitrix24Worker(service: bitrix24, actions: bitrix24Actions, http: bitrix24.http, logger: logger),
        ]
        services.append(VersionListener(database: database))
        services.append(ImportWorker(imports: imports))
        if let google { services.append(GoogleWalletWorker(google: google)) }
        services.append(ReportWorker(reports: reports, logger: logger))
        let fastPath = CachedPassFastPath(service: service, serverName: "Passline")
        let timeouts = (idle: TimeAmount(configuration.httpIdleTimeout), read: TimeAmount(configuration.httpReadTimeout))
        return Application(
            router: router,
            // Device fetches of unchanged passes are answered before the router (see CachedPassHandler);
            // idle and slow connections are closed in front of it (see ConnectionTimeoutHandler).
            server: .http1(configuration: .init(additionalChannelHandlers: [
                ConnectionTimeoutHandler.Installer(idleTimeout: timeouts.idle, readTimeout: timeouts.read),
                CachedPassHandler.Installer(fastPath: fastPath),
            ])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Passline"),
            services: services,
            onServerRunning: onServerRunning,
            logger: logger)
    }
}
