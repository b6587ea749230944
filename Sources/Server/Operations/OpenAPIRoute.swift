import Hummingbird
import NIOCore
import PassBuilder

/// `GET /api/v1/openapi.json`: the OpenAPI document, public (no Authorization).
///
/// The document is `Sources/Server/openapi.json`, the one source of the contract: the generator
/// builds the `/api/v1` types and server stubs from it, and SwiftPM compiles its bytes in
/// (`.embedInCode`), so the binary serves it with no file beside it.
enum OpenAPIRoute {
    /// The path, relative to the root router.
    static let path = "api/v1/openapi.json"

    /// The document's bytes.
    static let body = ByteBuffer(bytes: PackageResources.openapi_json)

    /// The document, parsed once (the explicit-null plans read it). The build already parsed it:
    /// the generator refuses a document that is not valid JSON, so this cannot fail at run time.
    static let document: JSONValue = {
        do { return try JSONValue(parsing: PackageResources.openapi_json) } catch {
            preconditionFailure("the embedded openapi.json does not parse: \(error)")
        }
    }()

    @Sendable static func document<Context: RequestContext>(_ request: Request, context: Context) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }

    /// Adds the route to `router` (the root router).
    static func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.get(RouterPath(path), use: document)
    }
}
