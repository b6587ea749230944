/// What the mock does to requests beyond checking them: latency and injected faults. Change it at any time with
/// ``MockAPNs/setBehavior(_:)``.
///
/// For a request that passed every check, the first that applies wins: the token's next ``scripted`` fault, the
/// token's ``permanent`` fault, a random fault, else 200.
public struct MockBehavior: Sendable {
    /// Added before every answer (and before every fault takes effect), without blocking the event loop.
    public var latency: Duration
    /// Faults by device token (hex, as in the path): each request for that token takes the next fault of the list;
    /// when the list is used up the token is answered normally.
    public var scripted: [String: [MockFault]]
    /// Faults applied to every request for a token, for ever (e.g. a dead token always 410).
    public var permanent: [String: MockFault]
    /// With this probability a request that is neither scripted nor permanent gets one of ``randomFaults``, chosen
    /// uniformly from a generator seeded with ``seed``, so a run is reproducible.
    public var randomFaultRate: Double
    /// The faults random picks come from.
    public var randomFaults: [MockFault]
    /// Seed of the random fault generator.
    public var seed: UInt64
    /// Like real APNs: after a rejected (non-2xx) push, advertise `MAX_CONCURRENT_STREAMS = 1` on that connection until
    /// the next accepted one, then restore the configured value.
    public var dropStreamLimitAfterRejection: Bool
    /// When a rejection drops a connection's limit to 1, also refuse (`RST_STREAM REFUSED_STREAM`) every other stream
    /// of that connection still unanswered (stalled ones excepted), as APNs was seen to do (pushy#476). Needs
    /// ``dropStreamLimitAfterRejection``. Off by default: then those streams are answered normally.
    public var refuseInFlightStreamsOnDrop: Bool

    public init(
        latency: Duration = .zero,
        scripted: [String: [MockFault]] = [:],
        permanent: [String: MockFault] = [:],
        randomFaultRate: Double = 0,
        randomFaults: [MockFault] = [],
        seed: UInt64 = 0x5EED,
        dropStreamLimitAfterRejection: Bool = true,
        refuseInFlightStreamsOnDrop: Bool = false
    ) {
        self.latency = latency
        self.scripted = scripted
        self.permanent = permanent
        self.randomFaultRate = randomFaultRate
        self.randomFaults = randomFaults
        self.seed = seed
        self.dropStreamLimitAfterRejection = dropStreamLimitAfterRejection
        self.refuseInFlightStreamsOnDrop = refuseInFlightStreamsOnDrop
    }
}
