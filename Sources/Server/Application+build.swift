import Hummingbird
import Logging

/// The HTTP application: web service, pass API, operations.
public func buildRouter(service: PassService, adminToken: String, metrics: ServerMetrics, maxBodyBytes: Int) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    WebServiceRoutes<BasicRequestContext>(service: service, maxBodyBytes: maxBodyBytes).register(on: router)
    OperationsRoutes<BasicRequestContext>(service: service, metrics: metrics).register(on: router)
    let api = router.group("api/v1").add(middleware: AdminAuthMiddleware(token: adminToken))
    PassAPIRoutes<BasicRequestContext>(service: service, maxBodyBytes: maxBodyBytes).register(on: api)
    return router
}
