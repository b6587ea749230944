import Prometheus
import Synchronization

/// The server's Prometheus metrics, on a registry of its own (so tests can run several apps).
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let signingSeconds: DurationHistogram
    let passesServed: Counter
    let passesNotModified: Counter
    let cacheHits: Counter
    let cacheMisses: Counter
    private let requestCounters = RequestCounters()
    // Computed: MetricNameDescriptor is not Sendable, so it can't be a stored static.
    static var requests: MetricNameDescriptor { descriptor("http", "requests", unit: "total", "HTTP requests by route, method and status") }
    static var registrations: MetricNameDescriptor { descriptor("webservice", "registrations", unit: "total", "Device registrations by outcome (created, existing)") }

    static func descriptor(_ subsystem: String, _ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "passline", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        signingSeconds = registry.makeDurationHistogram(
            descriptor: Self.descriptor("pass", "signing", unit: "seconds", "Time to render, sign and zip one pass"),
            buckets: [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50)])
        passesServed = registry.makeCounter(descriptor: Self.descriptor("passes", "served", unit: "total", "Signed passes sent (web service and API)"))
        passesNotModified = registry.makeCounter(descriptor: Self.descriptor("passes", "not_modified", unit: "total", "Pass requests answered 304"))
        cacheHits = registry.makeCounter(descriptor: Self.descriptor("pass_cache", "hits", unit: "total", "Signed-pass cache hits"))
        cacheMisses = registry.makeCounter(descriptor: Self.descriptor("pass_cache", "misses", unit: "total", "Signed-pass cache misses (a signature each)"))
    }

    func request(route: String, method: String, status: Int) {
        requestCounters.counter(route: route, method: method, status: status) {
            registry.makeCounter(descriptor: Self.requests, labels: [("route", route), ("method", method), ("status", String(status))])
        }.increment()
    }

    func registration(_ outcome: String) {
        registry.makeCounter(descriptor: Self.registrations, labels: [("outcome", outcome)]).increment()
    }

    /// Prometheus text exposition format.
    public func exposition() -> [UInt8] {
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}

/// The request counters made so far, by route, method and status: the registry validates names
/// and builds label sets on every `makeCounter`, too much for every request. Bounded by the
/// routes (patterns, not paths), methods and statuses that exist.
private final class RequestCounters: Sendable {
    private struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private let counters = Mutex<[Key: Counter]>([:])

    func counter(route: String, method: String, status: Int, make: () -> Counter) -> Counter {
        let key = Key(route: route, method: method, status: status)
        if let counter = counters.withLock({ $0[key] }) { return counter }
        let counter = make()
        counters.withLock { $0[key] = counter }
        return counter
    }
}
