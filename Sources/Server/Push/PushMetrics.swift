import Prometheus
import Push

/// Push counters on the server's Prometheus registry.
struct PushMetrics: PushObserver {
    let registry: PrometheusCollectorRegistry
    private let attemptCounters: LabeledCounters
    private let outcomeCounters: LabeledCounters

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        attemptCounters = LabeledCounters(registry: registry, descriptor: Self.attempts, labels: ["wallet", "result"])
        outcomeCounters = LabeledCounters(registry: registry, descriptor: Self.outcomes, labels: ["wallet", "outcome"])
    }

    static var attempts: MetricNameDescriptor { ServerMetrics.descriptor("push", "attempts", unit: "total", "Push attempts by wallet and result class") }
    static var outcomes: MetricNameDescriptor { ServerMetrics.descriptor("push", "outcomes", unit: "total", "Pushes by final outcome (exactly one per push)") }
    static var paused: MetricNameDescriptor { ServerMetrics.descriptor("push", "topic_paused", unit: "total", "Pass types paused because APNs refused the credentials (alert on this)") }
    static var outboxErrors: MetricNameDescriptor { ServerMetrics.descriptor("push", "outbox_errors", unit: "total", "Failed reads or writes of the push outbox") }

    func attempted(_ outcome: PushOutcome, wallet: WalletKind) {
        attemptCounters.increment(wallet.rawValue, Self.label(outcome))
    }

    func finished(_ outcome: FinalOutcome, wallet: WalletKind) {
        outcomeCounters.increment(wallet.rawValue, Self.label(outcome))
    }

    func topicPaused(_ topic: String, reason: APNsReason, for duration: Duration) {
        registry.makeCounter(descriptor: Self.paused, labels: [("topic", topic), ("reason", reason.rawValue)]).increment()
    }

    func outboxFailed(_ error: any Error) {
        registry.makeCounter(descriptor: Self.outboxErrors).increment()
    }

    static func label(_ outcome: PushOutcome) -> String {
        switch outcome {
        case .delivered: "delivered"
        case .unregistered: "unregistered"
        case .badToken: "bad_token"
        case .retry(.apns(let status, _)): "retry_\(status)"
        case .retry(.transport(let failure)): "retry_\(failure)"
        case .pauseTopic: "pause_topic"
        case .rejected: "rejected"
        }
    }

    static func label(_ outcome: FinalOutcome) -> String {
        switch outcome {
        case .delivered: "delivered"
        case .unregistered: "unregistered"
        case .badToken: "bad_token"
        case .pauseTopic: "pause_topic"
        case .rejected: "rejected"
        case .failed: "failed"
        }
    }
}
