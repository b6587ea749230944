import Hummingbird
import PassBuilder

/// `/healthz` and `/metrics`.
struct OperationsRoutes<Context: RequestContext>: Sendable {
    let service: PassService
    let metrics: ServerMetrics

    func register(on router: some RouterMethods<Context>) {
        router.get("healthz", use: health)
        router.get("metrics", use: exposition)
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        do {
            try await service.checkStorage()
            return .json(.object(["status": .string("ok"), "database": .string("ok")]))
        } catch {
            context.logger.error("health check: database unreachable", metadata: ["error": "\(error)"])
            return .json(.object(["status": .string("unavailable"), "database": .string("unreachable")]), status: .serviceUnavailable)
        }
    }

    @Sendable func exposition(_ request: Request, context: Context) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}
