/// What a ``MockAPNs`` has received and answered since it started (or since ``MockAPNs/resetStats()``).
public struct MockAPNsStats: Sendable, Hashable {
    /// Request streams received in full (HEADERS and body).
    public var requests: Int = 0
    /// Requests answered 200.
    public var accepted: Int = 0
    /// Answers by HTTP status (faults that send no answer are not counted here).
    public var byStatus: [Int: Int] = [:]
    /// Accepted pushes per device token (as in the path); empty when the configuration's `recordTokens` is off.
    public var acceptedByToken: [String: Int] = [:]
    /// TLS connections accepted (handshake completed).
    public var connections: Int = 0
    /// GOAWAY frames sent because of a ``MockFault/goAway``.
    public var goAwaysSent: Int = 0
    /// Streams reset with `REFUSED_STREAM` (``MockFault/resetStream`` or a refused stream over a dropped limit).
    public var streamsReset: Int = 0
    /// Connections cut by ``MockFault/cutConnection``.
    public var connectionsCut: Int = 0
    /// Streams left unanswered by ``MockFault/stall``.
    public var stalled: Int = 0
    /// What was wrong with requests and handshakes (bad path, wrong method, missing or incorrect headers, topic
    /// mismatch, bad provider token, failed TLS handshake, no ALPN h2); the first ``protocolErrorLimit`` are kept.
    public var protocolErrors: [String] = []

    /// How many ``protocolErrors`` are kept.
    public static let protocolErrorLimit = 100

    public init() {}
}
