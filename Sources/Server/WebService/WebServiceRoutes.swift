import Foundation
import Hummingbird
import PassBuilder
import Storage

/// Apple's PassKit Web Service, under the pass's `webServiceURL`: the routes Wallet calls to
/// register a device, list changed passes, fetch one, unregister.
/// Android wallet apps use the same routes with `Authorization: AndroidPass …`.
struct WebServiceRoutes<Context: RequestContext>: Sendable {
    let service: PassService
    let maxBodyBytes: Int

    func register(on router: some RouterMethods<Context>) {
        let v1 = router.group("v1")
        v1.post("devices/:device/registrations/:passType/:serial", use: registerDevice)
        v1.get("devices/:device/registrations/:passType", use: serials)
        v1.delete("devices/:device/registrations/:passType/:serial", use: unregister)
        v1.get("passes/:passType/:serial", use: latestPass)
        v1.head("passes/:passType/:serial", use: latestPass)
        // POST /v1/log: DeviceLogRoute (rate-limited per client address).
    }

    /// The client and token from `Authorization: ApplePass <token>` (or `AndroidPass`).
    static func credentials(_ request: Request) -> (client: WalletClient, token: String)? {
        credentials(authorization: request.headers[.authorization])
    }

    /// The wallet client and token of an `Authorization` header's value.
    static func credentials(authorization header: String?) -> (client: WalletClient, token: String)? {
        guard let header else { return nil }
        let client: WalletClient, scheme: String
        if header.hasPrefix("ApplePass ") {
            (client, scheme) = (.apple, "ApplePass ")
        } else if header.hasPrefix("AndroidPass ") {
            (client, scheme) = (.android, "AndroidPass ")
        } else {
            return nil
        }
        // Trimmed on bytes: Foundation's trimmingCharacters bridges to NSString on every request.
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let token = header.utf8.dropFirst(scheme.utf8.count).drop(while: isBlank)
        guard let last = token.lastIndex(where: { !isBlank($0) }) else { return (client, "") }
        return (client, String(Substring(token[...last])))
    }

    /// Authenticates the request for the pass; throws 401 otherwise.
    func authenticate(_ request: Request, passType: String, serial: String) throws -> WalletClient {
        guard let (client, token) = Self.credentials(request),
              service.tokens.isValid(token, passTypeIdentifier: passType, serialNumber: serial)
        else { throw APIError(.unauthorized, "missing or wrong authentication token") }
        return client
    }

    @Sendable func registerDevice(_ request: Request, context: Context) async throws -> Response {
        let device = try context.parameters.deviceLibraryIdentifier().rawValue
        let passType = try context.parameters.segment("passType")
        let serial = try context.parameters.segment("serial")
        let client = try authenticate(request, passType: passType, serial: serial)
        let body = try await request.jsonObject(limit: min(maxBodyBytes, 16 * 1024))
        guard let pushToken = body["pushToken"]?.stringValue else { throw APIError.badRequest("pushToken (string) is required", field: "pushToken") }
        let token: WalletPushToken
        do { token = try WalletPushToken(pushToken, client: client) } catch { throw APIError.badRequest("pushToken: \(error.description)", field: "pushToken") }
        let outcome = try await service.register(
            device: device, pushToken: token.stored, client: client, passTypeIdentifier: passType, serialNumber: serial)
        switch outcome {
        case .created:
            service.metrics.registration("created")
            return Response(status: .created)
        case .existing:
            service.metrics.registration("existing")
            return Response(status: .ok)
        case .passNotFound:
            throw APIError.notFound("no such pass")
        }
    }

    @Sendable func serials(_ request: Request, context: Context) async throws -> Response {
        let device = try context.parameters.deviceLibraryIdentifier().rawValue
        let passType = try context.parameters.segment("passType")
        var since: Int64?
        if let raw = request.uri.queryParameters.get("passesUpdatedSince"), !raw.isEmpty {
            guard let tag = Int64(raw), tag >= 0 else { throw APIError.badRequest("passesUpdatedSince must be a tag this server returned", field: "passesUpdatedSince") }
            since = tag
        }
        guard let changed = try await service.changedSerials(device: device, passTypeIdentifier: passType, since: since) else {
            return Response(status: .noContent)
        }
        // lastUpdated must be a JSON string: a number makes devices stop fetching.
        return .json(.object([
            "serialNumbers": .array(changed.serialNumbers.map(JSONValue.string)),
            "lastUpdated": .string(String(changed.lastUpdated)),
        ]))
    }

    @Sendable func unregister(_ request: Request, context: Context) async throws -> Response {
        let device = try context.parameters.deviceLibraryIdentifier().rawValue
        let passType = try context.parameters.segment("passType")
        let serial = try context.parameters.segment("serial")
        _ = try authenticate(request, passType: passType, serial: serial)
        try await service.unregister(device: device, passTypeIdentifier: passType, serialNumber: serial)
        return Response(status: .ok)
    }

    @Sendable func latestPass(_ request: Request, context: Context) async throws -> Response {
        let passType = try context.parameters.segment("passType")
        let serial = try context.parameters.segment("serial")
        _ = try authenticate(request, passType: passType, serial: serial)
        guard let (entry, live) = try await service.current(passTypeIdentifier: passType, serialNumber: serial) else {
            throw APIError.notFound("no such pass")
        }
        if let since = request.headers[.ifModifiedSince].flatMap(HTTPDate.parse), entry.isUnchanged(since: since) {
            service.metrics.passesNotModified.increment()
            return Response(status: .notModified, headers: [.lastModified: entry.lastModified])
        }
        guard let bytes = try await service.signedPass(passTypeIdentifier: passType, serialNumber: serial, version: entry.version, live: live) else {
            throw APIError.notFound("no such pass")
        }
        if request.method == .get {
            service.noteFetched(passTypeIdentifier: passType, serialNumber: serial, updateTag: entry.version.updateTag)
        }
        // HEAD gets the same headers; the HTTP layer drops the body.
        return Response(status: .ok, headers: entry.passFields, body: .init(byteBuffer: bytes))
    }
}
