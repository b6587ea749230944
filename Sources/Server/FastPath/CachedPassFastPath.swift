import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus

/// The answer to `GET`/`HEAD /v1/passes/{type}/{serial}` when it can be given without waiting:
/// the token is right and both the pass's version and its signed bytes are cached. Nil
/// otherwise, and the web service route answers (``WebServiceRoutes``): same status, headers
/// and body, same metrics.
struct CachedPassFastPath: Sendable {
    let service: PassService
    let serverName: String
    /// The route label of the requests counter, as Hummingbird names the route.
    static let route = "/v1/passes/{passType}/{serial}"
    private static let prefix = Array("/v1/passes/".utf8)
    /// The route's request counters, looked up once: no shared dictionary on this path.
    private let counted: [HTTPRequest.Method: (ok: Counter, notModified: Counter)]

    init(service: PassService, serverName: String) {
        self.service = service
        self.serverName = serverName
        var counted: [HTTPRequest.Method: (ok: Counter, notModified: Counter)] = [:]
        for method in [HTTPRequest.Method.get, .head] {
            counted[method] = (
                service.metrics.requestCounter(route: Self.route, method: method.rawValue, status: 200),
                service.metrics.requestCounter(route: Self.route, method: method.rawValue, status: 304))
        }
        self.counted = counted
    }

    struct Answer {
        var head: HTTPResponse
        var body: ByteBuffer?
    }

    /// - Parameter date: the `Date` header's value now.
    func answer(_ request: HTTPRequest, date: String) -> Answer? {
        guard let counters = counted[request.method], let path = request.path,
              let (passType, serial) = Self.passPath(path),
              request.headerFields[.connection].map({ !$0.lowercased().contains("close") }) ?? true,
              let (_, token) = WebServiceRoutes<AppRequestContext>.credentials(request.headerFields),
              let entry = service.versions.cached(passTypeIdentifier: passType, serialNumber: serial),
              entry.accepts(token)
        else { return nil }
        var fields = HTTPFields()
        if let since = request.headerFields[.ifModifiedSince] {
            guard let sinceDate = HTTPDate.parse(since) else { return nil }
            if entry.isUnchanged(since: sinceDate) {
                fields[.lastModified] = entry.lastModified
                finish(&fields, length: 0, date: date)
                service.metrics.passesNotModified.increment()
                service.metrics.fastAnswers.increment()
                counters.notModified.increment()
                return Answer(head: HTTPResponse(status: .notModified, headerFields: fields), body: nil)
            }
        }
        let key = PassCache.Key(passTypeIdentifier: passType, serialNumber: serial, updateTag: entry.version.updateTag)
        guard let bytes = service.cache.cached(key) else { return nil }
        fields = entry.passFields
        finish(&fields, length: bytes.readableBytes, date: date)
        service.metrics.cacheHits.increment()
        service.metrics.passesServed.increment()
        service.metrics.fastAnswers.increment()
        counters.ok.increment()
        if request.method == .get {
            service.noteFetched(passTypeIdentifier: passType, serialNumber: serial, updateTag: entry.version.updateTag)
        }
        // HEAD: the same headers, no body (as the HTTP layer does for the route).
        return Answer(head: HTTPResponse(status: .ok, headerFields: fields), body: request.method == .get ? bytes : nil)
    }

    /// The headers every response of the application carries.
    private func finish(_ fields: inout HTTPFields, length: Int, date: String) {
        fields[.contentLength] = String(length)
        fields[.date] = date
        fields[.server] = serverName
    }

    /// The two segments of `/v1/passes/{type}/{serial}`, when they need no decoding and are
    /// allowed; nil for anything else (the route then decides).
    static func passPath(_ path: String) -> (String, String)? {
        let bytes = path.utf8
        guard bytes.starts(with: prefix), !bytes.contains(UInt8(ascii: "%")), !bytes.contains(UInt8(ascii: "?")) else { return nil }
        let rest = path.utf8.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let type = Substring(rest[..<slash]), serial = Substring(rest[rest.index(after: slash)...])
        guard (1...255).contains(type.utf8.count), (1...255).contains(serial.utf8.count),
              Parameters.isAllowed(type), Parameters.isAllowed(serial)
        else { return nil }
        return (String(type), String(serial))
    }
}

/// The `Date` header's value, formatted once a second; one per connection (no lock).
struct DateHeader {
    private var second: Int64 = -1
    private var text = ""

    mutating func now() -> String {
        let date = Date()
        let now = Int64(date.timeIntervalSince1970.rounded(.down))
        if now != second { (second, text) = (now, HTTPDate.format(date)) }
        return text
    }
}
