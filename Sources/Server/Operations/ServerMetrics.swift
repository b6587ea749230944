import Prometheus

/// The server's Prometheus metrics, on a registry of its own (so tests can run several apps).
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let signingSeconds: DurationHistogram
    let passesServed: Counter
    let fastAnswers: Counter
    let passesNotModified: Counter
    let cacheHits: Counter
    let cacheMisses: Counter
    let signedAhead: Counter
    private let requestCounters: LabeledCounters
    private let registrationCounters: LabeledCounters
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
        fastAnswers = registry.makeCounter(
            descriptor: Self.descriptor("webservice", "fast_answers", unit: "total", "Device pass requests answered from the caches before the router"))
        passesNotModified = registry.makeCounter(descriptor: Self.descriptor("passes", "not_modified", unit: "total", "Pass requests answered 304"))
        cacheHits = registry.makeCounter(descriptor: Self.descriptor("pass_cache", "hits", unit: "total", "Signed-pass cache hits"))
        cacheMisses = registry.makeCounter(descriptor: Self.descriptor("pass_cache", "misses", unit: "total", "Signed-pass cache misses (a signature each)"))
        signedAhead = registry.makeCounter(
            descriptor: Self.descriptor("pass_cache", "signed_ahead", unit: "total", "Passes a broadcast wave signed before pushing their devices"))
        requestCounters = LabeledCounters(registry: registry, descriptor: Self.requests, labels: ["route", "method", "status"])
        registrationCounters = LabeledCounters(registry: registry, descriptor: Self.registrations, labels: ["outcome"])
    }

    func request(route: String, method: String, status: Int) {
        requestCounters.increment(route, method, String(status))
    }

    /// The requests counter of one route, method and status (for paths that count without a lookup).
    func requestCounter(route: String, method: String, status: Int) -> Counter {
        requestCounters.counter(route, method, String(status))
    }

    func registration(_ outcome: String) {
        registrationCounters.increment(outcome)
    }

    /// Prometheus text exposition format.
    public func exposition() -> [UInt8] {
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}

