import Core
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Where a running mock answers.
public struct GoogleWalletMockEndpoints: Sendable, Hashable {
    /// `http://host:port`.
    public let base: String
    /// The token endpoint, for `PASSLINE_GOOGLE_TOKEN_URL` (and the assertion's `aud`).
    public var tokenURL: String { base + "/token" }
    /// The REST root, for `PASSLINE_GOOGLE_API_URL`.
    public var apiURL: String { base + "/walletobjects/v1" }
    /// The callback root keys, as Google's https://pay.google.com/gp/m/issuer/keys.
    public var keysURL: String { base + "/gp/m/issuer/keys" }

    public init(base: String) { self.base = base }
}

/// ``MockWallet`` over HTTP:
/// - `POST /token`: the OAuth token endpoint;
/// - `GET|POST|PUT|PATCH /walletobjects/v1/loyaltyClass…`, `…/loyaltyObject…`: the REST API;
/// - `GET /gp/m/issuer/keys`: the callback root keys of ``signer``;
/// - `GET /mock/state`, `POST /mock/callbacks/{objectId}/{save|del}` (not Google's): what the
///   mock holds, and a signed callback posted to the object's class's `callbackOptions.url`, as
///   Google posts one when a user saves or deletes a card.
///
/// The wallet is shared state behind a mutex: tests read and change it between calls.
public final class GoogleWalletMockServer: Sendable {
    public let wallet: Mutex<MockWallet>
    public let signer: Mutex<GoogleCallbackSigner>
    private let clock: @Sendable () -> Double
    private let callbackSender: (@Sendable (OutboundRequest) async throws -> OutboundResponse)?

    /// - Parameters:
    ///   - clock: seconds since 1970, for tokens and quotas.
    ///   - callbackSender: how `/mock/callbacks` reaches the server under test; nil turns them off.
    public init(
        wallet: MockWallet = MockWallet(), signer: GoogleCallbackSigner = GoogleCallbackSigner(),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        callbackSender: (@Sendable (OutboundRequest) async throws -> OutboundResponse)? = nil
    ) {
        self.wallet = Mutex(wallet)
        self.signer = Mutex(signer)
        self.clock = clock
        self.callbackSender = callbackSender
    }

    /// Reads or changes the wallet.
    public func with<T>(_ body: (inout MockWallet) -> T) -> T { wallet.withLock { body(&$0) } }

    /// The HTTP application on `host:port` (port 0: any free port); `onServerRunning` gets the port.
    public func application(host: String = "127.0.0.1", port: Int = 0, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let router = Router()
        router.post("/token") { request, _ in
            let body = try await Self.body(request)
            let now = self.clock()
            return Self.response(self.wallet.withLock { $0.token(form: body, now: now) })
        }
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("/walletobjects/v1/**", method: method) { request, _ in
                let body = try await Self.body(request)
                let path = String(request.uri.path.dropFirst("/walletobjects/v1".count))
                let authorization = request.headers[.authorization]
                let now = self.clock()
                return Self.response(self.wallet.withLock {
                    $0.rest(method: method.rawValue, path: path, authorization: authorization, body: body, now: now)
                })
            }
        }
        router.get("/gp/m/issuer/keys") { _, _ in
            let keys = self.signer.withLock { $0.keysJSON() }
            return Response(status: .ok, headers: [.contentType: "application/json; charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(bytes: keys)))
        }
        router.get("/mock/state") { _, _ in Self.response(MockReply(status: 200, body: self.with { $0.state() })) }
        router.post("/mock/callbacks/{objectId}/{event}") { _, context in
            let objectID = context.parameters.get("objectId") ?? "", event = context.parameters.get("event") ?? ""
            return Self.response(await self.deliverCallback(objectID: objectID, eventType: event))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Google Wallet mock"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    /// Signs a `save`/`del` callback for the object and posts it to its class's
    /// `callbackOptions.url`, as Google does; the reply says what the receiver answered.
    public func deliverCallback(objectID: String, eventType: String) async -> MockReply {
        guard let callbackSender else { return .invalidArgument("The mock was started without a callback sender.") }
        guard ["save", "del"].contains(eventType) else { return .invalidArgument("eventType must be save or del.") }
        let target = with { w -> (classID: String, url: String?, issuer: String)? in
            guard let classID = w.objects[objectID]?["classId"]?.stringValue else { return nil }
            return (classID, w.classes[classID]?["callbackOptions"]?["url"]?.stringValue, w.issuerID)
        }
        guard let target else { return .notFound(objectID) }
        guard let url = target.url else { return .invalidArgument("The class \(target.classID) has no callbackOptions.url.") }
        let message = GoogleCallbackSigner.Message(
            classId: target.classID, objectId: objectID, eventType: eventType, expires: Date(timeIntervalSince1970: clock() + 3600))
        let body = signer.withLock { $0.callback(message, recipient: target.issuer) }
        do {
            let answer = try await callbackSender(OutboundRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: body))
            return MockReply(status: 200, body: .object(["delivered": .int(Int64(answer.status)), "nonce": .string(message.nonce)]))
        } catch {
            return .googleError(502, "UNAVAILABLE", "The callback could not be delivered: \(error)", reason: "backendError")
        }
    }

    static func body(_ request: Request) async throws -> [UInt8] {
        Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
    }

    static func response(_ reply: MockReply) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=UTF-8"]
        for (name, value) in reply.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body.serialized())))
    }
}

extension MockWallet {
    /// What `/mock/state` shows.
    func state() -> MockJSON {
        .object([
            "issuerId": .string(issuerID),
            "classes": .object(classes), "objects": .object(objects),
            "requests": .object(Dictionary(uniqueKeysWithValues: requests.map { ($0.key.rawValue, MockJSON.int(Int64($0.value))) })),
            "down": .bool(down), "apiFaults": .array(apiFaults.map { .int(Int64($0)) }),
        ])
    }
}
