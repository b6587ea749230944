import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import PassBuilder
import Synchronization

/// ``MockPortal`` over HTTP, as a portal and Bitrix24's OAuth server answer:
/// - `POST /rest/{method}[.json]` with the app's token as `auth` (in the JSON or form body, or
///   the query);
/// - `POST /rest/{user}/{secret}/{method}[.json]`, an incoming webhook;
/// - `GET /oauth/token/?grant_type=refresh_token&…`.
///
/// The portal is shared state behind a mutex: tests read and change it between calls.
public final class Bitrix24MockServer: Sendable {
    public let portal: Mutex<MockPortal>
    private let clock: @Sendable () -> Double

    public init(portal: MockPortal = MockPortal(), clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.portal = Mutex(portal)
        self.clock = clock
    }

    /// Reads or changes the portal.
    public func with<T>(_ body: (inout MockPortal) -> T) -> T { portal.withLock { body(&$0) } }

    /// The HTTP application, on `host:port` (port 0: any free port).
    public func application(host: String = "127.0.0.1", port: Int = 0, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let router = Router()
        router.post("/rest/**") { request, context in
            let parts = context.parameters.getCatchAll().map(String.init)
            switch parts.count {
            case 1: return try await self.rest(request, method: parts[0], webhook: nil)
            case 3: return try await self.rest(request, method: parts[2], webhook: (Int(parts[0]) ?? -1, parts[1]))
            default: return Self.response(.error(404, "ERROR_METHOD_NOT_FOUND", "Method not found!"))
            }
        }
        // A record's page with the app's tab, for a browser: /crm/deal/details/5/, /crm/contact/details/7/.
        router.get("/crm/{entity}/details/{id}/") { _, context in
            let entity = context.parameters.get("entity") ?? "", id = Int64(context.parameters.get("id") ?? "") ?? 0
            let placement = entity == "deal" ? "CRM_DEAL_DETAIL_TAB" : "CRM_CONTACT_DETAIL_TAB"
            guard let html = self.portal.withLock({ $0.recordPage(placement, id: id) }) else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        // Control, for trying the app by hand (not part of Bitrix24): the portal's records and the
        // robots' answers; a deal moved to a stage (S won, F lost, P in progress), which queues
        // its offline event as the portal does.
        router.get("/mock/state") { _, _ in
            let state = self.portal.withLock { p in
                JSONValue.object([
                    "contacts": .object(Dictionary(uniqueKeysWithValues: p.contacts.map { (String($0.key), JSONValue.object($0.value)) })),
                    "deals": .object(Dictionary(uniqueKeysWithValues: p.deals.map { (String($0.key), JSONValue.object($0.value)) })),
                    "robotAnswers": .object(p.robotAnswers), "robots": .array(p.robots.keys.sorted().map(JSONValue.string)),
                    "placements": .array(p.placements.map { .string("\($0.placement) → \($0.handler)") }),
                    "offlineEvents": .integer(Int64(p.offlineEvents.count)), "calls": .integer(Int64(p.calls.count)),
                ])
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: state.serialized())))
        }
        router.post("/mock/deals/{id}/stage/{semantic}") { _, context in
            let id = Int64(context.parameters.get("id") ?? "") ?? 0, semantic = context.parameters.get("semantic") ?? ""
            let moved = self.portal.withLock { p -> Bool in
                guard p.deals[id] != nil, ["S", "F", "P"].contains(semantic) else { return false }
                p.moveDeal(id, semantic: semantic)
                return true
            }
            return Response(status: moved ? .noContent : .notFound)
        }
        router.get("/oauth/token/") { request, _ in
            let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { a, _ in a })
            return Self.response(self.portal.withLock { $0.refresh(query) })
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Bitrix24 mock"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    private func rest(_ request: Request, method raw: String, webhook: (Int, String)?) async throws -> Response {
        let method = raw.hasSuffix(".json") ? String(raw.dropLast(5)) : raw
        let body = Array(try await request.body.collect(upTo: 4 << 20).readableBytesView)
        let isJSON = request.headers[.contentType]?.hasPrefix("application/json") ?? false
        var params = (isJSON ? MockParams.parse(json: body) : nil) ?? MockParams.parse(form: body)
        for (key, value) in request.uri.queryParameters where params[String(key)] == nil { params[String(key)] = .string(String(value)) }
        let caller: MockCaller
        if let (user, secret) = webhook {
            caller = .webhook(user: user, secret: secret)
        } else {
            caller = .app(token: MockParams.text(params["auth"]))
        }
        params["auth"] = nil
        let now = clock()
        return Self.response(portal.withLock { $0.call(method, params: params, caller: caller, now: now) })
    }

    static func response(_ reply: MockReply) -> Response {
        Response(
            status: .init(code: reply.status), headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: reply.body.serialized())))
    }
}

extension Bitrix24MockServer {
    /// Serves the portal on a free loopback port while `body` runs, with its base URL
    /// (`http://127.0.0.1:<port>`; REST at `/rest/`, OAuth at `/oauth/token/`).
    public func withRunning<T: Sendable>(logger: Logger, _ body: @Sendable (String) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = application(logger: logger, onServerRunning: { continuation.yield($0) })
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let base = "http://127.0.0.1:\(port)"
            // The portal's REST endpoint is wherever the mock listens.
            portal.withLock { $0.clientEndpoint = base + "/rest/" }
            do {
                let result = try await body(base)
                await services.triggerGracefulShutdown()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }
}
