/// How an ``APNsClient`` connects and paces itself. The defaults suit production APNs.
public struct APNsClientConfiguration: Sendable, Hashable {
    /// Reconnection delays: a jittered draw from zero to `min(cap, base × 2^failures)`.
    public struct Backoff: Sendable, Hashable {
        public var base: Duration
        public var cap: Duration
        public init(base: Duration, cap: Duration) {
            self.base = base
            self.cap = cap
        }
    }

    /// The APNs endpoint: `https://host[:port]` (`PASSLINE_APNS_URL`). Wallet passes always use
    /// production, `https://api.push.apple.com` (port 443).
    public var url: String
    /// PEM certificates trusted in addition to the system roots (`PASSLINE_APNS_CA_FILE`), e.g. a
    /// mock's CA.
    public var additionalTrustRootsPEM: String?
    /// HTTP/2 connections per topic (pass type ID).
    public var connectionsPerTopic: Int
    /// The most a `send` takes: from the call, waiting for a stream included, to the response.
    /// Past it the push comes back as `.retry(.transport(.timedOut))`.
    public var requestTimeout: Duration
    /// `apns-expiration` is now plus this: how long APNs stores the push for an offline device.
    public var expiration: Duration
    /// Per-connection tunables: our stream cap, PING interval and timeout, handshake timeout,
    /// rotation before stream IDs run out. `tokenAuthentication` is set by the client itself.
    public var connection: APNsConnectionStateMachine.Configuration
    /// Delays between reconnection attempts of one connection slot.
    public var reconnectBackoff: Backoff
    /// Requests waiting for a stream, per topic. When it is full, `send` returns
    /// `.retry(.transport(.overloaded))` at once, so memory stays bounded whatever APNs does.
    public var maxPendingRequests: Int
    /// The least time between opening two connections of a topic (Apple: don't open them all at
    /// once). The first connection never waits.
    public var connectionStagger: Duration
    /// A connection with nothing in flight for this long is closed; it reopens on demand.
    public var idleTimeout: Duration
    /// How long a provider token (JWT) is reused; Apple wants 20–60 minutes.
    public var tokenRefreshInterval: Duration
    /// How often a push that APNs never processed (GOAWAY, REFUSED_STREAM, a dropped connection)
    /// is re-sent on another connection inside one `send` before it is returned as a retry.
    public var maxResendsPerRequest: Int

    public init(
        url: String = "https://api.push.apple.com",
        additionalTrustRootsPEM: String? = nil,
        connectionsPerTopic: Int = 4,
        requestTimeout: Duration = .seconds(10),
        expiration: Duration = .seconds(86_400),
        connection: APNsConnectionStateMachine.Configuration = .init(),
        reconnectBackoff: Backoff = Backoff(base: .seconds(1), cap: .seconds(60)),
        maxPendingRequests: Int = 10_000,
        connectionStagger: Duration = .seconds(1),
        idleTimeout: Duration = .seconds(600),
        tokenRefreshInterval: Duration = .seconds(50 * 60),
        maxResendsPerRequest: Int = 2
    ) {
        self.url = url
        self.additionalTrustRootsPEM = additionalTrustRootsPEM
        self.connectionsPerTopic = connectionsPerTopic
        self.requestTimeout = requestTimeout
        self.expiration = expiration
        self.connection = connection
        self.reconnectBackoff = reconnectBackoff
        self.maxPendingRequests = maxPendingRequests
        self.connectionStagger = connectionStagger
        self.idleTimeout = idleTimeout
        self.tokenRefreshInterval = tokenRefreshInterval
        self.maxResendsPerRequest = maxResendsPerRequest
    }

    /// Checks every value, naming the first bad one.
    func validate() throws(APNsClientError) {
        func fail(_ text: String) -> APNsClientError { .invalidConfiguration(text) }
        _ = try APNsEndpoint(url: url)
        if connectionsPerTopic < 1 || connectionsPerTopic > 64 { throw fail("connectionsPerTopic must be 1…64, got \(connectionsPerTopic)") }
        if requestTimeout <= .zero { throw fail("requestTimeout must be positive") }
        if expiration < .zero { throw fail("expiration must not be negative") }
        if reconnectBackoff.base <= .zero || reconnectBackoff.cap < reconnectBackoff.base {
            throw fail("reconnectBackoff needs 0 < base <= cap")
        }
        if maxPendingRequests < 0 { throw fail("maxPendingRequests must not be negative") }
        if connectionStagger < .zero { throw fail("connectionStagger must not be negative") }
        if idleTimeout <= .zero { throw fail("idleTimeout must be positive") }
        if tokenRefreshInterval < .seconds(20 * 60) || tokenRefreshInterval > .seconds(60 * 60) {
            throw fail("tokenRefreshInterval must be 20–60 minutes (Apple's rule)")
        }
        if maxResendsPerRequest < 0 { throw fail("maxResendsPerRequest must not be negative") }
        if connection.pingInterval <= .zero || connection.pingTimeout <= .zero || connection.connectTimeout <= .zero {
            throw fail("connection pingInterval, pingTimeout and connectTimeout must be positive")
        }
    }
}

/// A parsed `https://host[:port]` APNs URL.
struct APNsEndpoint: Hashable, Sendable {
    var host: String
    var port: Int
    /// The `:authority` pseudo-header: the host, with the port unless it is 443.
    var authority: String

    init(url: String) throws(APNsClientError) {
        let prefix = "https://"
        guard url.lowercased().hasPrefix(prefix) else {
            throw .invalidConfiguration("APNs URL \"\(url)\" must start with https://")
        }
        var rest = Substring(url.dropFirst(prefix.count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@"), !rest.contains("?") else {
            throw .invalidConfiguration("APNs URL \"\(url)\" must be https://host[:port] with no path")
        }
        var host = rest
        var port = 443
        if rest.hasPrefix("[") {
            // An IPv6 literal: [::1]:2197
            guard let close = rest.firstIndex(of: "]") else {
                throw .invalidConfiguration("APNs URL \"\(url)\" has an unclosed [IPv6] host")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()) else {
                    throw .invalidConfiguration("APNs URL \"\(url)\" has a bad port")
                }
                port = value
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let value = Int(rest[rest.index(after: colon)...]) else {
                throw .invalidConfiguration("APNs URL \"\(url)\" has a bad port")
            }
            port = value
        }
        guard !host.isEmpty else { throw .invalidConfiguration("APNs URL \"\(url)\" has no host") }
        guard (1...65_535).contains(port) else {
            throw .invalidConfiguration("APNs URL \"\(url)\": port \(port) is out of range")
        }
        self.host = String(host)
        self.port = port
        let hostPart = self.host.contains(":") ? "[\(self.host)]" : self.host
        self.authority = port == 443 ? hostPart : "\(hostPart):\(port)"
    }
}
