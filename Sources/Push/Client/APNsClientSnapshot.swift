/// Counts for metrics, taken at one instant.
public struct APNsClientSnapshot: Sendable, Hashable {
    /// Connections open for new streams.
    public var activeConnections: Int
    /// Connections in their TCP/TLS/HTTP/2 handshake.
    public var connectingConnections: Int
    /// Connections finishing their streams before closing (GOAWAY, rotation, idle).
    public var drainingConnections: Int
    /// Requests sent and awaiting APNs's answer.
    public var inFlight: Int
    /// Requests waiting for a free stream.
    public var waiting: Int
    /// The same counts per topic.
    public var byTopic: [String: APNsClientSnapshot]

    public init(
        activeConnections: Int = 0, connectingConnections: Int = 0, drainingConnections: Int = 0,
        inFlight: Int = 0, waiting: Int = 0, byTopic: [String: APNsClientSnapshot] = [:]
    ) {
        self.activeConnections = activeConnections
        self.connectingConnections = connectingConnections
        self.drainingConnections = drainingConnections
        self.inFlight = inFlight
        self.waiting = waiting
        self.byTopic = byTopic
    }
}
