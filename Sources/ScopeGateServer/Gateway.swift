import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ScopeGateCore
import ScopeGateObservability
import ScopeGateUpstream

/// A running gateway: the active configuration, event log, metrics, upstream engine, the
/// public listener and the admin listener, wired from a config.
///
/// `scopegate serve` and the end-to-end tests both start the gateway through here. Its life:
/// ``start(config:keySources:clock:)``, any number of ``reload(_:trigger:)``, then
/// ``drain()`` (SIGTERM) and ``shutdown()``.
public final class Gateway: Sendable {
    public let server: GatewayServer
    /// The admin listener (`/metrics`, `/livez`, `/readyz`), `nil` when `"admin": null`.
    public let admin: AdminServer?
    public let eventLog: EventLog
    public let metrics: GatewayMetrics
    let context: GatewayContext
    let engine: CurlEngine
    let group: MultiThreadedEventLoopGroup
    let clock: @Sendable () -> Date
    /// Key sources the caller injected per issuer (tests); kept across reloads while the issuer exists.
    let injectedKeySources: [String: any KeySource]
    /// One reload at a time, in arrival order.
    let reloads = ReloadQueue()

    /// The token verifier of the current configuration (its ``TokenVerifier/isReady`` is part of readiness).
    public var verifier: TokenVerifier { context.active.generation.verifier }
    /// Each backend's instances, their in-flight counts and health, in the current configuration.
    public var backendPools: BackendPools { context.active.generation.pools }
    /// The configuration requests are decided under now.
    public var config: GatewayConfig { context.active.generation.config }
    /// 1 at start, +1 per applied reload.
    public var generation: Int { context.active.generation.number }
    /// What the connection handlers buffered (unwritten response bytes) and held (client reads).
    public var forwardingStatistics: ForwardingStatistics { context.statistics }
    /// What the upstream engine buffered and paused.
    public var upstreamStatistics: UpstreamStatistics { engine.statistics }

    /// Returns once the upstream engine's counters satisfy `condition` (for the tests: `package`, not library API).
    package func waitForUpstreamStatistics(_ condition: @escaping @Sendable (UpstreamStatistics) -> Bool) async {
        await engine.waitForStatistics(condition)
    }

    /// The bound public port.
    public var port: Int { server.port }
    /// The bound admin port, `nil` when the admin listener is off.
    public var adminPort: Int? { admin?.port }

    private init(server: GatewayServer, admin: AdminServer?, eventLog: EventLog, metrics: GatewayMetrics,
                 context: GatewayContext, engine: CurlEngine, group: MultiThreadedEventLoopGroup,
                 clock: @escaping @Sendable () -> Date, injectedKeySources: [String: any KeySource]) {
        self.server = server
        self.admin = admin
        self.eventLog = eventLog
        self.metrics = metrics
        self.context = context
        self.engine = engine
        self.group = group
        self.clock = clock
        self.injectedKeySources = injectedKeySources
    }

    /// Loads the keys, opens the log, starts the upstream engine and binds both listeners.
    /// - Parameters:
    ///   - config: a validated configuration.
    ///   - keySources: issuer (`issuer` string) to key source, replacing the default for
    ///     that issuer: a ``StaticKeySource`` of the JWKS file, or, for a JWKS URL or
    ///     discovery, a ``RemoteJWKSSource`` fetching with libcurl, started here (until its
    ///     first load succeeds, that issuer's tokens get 503 and readiness says not ready).
    ///     HMAC secrets are always read from the config.
    ///   - clock: the time source for token checks and backend-instance ejection (tests
    ///     inject a fixed instant).
    /// - Throws: ``KeyLoadError``, ``EventLogError``, engine start or bind errors.
    public static func start(
        config: GatewayConfig,
        keySources: [String: any KeySource]? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> Gateway {
        let eventLog = try EventLog(destination: config.log.denials, access: config.log.access)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: config.listener.eventLoops ?? System.coreCount)
        let engine: CurlEngine
        do {
            engine = try CurlEngine(configuration: config.upstream, eventLoops: Array(group.makeIterator()))
        } catch {
            eventLog.close()
            try? await group.shutdownGracefully()
            throw error
        }
        let metrics = GatewayMetrics(enabled: config.admin != nil)
        func abandon() async {
            engine.shutdown()
            eventLog.close()
            try? await group.shutdownGracefully()
        }
        let first: ConfigGeneration
        do {
            first = try await build(number: 1, config: config, previous: nil, engine: engine, eventLoop: group.next(),
                                    eventLog: eventLog, metrics: metrics, clock: clock, injected: keySources ?? [:])
        } catch {
            await abandon()
            throw error
        }
        let context = GatewayContext(active: ActiveConfig(first), engine: engine, eventLog: eventLog, metrics: metrics,
                                     connections: ConnectionRegistry(metrics: metrics), clock: clock,
                                     statistics: ForwardingStatistics())
        let server: GatewayServer
        let admin: AdminServer?
        do {
            server = try await GatewayServer.start(listener: config.listener, gateway: context, group: group)
            admin = try await config.admin.asyncMap { try await AdminServer.start(config: $0, gateway: context, group: group) }
        } catch {
            await abandon()
            throw error
        }
        first.logKeyWarnings(to: eventLog)
        first.remoteKeys.start()
        if config.log.statsIntervalSeconds > 0 {
            let interval = TimeAmount.seconds(Int64(config.log.statsIntervalSeconds))
            group.next().scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                let now = Date()
                let generation = context.active.generation
                eventLog.write(StatsEvent.cacheLine(generation.verifier.cache?.statistics, time: now))
                for (issuer, source) in generation.remoteKeys.sources.sorted(by: { $0.key < $1.key }) {
                    eventLog.write(StatsEvent.jwksLine(issuer: issuer, source.statistics, time: now))
                }
            }
        }
        return Gateway(server: server, admin: admin, eventLog: eventLog, metrics: metrics, context: context,
                       engine: engine, group: group, clock: clock, injectedKeySources: keySources ?? [:])
    }

    /// Builds a generation: key sources (reusing the previous generation's where an issuer's
    /// keys are configured the same), the verifier, the backend pools (likewise) and the rules.
    static func build(number: Int, config: GatewayConfig, previous: ConfigGeneration?, engine: CurlEngine,
                              eventLoop: any EventLoop, eventLog: EventLog, metrics: GatewayMetrics,
                              clock: @escaping @Sendable () -> Date,
                              injected: [String: any KeySource]) async throws(KeyLoadError) -> ConfigGeneration {
        let remoteKeys = RemoteKeySources(api: config.api, engine: engine, eventLoop: eventLoop, eventLog: eventLog,
                                          clock: clock, reusing: previous?.remoteKeys)
        var sources: [String: any KeySource] = remoteKeys.sources
        for (issuer, source) in injected { sources[issuer] = source }
        let keys = try await IssuerKeys.load(config.api, keySources: sources)
        let verifier = TokenVerifier(api: config.api, keys: keys, maxTokenBytes: config.limits.maxTokenBytes)
        let warnings = config.api.issuers.flatMap { keys[$0.issuer]?.warnings ?? [] }
        let pools = BackendPools(backends: config.backends, clock: clock, reusing: previous?.pools)
        return ConfigGeneration(number: number, config: config, verifier: verifier, pools: pools, remoteKeys: remoteKeys,
                                metrics: metrics, keyWarnings: warnings)
    }

    /// Fetches every remote key set now (sharing a fetch already under way) and returns the
    /// issuers whose keys could not be loaded. The background refresh goes on regardless.
    @discardableResult
    public func refreshRemoteKeys() async -> [(issuer: String, error: String)] {
        await context.active.generation.remoteKeys.loadOnce()
    }

    /// Stops accepting, closes the admin listener, stops the engine and the event loops, and
    /// flushes the log. After ``drain()`` for a graceful stop; alone, it cuts what is running.
    public func shutdown() async throws {
        // The admin listener first, with its open connections: a probe still running when the
        // event loops stop would schedule work on a loop that has shut down.
        try? await admin?.close()
        try? await server.close()
        context.active.generation.remoteKeys.stop()
        engine.shutdown()
        try await group.shutdownGracefully()
        eventLog.close()
    }
}
