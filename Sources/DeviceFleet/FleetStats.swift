/// What a device fleet has done so far. Written as JSON (`--fleet-stats`) for benchmarks to read.
public struct FleetStats: Sendable, Hashable, Codable {
    /// Pushes the mock accepted and handed to the fleet.
    public var pushes = 0
    /// Pushes to tokens no seeded device has (ignored).
    public var unknownDevices = 0
    /// Device syncs finished (every request answered), and those that gave up on a failure.
    public var syncs = 0
    public var failedSyncs = 0
    /// `GET …/registrations/…` answers: 200 with serial numbers, 204 nothing changed.
    public var listed = 0
    public var nothingChanged = 0
    /// Pass fetches answered 200 and 304.
    public var fetched = 0
    public var notModified = 0
    /// Requests that failed: a status other than those above, a broken connection, or no answer
    /// within the timeout (also counted in `timedOut`). A phone gives up on these until the next push.
    public var failedRequests = 0
    public var timedOut = 0
    /// Failed requests that were pass fetches.
    public var failedFetches = 0
    /// Sampled fetched passes checked: signature and manifest verified, and the expected text found.
    public var verified = 0
    public var verifyFailed = 0
    /// The first few problems, for the log.
    public var problems: [String] = []
    /// Devices with a push not yet followed by a finished sync (queued or syncing).
    public var pending = 0
    /// Distinct devices that have finished at least one sync.
    public var devicesSynced = 0

    static let problemLimit = 20

    public init() {}

    mutating func note(_ problem: String) {
        if problems.count < Self.problemLimit { problems.append(problem) }
    }
}
