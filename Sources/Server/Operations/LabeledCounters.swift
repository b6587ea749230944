import Prometheus
import Synchronization

/// One metric's counters by label values, each made once: the registry validates names and
/// builds label sets on every `makeCounter`, too much for every request or push. Bounded by the
/// label values used (routes as patterns, statuses, outcomes), never by user input.
final class LabeledCounters: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let names: [String]
    private let descriptor: @Sendable () -> MetricNameDescriptor
    private let counters = Mutex<[[String]: Counter]>([:])

    /// - Parameter descriptor: `MetricNameDescriptor` is not `Sendable`, so it is made on demand.
    init(registry: PrometheusCollectorRegistry, descriptor: @autoclosure @escaping @Sendable () -> MetricNameDescriptor, labels: [String]) {
        self.registry = registry
        self.descriptor = descriptor
        names = labels
    }

    /// Adds one to the counter with these label values (in the order of `labels`).
    func increment(_ values: String...) {
        counter(values).increment()
    }

    /// The counter with these label values (in the order of `labels`).
    func counter(_ values: String...) -> Counter {
        counter(values)
    }

    private func counter(_ values: [String]) -> Counter {
        if let counter = counters.withLock({ $0[values] }) { return counter }
        let counter = registry.makeCounter(descriptor: descriptor(), labels: Array(zip(names, values)))
        counters.withLock { $0[values] = counter }
        return counter
    }
}
