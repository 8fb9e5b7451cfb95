import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

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
    private let engine: CurlEngine
    private let group: MultiThreadedEventLoopGroup
    private let clock: @Sendable () -> Date
    /// Key sources the caller injected per issuer (tests); kept across reloads while the issuer exists.
    private let injectedKeySources: [String: any KeySource]
    /// One reload at a time, in arrival order.
    private let reloads = ReloadQueue()

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
    /// Open client connections.
    public var openConnections: Int { context.connections.count }

    /// Returns once the upstream engine's counters satisfy `condition`.
    public func waitForUpstreamStatistics(_ condition: @escaping @Sendable (UpstreamStatistics) -> Bool) async {
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
        let engine: CurlEngine
        do {
            engine = try CurlEngine(configuration: config.upstream)
        } catch {
            eventLog.close()
            throw error
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: config.listener.eventLoops ?? System.coreCount)
        let metrics = GatewayMetrics(enabled: config.admin != nil)
        func abandon() async {
            engine.shutdown()
            eventLog.close()
            try? await group.shutdownGracefully()
        }
        let first: ConfigGeneration
        do {
            first = try await build(number: 1, config: config, previous: nil, engine: engine, eventLoop: group.next(),
                                    eventLog: eventLog, clock: clock, injected: keySources ?? [:])
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
    private static func build(number: Int, config: GatewayConfig, previous: ConfigGeneration?, engine: CurlEngine,
                              eventLoop: any EventLoop, eventLog: EventLog, clock: @escaping @Sendable () -> Date,
                              injected: [String: any KeySource]) async throws(KeyLoadError) -> ConfigGeneration {
        let remoteKeys = RemoteKeySources(api: config.api, engine: engine, eventLoop: eventLoop, eventLog: eventLog,
                                          clock: clock, reusing: previous?.remoteKeys)
        var sources: [String: any KeySource] = remoteKeys.sources
        for (issuer, source) in injected { sources[issuer] = source }
        let verifier = try await TokenVerifier.load(api: config.api, keySources: sources,
                                                    maxTokenBytes: config.limits.maxTokenBytes)
        let pools = BackendPools(backends: config.backends, clock: clock, reusing: previous?.pools)
        return ConfigGeneration(number: number, config: config, verifier: verifier, pools: pools, remoteKeys: remoteKeys)
    }

    /// Fetches every remote key set now (sharing a fetch already under way) and returns the
    /// issuers whose keys could not be loaded. The background refresh goes on regardless.
    @discardableResult
    public func refreshRemoteKeys() async -> [(issuer: String, error: String)] {
        await context.active.generation.remoteKeys.loadOnce()
    }

    // MARK: Reload

    /// What a reload did.
    public enum ReloadOutcome: Sendable, Equatable {
        /// The new configuration is live, as this generation.
        case applied(generation: Int)
        /// The running configuration stays; every problem, with its JSON path.
        case refused([ConfigProblem])
    }

    /// Replaces the running configuration with `config`, atomically, or refuses it whole.
    ///
    /// Runs off the event loops (JWKS and secret files are read here). Refused, with the
    /// running configuration kept: a change that cannot apply live (``LiveReloadRules``) or
    /// keys that cannot be loaded. Applied: new requests are decided under the new generation;
    /// requests in flight finish under the one their head arrived in. Issuers whose keys are
    /// configured the same keep their fetched keys (no refetch), backends configured the same
    /// keep their pools (and the engine keeps every pooled connection). Each outcome is one
    /// `reload` line and counts in `scopegate_config_reloads_total`.
    /// - Parameter trigger: what asked for it, for the log (`SIGHUP`, `watch`).
    @discardableResult
    public func reload(_ config: GatewayConfig, trigger: String) async -> ReloadOutcome {
        await reloads.run { [self] in
            let current = context.active.generation
            let problems = LiveReloadRules.problems(running: current.config, new: config)
            guard problems.isEmpty else { return refuse(problems, trigger: trigger, generation: current.number) }
            let next: ConfigGeneration
            do {
                next = try await Self.build(number: current.number + 1, config: config, previous: current, engine: engine,
                                            eventLoop: group.next(), eventLog: eventLog, clock: clock,
                                            injected: injectedKeySources.filter { issuer, _ in
                                                config.api.issuers.contains { $0.issuer == issuer } })
            } catch let error as KeyLoadError {
                return refuse([ConfigProblem(path: error.path, message: error.message)], trigger: trigger,
                              generation: current.number)
            } catch {
                return refuse([ConfigProblem(path: "$", message: "\(error)")], trigger: trigger, generation: current.number)
            }
            await next.remoteKeys.prefetchNew(comparedTo: current.remoteKeys)
            let previous = context.active.swap(to: next)
            next.remoteKeys.start()   // only new sources start fetching: reused ones are running
            next.remoteKeys.retire(previous.remoteKeys)
            metrics.recordReload(applied: true, generation: next.number)
            eventLog.write(LifecycleEvent.reload(
                applied: true, generation: next.number, trigger: trigger, problems: [], time: Date(),
                details: [("remote_issuers_kept", next.remoteKeys.reused(from: previous.remoteKeys)),
                          ("backends_kept", next.pools.reused(from: previous.pools)),
                          ("routes", config.routes.count)]))
            return .applied(generation: next.number)
        }
    }

    /// Reads, checks and applies the config file at `path` (see ``reload(_:trigger:)``).
    /// - Parameter adjust: what the command line overrides (`--host`, `--port`, ...), applied
    ///   to the new file as at start-up.
    @discardableResult
    public func reload(fileAt path: String, trigger: String,
                       adjust: @Sendable (inout GatewayConfig) -> Void = { _ in }) async -> ReloadOutcome {
        var config: GatewayConfig
        do {
            config = try ConfigLoader.load(fileAt: path)
        } catch let error as ConfigError {
            return await reloads.run { [self] in
                refuse(error.problems, trigger: trigger, generation: context.active.generation.number)
            }
        } catch {
            return await reloads.run { [self] in
                refuse([ConfigProblem(path: "$", message: "\(error)")], trigger: trigger,
                       generation: context.active.generation.number)
            }
        }
        adjust(&config)
        return await reload(config, trigger: trigger)
    }

    private func refuse(_ problems: [ConfigProblem], trigger: String, generation: Int) -> ReloadOutcome {
        metrics.recordReload(applied: false, generation: generation)
        eventLog.write(LifecycleEvent.reload(applied: false, generation: generation, trigger: trigger, problems: problems,
                                             time: Date()))
        return .refused(problems)
    }

    // MARK: Drain

    /// The graceful drain (`shutdown` of the current configuration); returns when no client
    /// connection is left, or when what was left has been cut.
    ///
    /// 1. `draining`: readiness turns 503; responses carry `Connection: close`; the listener
    ///    keeps accepting for `shutdown.drain_delay_ms`.
    /// 2. `stopped_accepting`: the listener closes, idle connections close, requests in flight
    ///    go on for at most `shutdown.grace_ms`.
    /// 3. What is left then is cut (one `shutdown_cut` line per request), and `stopped` is logged.
    ///
    /// Cancelling the calling task (a second signal) cuts at once. Each phase is one
    /// `shutdown` line. Idempotent: a second call returns at once.
    public func drain() async {
        let settings = context.active.generation.config.shutdown
        guard context.active.startDraining() else { return }
        let started = NIODeadline.now()
        metrics.recordDraining()
        eventLog.write(LifecycleEvent.shutdown(
            phase: "draining", time: Date(),
            details: [("drain_delay_ms", settings.drainDelayMilliseconds), ("grace_ms", settings.graceMilliseconds),
                      ("connections", context.connections.count)]))
        context.connections.broadcast(.draining)
        var interrupted = false
        do {
            try await Task.sleep(for: .milliseconds(settings.drainDelayMilliseconds))
        } catch {
            interrupted = true   // a second signal: stop accepting and cut now
        }
        try? await server.close()
        eventLog.write(LifecycleEvent.shutdown(phase: "stopped_accepting", time: Date(),
                                               details: [("connections", context.connections.count)]))
        context.connections.broadcast(.stopAccepting)
        var finished = false
        if !interrupted {
            let connections = context.connections
            finished = await withTaskCancellationHandler {
                await connections.waitUntilEmpty(timeout: .milliseconds(Int64(settings.graceMilliseconds)),
                                                 eventLoop: group.next())
            } onCancel: {
                connections.stopWaiting()
            }
        }
        var cut = 0
        if !finished {
            cut = context.connections.count
            let why = interrupted || Task.isCancelled
                ? "a second signal ended the drain"
                : "shutdown.grace_ms (\(settings.graceMilliseconds) ms) ended"
            context.connections.broadcast(.cut(why: why))
            // The cut connections close on their event loops; wait for that (bounded) so their lines are written.
            _ = await context.connections.waitUntilEmpty(timeout: .seconds(1), eventLoop: group.next())
        }
        eventLog.write(LifecycleEvent.shutdown(
            phase: "stopped", time: Date(),
            details: [("cut", cut), ("elapsed_ms", Int((NIODeadline.now() - started).nanoseconds / 1_000_000))]))
    }

    /// Stops accepting, closes the admin listener, stops the engine and the event loops, and
    /// flushes the log. After ``drain()`` for a graceful stop; alone, it cuts what is running.
    public func shutdown() async throws {
        try? await server.close()
        try? await admin?.close()
        context.active.generation.remoteKeys.stop()
        engine.shutdown()
        try await group.shutdownGracefully()
        eventLog.close()
    }
}
