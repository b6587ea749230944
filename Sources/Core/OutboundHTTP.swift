import Foundation

// Outbound HTTP, as the server's senders (SMS gateways, CRM webhooks) need it: one request, one
// response, a deadline, and errors that say whether trying again may help.

/// One outbound HTTP request.
public struct OutboundRequest: Sendable, Hashable {
    public var method: String
    /// An absolute `http://` or `https://` URL.
    public var url: String
    /// Header fields in order; names are sent as given.
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The whole exchange (connect, send, receive) must finish within this.
    public var timeout: Duration

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Duration = .seconds(10)) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    public static func == (a: OutboundRequest, b: OutboundRequest) -> Bool {
        a.method == b.method && a.url == b.url && a.body == b.body && a.timeout == b.timeout
            && a.headers.map { [$0.0, $0.1] } == b.headers.map { [$0.0, $0.1] }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(url)
        hasher.combine(body)
        for (n, v) in headers { hasher.combine(n); hasher.combine(v) }
    }
}

/// The answer to an ``OutboundRequest`` (any status: deciding what a status means is the caller's job).
public struct OutboundResponse: Sendable, Hashable {
    public var status: Int
    /// Header fields of the final response, names as received.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header with this name, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public static func == (a: OutboundResponse, b: OutboundResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.headers.map { [$0.0, $0.1] } == b.headers.map { [$0.0, $0.1] }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(body)
        for (n, v) in headers { hasher.combine(n); hasher.combine(v) }
    }
}

/// Why no response arrived. Descriptions never contain the URL's query, headers or body (they
/// may hold credentials).
public enum OutboundHTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL is not an absolute http(s) URL.
    case invalidURL
    /// The request cannot be sent as given (a header with a line break, say).
    case invalidRequest(String)
    /// Name resolution or the TCP/TLS connection failed (refused, unreachable, certificate).
    case connectionFailed(String)
    /// No complete response within the request's timeout.
    case timedOut
    /// Anything else the transport reported.
    case transport(String)

    public var description: String {
        switch self {
        case .invalidURL: return "the URL is not an absolute http(s) URL"
        case .invalidRequest(let why): return "invalid request: \(why)"
        case .connectionFailed(let why): return "connection failed: \(why)"
        case .timedOut: return "timed out"
        case .transport(let why): return why
        }
    }

    /// Whether the same request may succeed later.
    public var isRetryable: Bool {
        switch self {
        case .invalidURL, .invalidRequest: return false
        case .connectionFailed, .timedOut, .transport: return true
        }
    }
}

/// Sends HTTP requests. Implementations must not log URLs, headers or bodies.
public protocol OutboundHTTPClient: Sendable {
    /// Sends `request` and returns the response, whatever its status.
    /// - Throws: ``OutboundHTTPError`` when no response arrived.
    func send(_ request: OutboundRequest) async throws -> OutboundResponse
}

extension OutboundRequest {
    /// Scheme and host only: safe to log.
    public var redactedURL: String {
        guard let schemeEnd = url.range(of: "://") else { return "(invalid URL)" }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@").last.map(String.init) ?? ""
        return String(url[..<schemeEnd.upperBound]) + host
    }
}
