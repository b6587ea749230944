import Foundation
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime
import PassBuilder

/// `/api/v1`: the operations of openapi.json, each a method of the generated `APIProtocol`
/// implemented in its capability's folder (`Cards/CardsAPI.swift`, `Passes/PassesAPI.swift`, …).
/// Handlers call services only; refusals are thrown as ``APIError``.
struct PasslineAPI: APIProtocol {
    let passes: PassService
    let loyalty: LoyaltyService
    let broadcasts: BroadcastRunner
    /// Nil when distribution is off: its operations answer 404.
    let distribution: DistributionService?
    /// Nil when Google Wallet is off: its operation answers 404.
    var google: GoogleWalletService? = nil
    let reports: ReportService
    let imports: ImportService

    /// Registers every operation on `router`, behind the API middlewares (outermost first):
    /// problem+json answers, authentication and scopes, path parameters, the body limit, idempotency keys, the
    /// explicit nulls of the document, and plain response headers.
    func register(on router: Router<AppRequestContext>, adminToken: String, maxBodyBytes: Int) throws {
        try registerHandlers(
            on: router, serverURL: URL(string: "/")!,
            configuration: Configuration(jsonEncodingOptions: [.sortedKeys]),
            middlewares: [
                ProblemMiddleware(),
                APIAuthMiddleware(adminToken: adminToken, keys: loyalty.keys),
                PathSegmentsMiddleware(),
                BodyLimitMiddleware(maxBodyBytes: maxBodyBytes, overrides: [Operations.CreateBroadcast.id: BroadcastsAPI.maxBody, Operations.CreateImport.id: ImportsAPI.maxBody]),
                IdempotencyMiddleware(database: loyalty.ledger.database),
                ExplicitNullsMiddleware(plans: NullPlan.plans(in: OpenAPIRoute.document)),
                PlainHeadersMiddleware(),
            ])
    }

    /// The distribution service, or 404 when it is off.
    func requireDistribution() throws -> DistributionService {
        guard let distribution else { throw APIError.notFound("distribution (links and SMS) is not configured on this server") }
        return distribution
    }
}
