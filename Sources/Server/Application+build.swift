import Hummingbird
import Logging

/// The HTTP application: web service, card and pass API, operations.
public func buildRouter(
    service: PassService, loyalty: LoyaltyService, distribution: DistributionService?, adminToken: String, metrics: ServerMetrics, maxBodyBytes: Int,
    deviceLog: DeviceLogSettings = DeviceLogSettings(), trustForwardedFor: Bool = false,
    broadcasts: BroadcastRunner, google: GoogleWalletService? = nil, reports: ReportService, imports: ImportService, adminSessionKey: [UInt8]
) throws -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: UnexpectedErrorMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    WebServiceRoutes<AppRequestContext>(service: service, maxBodyBytes: maxBodyBytes).register(on: router)
    DeviceLogRoute(store: service.store, settings: deviceLog, trustForwardedFor: trustForwardedFor, maxBodyBytes: maxBodyBytes).register(on: router)
    OperationsRoutes<AppRequestContext>(service: service, metrics: metrics).register(on: router)
    // Public: the contract itself.
    OpenAPIRoute.register(on: router)
    try PasslineAPI(passes: service, loyalty: loyalty, broadcasts: broadcasts, distribution: distribution, google: google, reports: reports, imports: imports)
        .register(on: router, adminToken: adminToken, maxBodyBytes: maxBodyBytes)
    if let distribution {
        let pages = Pages()
        LinkRoutes(distribution: distribution, pages: pages, google: google).register(on: router)
        JoinRoutes(distribution: distribution, pages: pages).register(on: router)
    }
    if let google { GoogleWalletRoutes(google: google, maxBodyBytes: maxBodyBytes).register(on: router) }
    AdminRoutes(service: service, loyalty: loyalty, reports: reports, google: google, adminToken: adminToken, sessionKey: adminSessionKey, trustForwardedFor: trustForwardedFor).register(on: router)
    return router
}
