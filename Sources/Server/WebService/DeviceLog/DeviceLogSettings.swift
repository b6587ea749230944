/// Limits of `POST /v1/log`: the PASSLINE_DEVICE_LOG_* keys, and fixed caps on one request.
///
/// Apple's PassKit web service lets any device post log messages without authentication
/// (Apple's "Wallet Passes" web service reference, "Log a Message"), so everything that endpoint
/// can make the server store or log is bounded here.
public struct DeviceLogSettings: Sendable, Hashable {
    /// Rows of `web_service_log` kept (the newest); 0 stores nothing (messages are only logged).
    public var rows = 10_000
    /// Requests per client address per minute (a burst of as many, then one every 60/n s).
    /// Generous: many phones can share one carrier address.
    public var limitPerMinute = 60

    /// Largest body read.
    public static let maxBodyBytes = 64 * 1024
    /// Messages in one request.
    public static let maxMessages = 100
    /// UTF-8 bytes of one message.
    public static let maxMessageBytes = 2048
    /// Messages of one request also written to the server log, and their characters there.
    static let loggedMessages = 10
    static let loggedCharacters = 300

    public init() {}

    static let keys: [(key: String, meaning: String)] = [
        ("PASSLINE_DEVICE_LOG_ROWS", "rows of device messages (POST /v1/log) kept in web_service_log, the newest; 0 keeps none (default 10000)"),
        ("PASSLINE_DEVICE_LOG_LIMIT_IP", "POST /v1/log requests per client address per minute; more get 429 (default 60)"),
    ]

    init(_ values: [String: String]) throws(ServerConfiguration.Invalid) {
        func int(_ key: String, _ range: ClosedRange<Int>) throws(ServerConfiguration.Invalid) -> Int? {
            guard let s = values[key] else { return nil }
            guard let v = Int(s), range.contains(v) else {
                throw ServerConfiguration.Invalid(description: "\(key)=\(s): expected a whole number in \(range.lowerBound)…\(range.upperBound)")
            }
            return v
        }
        rows = try int("PASSLINE_DEVICE_LOG_ROWS", 0...10_000_000) ?? rows
        limitPerMinute = try int("PASSLINE_DEVICE_LOG_LIMIT_IP", 1...100_000) ?? limitPerMinute
    }
}
