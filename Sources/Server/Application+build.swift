import Hummingbird
import Logging

/// The HTTP application: web service, card and pass API, operations.
public func buildRouter(
    service: PassService, loyalty: LoyaltyService, distribution: DistributionService?, adminToken: String, metrics: ServerMetrics, maxBodyBytes: Int,
    deviceLog: DeviceLogSettings = DeviceLogSettings(), trustForwardedFor: Bool = false,
    broadcasts: BroadcastRunner
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: UnexpectedErrorMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    WebServiceRoutes<AppRequestContext>(service: service, maxBodyBytes: maxBodyBytes).register(on: router)
    DeviceLogRoute(store: service.store, settings: deviceLog, trustForwardedFor: trustForwardedFor, maxBodyBytes: maxBodyBytes).register(on: router)
    OperationsRoutes<AppRequestContext>(service: service, metrics: metrics).register(on: router)
    // Public, on the root router: the API group's auth middleware wraps only routes added through it.
    router.get("api/v1/openapi.json", use: OpenAPIRoute.document)
    let api = router.group("api/v1").add(middleware: APIAuthMiddleware(adminToken: adminToken, keys: loyalty.keys))
    PassAPIRoutes(service: service, maxBodyBytes: maxBodyBytes).register(on: api)
    CardRoutes(loyalty: loyalty, maxBodyBytes: maxBodyBytes).register(on: api)
    ProgramRoutes(loyalty: loyalty, maxBodyBytes: maxBodyBytes).register(on: api)
    BroadcastRoutes(loyalty: loyalty, broadcasts: broadcasts, maxBodyBytes: maxBodyBytes).register(on: api)
    if let distribution {
        let pages = Pages()
        LinkRoutes(distribution: distribution, pages: pages).register(on: router)
        JoinRoutes(distribution: distribution, pages: pages).register(on: router)
        LinkAPIRoutes(distribution: distribution, maxBodyBytes: maxBodyBytes).register(on: api)
    }
    return router
}
