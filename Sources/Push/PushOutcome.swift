#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A failure below HTTP: the push got no APNs answer, so it may be sent again.
public enum TransportFailure: Hashable, Sendable {
    /// The per-request deadline passed without a response.
    case timedOut
    /// The connection was reset or closed with the stream in flight.
    case connectionReset
    /// The stream was above a GOAWAY's last-stream-ID: APNs never processed it.
    case goAwayUnprocessed
    /// RST_STREAM REFUSED_STREAM, e.g. after APNs lowered its stream limit: never processed.
    case refusedStream
    /// The client's bounded queue of requests waiting for a stream was full: never sent.
    case overloaded
    /// No connection to APNs could be established (every connection attempt failed and the next
    /// one waits for its back-off): never sent.
    case unreachable
    /// The client was shut down before the push was answered.
    case clientShutDown
}

/// Why a push is to be tried again.
public enum RetryReason: Hashable, Sendable {
    /// APNs answered with a retryable status (429, 5xx).
    case apns(status: Int, reason: APNsReason?)
    /// No APNs answer arrived.
    case transport(TransportFailure)

    /// `true` for 429: APNs asks for a slower pace for this device token, so back off for longer.
    public var isRateLimited: Bool {
        if case .apns(429, _) = self { return true }
        return false
    }
}

/// What one attempt at a push came to, and so what the caller must do next.
public enum PushOutcome: Hashable, Sendable {
    /// 200: APNs accepted it.
    case delivered
    /// 410: the token is no longer active. Delete the device's registrations made before `since`;
    /// newer ones are re-registrations APNs has not seen yet. `nil` when APNs gave no time.
    case unregistered(since: Date?)
    /// 400 `BadDeviceToken` / `DeviceTokenNotForTopic`: the token is useless for this pass type;
    /// delete the device's registrations.
    case badToken(APNsReason)
    /// Transient: try again after a back-off.
    case retry(RetryReason)
    /// Our configuration is wrong (certificate, topic, provider token): every push of this pass type
    /// would fail the same way, so pause the pass type and alert rather than burn the queue.
    case pauseTopic(APNsReason)
    /// Any other rejection (e.g. `PayloadTooLarge`, `BadPriority`): final, never retried, because
    /// sending the same request again gets the same answer.
    case rejected(status: Int, reason: APNsReason?)

    /// `true` when nothing more is to be sent for this push.
    public var isFinal: Bool {
        if case .retry = self { return false }
        return true
    }
}

extension PushOutcome {
    /// Reasons that mean the provider's configuration is wrong, whatever status carries them.
    static let configurationReasons: Set<APNsReason> = [
        .badCertificate, .badCertificateEnvironment, .forbidden, .invalidProviderToken,
        .expiredProviderToken, .topicDisallowed, .badTopic, .missingTopic,
    ]

    /// Classifies an APNs response.
    ///
    /// The reason takes precedence over the status where it is specific (APNs sends `BadTopic`
    /// with 400 but it is our configuration, not the device); otherwise the status decides, so a
    /// missing or garbled body still lands in the right class.
    public init(_ response: APNsResponse) {
        let status = response.status
        let reason = response.reason
        switch status {
        case 200..<300:
            self = .delivered
        case 410:
            self = .unregistered(since: response.timestampMilliseconds.map {
                Date(timeIntervalSince1970: Double($0) / 1000)
            })
        case 429, 500..<600:
            self = .retry(.apns(status: status, reason: reason))
        case 408:
            // A request timeout is a transport-level hiccup, not a verdict on the push.
            self = .retry(.apns(status: status, reason: reason))
        case 400..<500:
            if let reason, reason == .badDeviceToken || reason == .deviceTokenNotForTopic {
                self = .badToken(reason)
            } else if let reason, Self.configurationReasons.contains(reason) {
                self = .pauseTopic(reason)
            } else if status == 403 {
                // Every 403 is a certificate or provider-token problem, even with an unreadable body.
                self = .pauseTopic(reason ?? .forbidden)
            } else {
                self = .rejected(status: status, reason: reason)
            }
        default:
            // 1xx/3xx or nonsense: APNs never sends these, so treat as a fault on the path to it.
            self = .retry(.apns(status: status, reason: reason))
        }
    }

    /// Classifies a transport failure: always retryable, on another connection.
    public init(_ failure: TransportFailure) {
        self = .retry(.transport(failure))
    }
}
