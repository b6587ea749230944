import Bitrix24
import Foundation
import Hummingbird
import PassBuilder
import Storage

/// The portal's calls: `POST /bitrix24/install` (the `ONAPPINSTALL` the portal posts, or the
/// install page its iframe opens), `POST /bitrix24/event` and `POST /bitrix24/robot`. Bodies are
/// form-encoded, as Bitrix24 sends them. A request that is not the installed portal's is 401 and
/// changes nothing; a malformed one is 400 naming the field.
struct Bitrix24Routes: Sendable {
    typealias Context = AppRequestContext
    let service: Bitrix24Service
    let placement: Bitrix24Placement
    /// Largest form accepted (events and robot calls are a few hundred bytes).
    static let maxFormBytes = 64 * 1024

    func register(on router: some RouterMethods<Context>) {
        router.post("bitrix24/install", use: install)
        router.post("bitrix24/event") { request, _ in
            try await service.receive(try await Self.form(request))
            return Self.ok()
        }
        router.post("bitrix24/robot") { request, _ in
            try await service.robot(try await Self.form(request))
            return Self.ok()
        }
        // The tab: the portal's fields come in the query and the body (the body wins).
        router.post("bitrix24/placement") { request, _ in
            try await placement.open(try await Self.form(request, withQuery: true))
        }
        router.post("bitrix24/placement/action") { request, _ in
            try await placement.act(try await Self.form(request))
        }
        router.post("bitrix24/webhook/{action}") { request, context in
            let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first })
            try await service.webhook(context.parameters.get("action") ?? "", query: query, form: try await Self.form(request))
            return Self.ok()
        }
    }

    /// The portal posts `event=ONAPPINSTALL` with the tokens; a browser opening the app's install
    /// page in the portal's iframe gets the page that tells the portal the install is finished.
    @Sendable func install(_ request: Request, _ context: Context) async throws -> Response {
        let form = try await Self.form(request)
        guard form["event"] != nil else { return Self.installPage(domain: form["DOMAIN"]) }
        do {
            let outcome = try await service.install(form)
            return Response.json(.object(["installed": .bool(true), "reinstalled": .bool(outcome == .reinstalled)]))
        } catch let refusal as Bitrix24Service.Refusal {
            throw Self.error(refusal)
        }
    }

    static func form(_ request: Request) async throws -> FormFields {
        guard let buffer = try? await request.body.collect(upTo: maxFormBytes) else { throw APIError(.contentTooLarge, "the form is larger than \(maxFormBytes / 1024) KB") }
        guard let form = FormFields(Array(buffer.readableBytesView)) else { throw APIError.badRequest("the body is not form-encoded (application/x-www-form-urlencoded)") }
        return form
    }

    /// The form with the query's fields after it (a field in both: the body's is found first).
    static func form(_ request: Request, withQuery: Bool) async throws -> FormFields {
        let body = try await form(request)
        guard withQuery else { return body }
        return body.appending(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
    }

    static func ok() -> Response { Response.json(.object(["result": .bool(true)])) }

    static func error(_ refusal: Bitrix24Service.Refusal) -> APIError {
        switch refusal {
        case .badInput(let error): APIError.badRequest(error.message, field: error.field)
        case .unauthorized(let why): APIError(.unauthorized, why)
        case .otherPortal(let installed): APIError(.conflict, "this server already serves the portal \(installed); one portal per server (uninstall the application there first)")
        case .notConfigured(let why): APIError(.notFound, why)
        case .replayed(let why): APIError(.conflict, why)
        case .unavailable(let why): APIError(.serviceUnavailable, why)
        }
    }

    /// The install page: finishes the install from inside the portal (`BX24.installFinish()`),
    /// framed by the portal only.
    static func installPage(domain: String?) -> Response {
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>Passline</title>
            <script src="https://api.bitrix24.com/api/v1/"></script></head>
            <body><p>Passline is installed. / Passline установлен.</p>
            <script>BX24.init(function () { BX24.installFinish(); });</script></body></html>
            """
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        let host = domain.flatMap { try? InboundAuth.host($0, field: "DOMAIN") }
        headers[.contentSecurityPolicy] = "frame-ancestors 'self'" + (host.map { " https://\($0)" } ?? "")
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

extension Bitrix24Service.Refusal: HTTPResponseError {
    var status: HTTPResponse.Status { Bitrix24Routes.error(self).status }
    func response(from request: Request, context: some RequestContext) throws -> Response {
        try Bitrix24Routes.error(self).response(from: request, context: context)
    }
}
