/// A failure the mock can be told to produce for one request, in place of the normal answer.
public enum MockFault: Sendable, Hashable {
    /// 410 `{"reason":"Unregistered","timestamp":…}`.
    case unregistered(timestampMilliseconds: Int64)
    /// 400 `BadDeviceToken`.
    case badDeviceToken
    /// 400 `DeviceTokenNotForTopic`.
    case deviceTokenNotForTopic
    /// 429 `TooManyRequests`.
    case tooManyRequests
    /// 500 `InternalServerError`.
    case internalServerError
    /// 503 `ServiceUnavailable`.
    case serviceUnavailable
    /// 403 `BadCertificate`.
    case badCertificate
    /// No answer for this stream: GOAWAY whose last stream ID is the stream before this one (so this one and every
    /// later stream are unprocessed, safe to retry elsewhere), then the connection closes once the earlier streams
    /// are answered.
    case goAway
    /// Never answer this stream; the client's deadline must fire.
    case stall
    /// Close the TCP connection abruptly (RST, no TLS close_notify) with this stream unanswered.
    case cutConnection
    /// `RST_STREAM` with `REFUSED_STREAM`.
    case resetStream

    /// The HTTP answer this fault produces, or nil for the faults that act on the stream or connection instead.
    var answer: MockAnswer? {
        switch self {
        case .unregistered(let timestamp): MockAnswer(status: 410, reason: "Unregistered", timestamp: timestamp)
        case .badDeviceToken: MockAnswer(status: 400, reason: "BadDeviceToken")
        case .deviceTokenNotForTopic: MockAnswer(status: 400, reason: "DeviceTokenNotForTopic")
        case .tooManyRequests: MockAnswer(status: 429, reason: "TooManyRequests")
        case .internalServerError: MockAnswer(status: 500, reason: "InternalServerError")
        case .serviceUnavailable: MockAnswer(status: 503, reason: "ServiceUnavailable")
        case .badCertificate: MockAnswer(status: 403, reason: "BadCertificate")
        case .goAway, .stall, .cutConnection, .resetStream: nil
        }
    }
}

/// One HTTP answer: a status and, for errors, APNs's JSON body `{"reason":…[,"timestamp":…]}`.
struct MockAnswer: Sendable, Hashable {
    var status: Int
    var reason: String?
    var timestamp: Int64?

    static let accepted = MockAnswer(status: 200)

    init(status: Int, reason: String? = nil, timestamp: Int64? = nil) {
        self.status = status
        self.reason = reason
        self.timestamp = timestamp
    }

    /// The JSON body, or nil for a success.
    var body: String? {
        guard let reason else { return nil }
        if let timestamp { return #"{"reason":"\#(reason)","timestamp":\#(timestamp)}"# }
        return #"{"reason":"\#(reason)"}"#
    }
}
