import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
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
    private let get: (ok: Counter, notModified: Counter)
    private let head: (ok: Counter, notModified: Counter)

    init(service: PassService, serverName: String) {
        self.service = service
        self.serverName = serverName
        let counters = { (method: String) in
            (service.metrics.requestCounter(route: Self.route, method: method, status: 200),
             service.metrics.requestCounter(route: Self.route, method: method, status: 304))
        }
        get = counters("GET")
        head = counters("HEAD")
    }

    struct Answer {
        var head: HTTPResponseHead
        var body: ByteBuffer?
    }

    /// - Parameter date: the `Date` header's value now.
    func answer(_ request: HTTPRequestHead, date: String) -> Answer? {
        let counters: (ok: Counter, notModified: Counter)
        switch request.method {
        case .GET: counters = get
        case .HEAD: counters = head
        default: return nil
        }
        // HTTP/1.1 with keep-alive only: anything else has connection handling to do.
        guard request.version == .http1_1, request.isKeepAlive,
              let (passType, serial) = Self.passPath(request.uri),
              let (_, token) = WebServiceRoutes<AppRequestContext>.credentials(authorization: request.headers.first(name: "authorization")),
              let entry = service.versions.cached(passTypeIdentifier: passType, serialNumber: serial),
              entry.accepts(token)
        else { return nil }
        if let since = request.headers.first(name: "if-modified-since") {
            guard let sinceDate = HTTPDate.parse(since) else { return nil }
            if entry.isUnchanged(since: sinceDate) {
                var headers = HTTPHeaders([("Last-Modified", entry.lastModified)])
                finish(&headers, length: 0, date: date)
                service.metrics.passesNotModified.increment()
                service.metrics.fastAnswers.increment()
                counters.notModified.increment()
                return Answer(head: HTTPResponseHead(version: .http1_1, status: .notModified, headers: headers), body: nil)
            }
        }
        let key = PassCache.Key(passTypeIdentifier: passType, serialNumber: serial, updateTag: entry.version.updateTag)
        guard let bytes = service.cache.cached(key) else { return nil }
        var headers = entry.passHeaders
        finish(&headers, length: bytes.readableBytes, date: date)
        service.metrics.cacheHits.increment()
        service.metrics.passesServed.increment()
        service.metrics.fastAnswers.increment()
        counters.ok.increment()
        if request.method == .GET {
            service.noteFetched(passTypeIdentifier: passType, serialNumber: serial, updateTag: entry.version.updateTag)
        }
        // HEAD: the same headers, no body (as the HTTP layer does for the route).
        return Answer(head: HTTPResponseHead(version: .http1_1, status: .ok, headers: headers), body: request.method == .GET ? bytes : nil)
    }

    /// The headers every response of the application carries.
    private func finish(_ headers: inout HTTPHeaders, length: Int, date: String) {
        headers.add(name: "Content-Length", value: String(length))
        headers.add(name: "Date", value: date)
        headers.add(name: "Server", value: serverName)
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
