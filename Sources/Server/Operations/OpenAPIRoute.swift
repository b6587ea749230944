import Hummingbird
import NIOCore

/// `GET /api/v1/openapi.json`: the OpenAPI document (docs/openapi.json, embedded by
/// scripts/embed-openapi.sh), public — no Authorization.
///
/// Register it on the root router, not on the `api/v1` group: a group's middleware (the bearer
/// check) wraps only the routes added through that group.
enum OpenAPIRoute {
    /// The path, relative to the root router.
    static let path = "api/v1/openapi.json"

    /// The document's bytes, built once.
    static let body = ByteBuffer(string: OpenAPIDocument.json)

    @Sendable static func document<Context: RequestContext>(_ request: Request, context: Context) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }

    /// Adds the route to `router` (the root router).
    static func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.get(RouterPath(path), use: document)
    }
}
