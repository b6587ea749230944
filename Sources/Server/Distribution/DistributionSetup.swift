import Core
import Distribution
import Foundation
import Logging
import Storage

extension PasslineServer {
    /// The distribution service of a configuration: its SMS gateway, the link and webhook keys.
    /// A link's HMAC key derives from the server secret (earlier secrets still verify); the webhook's is configured or generated
    /// once into the data directory (`webhook-secret`).
    static func makeDistribution(
        _ configuration: ServerConfiguration, data: DataDirectory, secrets: SecretRing, database: any Database, loyalty: LoyaltyService, logger: Logger
    ) throws -> DistributionService {
        let settings = configuration.distribution
        let http = CurlHTTPClient()
        let gateway = try DistributionService.makeGateway(settings, dataDirectory: configuration.dataDirectory, http: http, logger: logger)
        if case .dev(let file) = settings.gateway {
            logger.notice("SMS go to the development sink (\(file ?? "DATA_DIR/dev-sms.jsonl") and this log); set PASSLINE_SMS_GATEWAY=http for a provider")
        }
        let webhookSecret = try settings.joinWebhookSecret.map { Array($0.utf8) }
            ?? Array(data.readOrCreate("webhook-secret", { RandomToken.hex(bytes: 32) }).value.utf8)
        return DistributionService(
            store: DistributionStore(database: database), loyalty: loyalty, settings: settings, gateway: gateway, http: http,
            publicURL: configuration.resolvedPublicURL, secrets: secrets, webhookSecret: webhookSecret, logger: logger)
    }
}
