import Atomics
import CoreMetrics
import Foundation
import NIOConcurrencyHelpers
import Prometheus
import ScopeGateCore

/// The gateway's metrics, exported in the Prometheus text format on the admin listener's
/// `/metrics` (exposition format 0.0.4).
///
/// Instruments live in a swift-prometheus registry owned by this object: swift-metrics
/// `Counter` and `Meter` over its handlers, and its own types for the per-request ones (no
/// global `MetricsSystem` bootstrap, so several gateways in one process never share counters). Every metric has a `# HELP` line.
///
/// Labels are bounded by the configuration: `route` is a configured route prefix (or `none`
/// when no route matched), `method` one of the RFC 9110 methods (else `other`), `code` the
/// status class (`2xx`...), `reason` and `kind` ``ReasonCode`` strings, `backend` and `issuer`
/// configured names. No label ever carries a token, a subject, a raw path or a query.
///
/// Per request, a ``RouteInstruments`` handle resolved once per configuration generation
/// records without a lookup or a lock of ours (the status/method counters are atomics; the
/// histograms take swift-prometheus' own short lock).
///
/// Threading: every method may be called from any thread.
///
/// Built disabled (`enabled: false`, when `"admin": null` leaves nobody to read them), the
/// per-request recording methods return at once.
public final class GatewayMetrics: Sendable {
    /// Whether per-request recording happens.
    public let enabled: Bool
    /// The registry `/metrics` renders.
    let registry: PrometheusCollectorRegistry

    /// The label of requests no route matched.
    static let noRoute = "none"
    /// Buckets of the duration histograms, in seconds (1 ms ... 30 s).
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30),
    ]

    private let inFlight: Meter
    private let connections: Meter
    private let generation: Meter
    private let draining: Meter
    private let reloadSuccesses: CoreMetrics.Counter
    private let reloadFailures: CoreMetrics.Counter
    private let cacheHits: CoreMetrics.Counter
    private let cacheMisses: CoreMetrics.Counter
    private let cache = NIOLockedValueBox(InstrumentCache())

    private struct InstrumentCache {
        var denials: [LabelPair: CoreMetrics.Counter] = [:]
        var wouldDenials: [LabelPair: CoreMetrics.Counter] = [:]
        var upstreamFailures: [LabelPair: CoreMetrics.Counter] = [:]
        /// Pulled statistics already counted, per source (a reload may bring new sources). The
        /// source is held so that its identifier is never reused by another object.
        var seenFetches: [ObjectIdentifier: (source: RemoteJWKSSource, fetches: Int, failures: Int)] = [:]
        /// Per configuration generation: each has its own verified-token cache.
        var seenCache: [Int: (hits: Int, misses: Int)] = [:]
    }

    private struct LabelPair: Hashable {
        var first: String
        var second: String
    }

    public init(enabled: Bool = true) {
        self.enabled = enabled
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func meter(_ name: String, _ help: String) -> Meter {
            let gauge = registry.makeGauge(descriptor: Self.descriptor(name, help: help))
            return Meter(label: "scopegate_\(name)", dimensions: [], handler: gauge)
        }
        func counter(_ name: String, _ labels: [(String, String)], _ help: String) -> CoreMetrics.Counter {
            Self.counter(registry, name, labels, help)
        }
        inFlight = meter("requests_in_flight", "Requests received and not yet answered in full (health probes excluded).")
        connections = meter("client_connections", "Open client connections on the public listener.")
        generation = meter("config_generation", "Generation of the loaded configuration: 1 at start, +1 per applied reload.")
        draining = meter("draining", "1 while the gateway drains after SIGTERM or SIGINT, else 0.")
        let reloadHelp = "Configuration reloads (SIGHUP or serve --watch) by result."
        reloadSuccesses = counter("config_reloads_total", [("result", "success")], reloadHelp)
        reloadFailures = counter("config_reloads_total", [("result", "failure")], reloadHelp)
        cacheHits = counter("verification_cache_hits_total", [], "Verified-token cache lookups that found a live entry.")
        cacheMisses = counter("verification_cache_misses_total", [], "Verified-token cache lookups that found nothing usable.")
        generation.set(Int64(1))
        draining.set(Int64(0))
    }

    // MARK: Recording (event loops)

    /// The instruments of requests on the route `prefix` (`nil`: no route matched) whose
    /// backend is `backend`; `nil` when recording is off. Built once per configuration
    /// generation per route (``ConfigGeneration``), then used without a lookup.
    public func instruments(route prefix: String?, backend: String?) -> RouteInstruments? {
        guard enabled else { return nil }
        return RouteInstruments(registry: registry, route: prefix ?? Self.noRoute, backend: backend)
    }

    /// One request answered in full, through a handle made for this call: for tests and rare
    /// paths; the request path records through a generation's ``RouteInstruments``.
    public func recordRequest(route: String?, method: String, status: Int, seconds: Double) {
        instruments(route: route, backend: nil)?.recordRequest(method: method, status: status, seconds: seconds)
    }

    /// One upstream exchange that got a response head, through a handle made for this call
    /// (see ``recordRequest(route:method:status:seconds:)``).
    public func recordUpstream(backend: String, seconds: Double) {
        instruments(route: nil, backend: backend)?.recordUpstream(seconds: seconds)
    }

    /// One denial (also counted in ``recordRequest(route:method:status:seconds:)``).
    public func recordDenial(reason: ReasonCode, route: String?) {
        guard enabled else { return }
        let key = LabelPair(first: reason.rawValue, second: route ?? Self.noRoute)
        cached(\.denials, key) {
            Self.counter(registry, "denials_total", [("reason", key.first), ("route", key.second)],
                         "Requests the gateway answered itself with an error, by reason code and route prefix.")
        }.increment()
    }

    /// One request a route or method in shadow mode would have denied and that was forwarded
    /// anyway, labelled like ``recordDenial(reason:route:)``.
    public func recordWouldDeny(reason: ReasonCode, route: String?) {
        guard enabled else { return }
        let key = LabelPair(first: reason.rawValue, second: route ?? Self.noRoute)
        cached(\.wouldDenials, key) {
            Self.counter(registry, "would_deny_total", [("reason", key.first), ("route", key.second)],
                         "Requests a route or method in shadow mode would have denied and forwarded anyway, by reason code and route prefix.")
        }.increment()
    }

    /// One failed upstream attempt (a retried one too), by backend and kind (`upstream_timeout`, ...).
    public func recordUpstreamFailure(backend: String, kind: ReasonCode) {
        guard enabled else { return }
        let key = LabelPair(first: backend, second: kind.rawValue)
        cached(\.upstreamFailures, key) {
            Self.counter(registry, "upstream_failures_total", [("backend", key.first), ("kind", key.second)],
                         "Failed upstream attempts, by backend and kind.")
        }.increment()
    }

    /// The instrument for `key` in one of the caches, made (and registered) on first use.
    private func cached<Key: Hashable, Instrument>(_ table: WritableKeyPath<InstrumentCache, [Key: Instrument]>, _ key: Key,
                                                   make: () -> Instrument) -> Instrument {
        cache.withLockedValue { cache in
            if let instrument = cache[keyPath: table][key] { return instrument }
            let instrument = make()
            cache[keyPath: table][key] = instrument
            return instrument
        }
    }

    public func requestStarted() { if enabled { inFlight.increment() } }
    public func requestEnded() { if enabled { inFlight.decrement() } }
    public func connectionOpened() { if enabled { connections.increment() } }
    public func connectionClosed() { if enabled { connections.decrement() } }

    // MARK: Lifecycle

    /// A reload attempt: applied (`generation` is the new one) or refused.
    public func recordReload(applied: Bool, generation: Int) {
        if applied {
            reloadSuccesses.increment()
            self.generation.set(Int64(generation))
        } else {
            reloadFailures.increment()
        }
    }

    public func recordDraining() { draining.set(Int64(1)) }

    // MARK: Export

    /// Pulled state: the key sources and the verified-token cache, read at scrape time.
    public struct Snapshot {
        public struct KeySource {
            package init(issuer: String, source: RemoteJWKSSource, loaded: Bool) {
                self.issuer = issuer
                self.source = source
                self.loaded = loaded
            }

            public var issuer: String
            /// The source itself, to count only what it did since the last scrape.
            public var source: RemoteJWKSSource
            public var loaded: Bool
        }
        public var keySources: [KeySource]
        /// The verified-token cache of the current configuration generation (`generation`).
        public var cache: (generation: Int, statistics: VerificationCache.Statistics)?
        public var now: Date

        public init(keySources: [KeySource], cache: (generation: Int, statistics: VerificationCache.Statistics)?, now: Date) {
            self.keySources = keySources
            self.cache = cache
            self.now = now
        }
    }

    /// The Prometheus text exposition, after folding in `snapshot`.
    public func render(_ snapshot: Snapshot) -> [UInt8] {
        let fetchHelp = "JWKS or discovery fetches, by issuer."
        let failureHelp = "Failed JWKS or discovery fetches, by issuer."
        for entry in snapshot.keySources {
            let labels = [("issuer", entry.issuer)]
            let statistics = entry.source.statistics
            let (fetches, failures) = cache.withLockedValue { cache -> (Int, Int) in
                let id = ObjectIdentifier(entry.source)
                let seen = cache.seenFetches[id].map { ($0.fetches, $0.failures) } ?? (0, 0)
                cache.seenFetches[id] = (entry.source, statistics.fetches, statistics.failures)
                return (statistics.fetches - seen.0, statistics.failures - seen.1)
            }
            Self.counter(registry, "jwks_fetches_total", labels, fetchHelp).increment(by: Int64(max(fetches, 0)))
            Self.counter(registry, "jwks_fetch_failures_total", labels, failureHelp).increment(by: Int64(max(failures, 0)))
            let age = statistics.lastSuccess.map { snapshot.now.timeIntervalSince($0) } ?? .nan
            registry.makeGauge(descriptor: Self.descriptor("jwks_seconds_since_last_success",
                                                           help: "Seconds since the issuer's keys were last fetched successfully (NaN: never)."),
                               labels: labels).set(to: age)
            registry.makeGauge(descriptor: Self.descriptor("jwks_keys_loaded",
                                                           help: "1 when the issuer has a key set loaded, else 0."),
                               labels: labels).set(to: entry.loaded ? 1.0 : 0.0)
        }
        if let (generation, statistics) = snapshot.cache {
            let (hits, misses) = cache.withLockedValue { cache -> (Int, Int) in
                let seen = cache.seenCache[generation] ?? (0, 0)
                cache.seenCache[generation] = (statistics.hits, statistics.misses)
                return (statistics.hits - seen.hits, statistics.misses - seen.misses)
            }
            cacheHits.increment(by: Int64(max(hits, 0)))
            cacheMisses.increment(by: Int64(max(misses, 0)))
        }
        return registry.emitToBuffer()
    }

    // MARK: Instruments

    private static func descriptor(_ name: String, help: String) -> MetricNameDescriptor {
        var base = name
        var unit = ""
        for suffix in ["_total", "_seconds"] where base.hasSuffix(suffix) {
            base.removeLast(suffix.count)
            unit = String(suffix.dropFirst())
        }
        return MetricNameDescriptor(namespace: "scopegate", metricName: base, unitName: unit, helpText: help)
    }

    private static func counter(_ registry: PrometheusCollectorRegistry, _ name: String, _ labels: [(String, String)],
                                _ help: String) -> CoreMetrics.Counter {
        let handler = labels.isEmpty
            ? registry.makeCounter(descriptor: descriptor(name, help: help))
            : registry.makeCounter(descriptor: descriptor(name, help: help), labels: labels)
        return CoreMetrics.Counter(label: "scopegate_\(name)", dimensions: labels, handler: handler)
    }

    fileprivate static func requestCounter(_ registry: PrometheusCollectorRegistry, route: String, method: String,
                                           statusClass: Int) -> Prometheus.Counter {
        registry.makeCounter(descriptor: descriptor("requests_total", help: "Requests answered, by route prefix, method and status class."),
                             labels: [("route", route), ("method", method), ("code", "\(statusClass)xx")])
    }

    fileprivate static func requestDuration(_ registry: PrometheusCollectorRegistry, route: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: descriptor("request_duration_seconds",
                                   help: "Time from the request head to the end of the response, by route prefix."),
            labels: [("route", route)], buckets: durationBuckets)
    }

    fileprivate static func upstreamDuration(_ registry: PrometheusCollectorRegistry, backend: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: descriptor("upstream_duration_seconds",
                                   help: "Time from handing a request to the backend until its response head, by backend."),
            labels: [("backend", backend)], buckets: durationBuckets)
    }
}

/// The per-request instruments of one route prefix (or `none`) and its backend, resolved once
/// (``GatewayMetrics/instruments(route:backend:)``): recording is an atomic load, an atomic
/// add, and the histograms' own short lock. Registering is idempotent: handles built by
/// different generations for the same labels feed the same series.
public final class RouteInstruments: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let route: String
    private let requestDuration: DurationHistogram
    private let upstreamDuration: DurationHistogram?
    /// `requests_total` per method label and status class, made (and so exported) on first use:
    /// slot `method * 5 + class - 1`.
    private let requests: [ManagedAtomicLazyReference<Prometheus.Counter>]

    /// The method labels: the RFC 9110 methods plus PATCH, in slot order; any other is `other`.
    private static let methodLabels = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "other"]

    init(registry: PrometheusCollectorRegistry, route: String, backend: String?) {
        self.registry = registry
        self.route = route
        requestDuration = GatewayMetrics.requestDuration(registry, route: route)
        upstreamDuration = backend.map { GatewayMetrics.upstreamDuration(registry, backend: $0) }
        requests = (0..<Self.methodLabels.count * 5).map { _ in ManagedAtomicLazyReference() }
    }

    /// One request answered in full: `status` is what the client got (classes below 1xx and
    /// above 5xx are counted as 1xx and 5xx), `seconds` from the head to the end of the response.
    public func recordRequest(method: String, status: Int, seconds: Double) {
        let methodIndex = Self.methodIndex(method)
        let statusClass = min(max(status / 100, 1), 5)
        let slot = requests[methodIndex * 5 + statusClass - 1]
        let counter = slot.load() ?? slot.storeIfNilThenLoad(
            GatewayMetrics.requestCounter(registry, route: route, method: Self.methodLabels[methodIndex], statusClass: statusClass))
        counter.increment()
        requestDuration.recordNanoseconds(Self.nanoseconds(seconds))
    }

    /// One upstream exchange that got a response head: from the hand-off to the engine to the head.
    public func recordUpstream(seconds: Double) {
        upstreamDuration?.recordNanoseconds(Self.nanoseconds(seconds))
    }

    private static func methodIndex(_ method: String) -> Int {
        switch method {
        case "GET": 0
        case "HEAD": 1
        case "POST": 2
        case "PUT": 3
        case "DELETE": 4
        case "PATCH": 5
        case "OPTIONS": 6
        case "TRACE": 7
        case "CONNECT": 8
        default: 9
        }
    }

    /// `seconds` as nanoseconds, 0 for what is negative or not finite, never trapping.
    private static func nanoseconds(_ seconds: Double) -> Int64 {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return seconds >= 9e9 ? Int64.max : Int64(seconds * 1e9)
    }
}
