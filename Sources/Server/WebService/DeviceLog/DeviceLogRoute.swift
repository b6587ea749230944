import Distribution
import Foundation
import Hummingbird
import PassBuilder
import Storage
import Synchronization

/// `POST /v1/log` of Apple's PassKit web service: devices report errors as `{"logs": [String]}`.
/// No authentication (Apple's protocol has none), so it is bounded: per client address by a
/// token bucket, per request by size (``DeviceLogSettings``), and in storage by a row count.
/// What it logs goes through the process's ``EscapingLogHandler`` like everything else.
///
/// Apple's protocol expects 200 here. A device does not retry a log and shows nothing either
/// way, so refusing costs an honest device nothing; a 429 (with `Retry-After`) and a 413 say in
/// access logs and metrics what happened, where a 200 would hide that messages were dropped.
struct DeviceLogRoute: Sendable {
    typealias Context = AppRequestContext
    let store: RegistryStore
    let settings: DeviceLogSettings
    let gate: DeviceLogGate
    let maxBodyBytes: Int

    init(store: RegistryStore, settings: DeviceLogSettings, trustForwardedFor: Bool, maxBodyBytes: Int) {
        self.store = store
        self.settings = settings
        gate = DeviceLogGate(perMinute: settings.limitPerMinute, trustForwardedFor: trustForwardedFor)
        self.maxBodyBytes = min(maxBodyBytes, DeviceLogSettings.maxBodyBytes)
    }

    func register(on router: some RouterMethods<Context>) {
        router.post("v1/log", use: log)
    }

    @Sendable func log(_ request: Request, context: Context) async throws -> Response {
        // Before the body is read: a flood costs one bucket lookup per request.
        if case .limited(let after) = gate.admit(request, context) {
            let retry = max(1, Int(after.rounded(.up)))
            let error = APIError(.tooManyRequests, "too many log requests from this address; retry after \(retry) s")
            return Response(
                status: .tooManyRequests, headers: [.contentType: "application/problem+json", .retryAfter: String(retry)],
                body: .init(byteBuffer: ByteBuffer(bytes: error.json.serialized())))
        }
        let body = try await request.jsonObject(limit: maxBodyBytes)
        let messages = try Self.messages(body)
        try await store.appendLog(messages, keepNewest: settings.rows)
        for message in messages.prefix(DeviceLogSettings.loggedMessages) {
            context.logger.info("device log", metadata: ["message": .string(String(message.prefix(DeviceLogSettings.loggedCharacters)))])
        }
        return Response(status: .ok)
    }

    /// The messages of a body, or a 4xx naming the one at fault.
    static func messages(_ body: [String: JSONValue]) throws -> [String] {
        guard let logs = body["logs"]?.arrayValue else { throw APIError.badRequest("logs (array of strings) is required", field: "logs") }
        guard logs.count <= DeviceLogSettings.maxMessages else {
            throw APIError(.contentTooLarge, "at most \(DeviceLogSettings.maxMessages) messages per request, this one has \(logs.count)", field: "logs")
        }
        return try logs.enumerated().map { i, value in
            guard let text = value.stringValue else { throw APIError.badRequest("logs[\(i)] must be a string", field: "logs[\(i)]") }
            guard text.utf8.count <= DeviceLogSettings.maxMessageBytes else {
                throw APIError(.contentTooLarge, "logs[\(i)] is \(text.utf8.count) bytes; at most \(DeviceLogSettings.maxMessageBytes)", field: "logs[\(i)]")
            }
            return text
        }
    }
}

/// The per-address rate limit of `/v1/log`: the token buckets `/join` uses, one a client address.
final class DeviceLogGate: Sendable {
    private let limiter: Mutex<RateLimiter<String>>
    private let trustForwardedFor: Bool
    private let started = ContinuousClock.now

    init(perMinute: Int, trustForwardedFor: Bool) {
        limiter = Mutex(RateLimiter(capacity: perMinute, per: 60))
        self.trustForwardedFor = trustForwardedFor
    }

    func admit(_ request: Request, _ context: AppRequestContext) -> RateLimiter<String>.Decision {
        let address = ClientAddress.of(request, peer: context.remoteAddress, trustForwardedFor: trustForwardedFor)
        let elapsed = ContinuousClock.now - started
        let now = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return limiter.withLock { $0.consume(address, now: now) }
    }
}
