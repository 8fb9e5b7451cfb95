import Foundation
import NIOCore
import NIOPosix

/// A running gateway: key source, event log, upstream engine and server, wired from a config.
///
/// `scopegate serve` and the end-to-end tests both start the gateway through here.
public final class Gateway: Sendable {
    public let server: GatewayServer
    public let eventLog: EventLog
    /// The token verifier (its ``TokenVerifier/isReady`` is the readiness of `/healthz`).
    public let verifier: TokenVerifier
    private let engine: CurlEngine
    /// Each backend's instances, their in-flight counts and health.
    public let backendPools: BackendPools
    /// What the connection handlers buffered (unwritten response bytes) and held (client reads).
    public let forwardingStatistics: ForwardingStatistics
    /// What the upstream engine buffered and paused.
    public var upstreamStatistics: UpstreamStatistics { engine.statistics }

    /// Returns once the upstream engine's counters satisfy `condition`.
    public func waitForUpstreamStatistics(_ condition: @escaping @Sendable (UpstreamStatistics) -> Bool) async {
        await engine.waitForStatistics(condition)
    }
    private let group: MultiThreadedEventLoopGroup
    private let remoteKeys: RemoteKeySources

    /// The bound port.
    public var port: Int { server.port }

    private init(server: GatewayServer, eventLog: EventLog, verifier: TokenVerifier, engine: CurlEngine,
                 group: MultiThreadedEventLoopGroup, remoteKeys: RemoteKeySources, forwardingStatistics: ForwardingStatistics,
                 backendPools: BackendPools) {
        self.backendPools = backendPools
        self.forwardingStatistics = forwardingStatistics
        self.server = server
        self.eventLog = eventLog
        self.verifier = verifier
        self.engine = engine
        self.group = group
        self.remoteKeys = remoteKeys
    }

    /// Loads the keys, opens the log, starts the upstream engine and binds the listener.
    /// - Parameters:
    ///   - config: a validated configuration.
    ///   - keySources: issuer (`issuer` string) to key source, replacing the default for
    ///     that issuer: a ``StaticKeySource`` of the JWKS file, or, for a JWKS URL or
    ///     discovery, a ``RemoteJWKSSource`` fetching with libcurl, started here (until its
    ///     first load succeeds, that issuer's tokens get 503 and `/healthz` says not ready).
    ///     HMAC secrets are always read from the config.
    ///   - clock: the time source for token checks and backend-instance ejection (tests
    ///     inject a fixed instant).
    /// - Throws: ``KeyLoadError``, log opening, engine start or bind errors.
    public static func start(
        config: GatewayConfig,
        keySources: [String: any KeySource]? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> Gateway {
        let eventLog = try EventLog(destination: config.log.denials)
        let engine = try CurlEngine(configuration: config.upstream)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: config.listener.eventLoops ?? System.coreCount)
        let remoteKeys = RemoteKeySources(api: config.api, engine: engine, eventLoop: group.next(),
                                          eventLog: eventLog, clock: clock)
        var sources: [String: any KeySource] = remoteKeys.sources
        for (issuer, source) in keySources ?? [:] { sources[issuer] = source }
        let verifier: TokenVerifier
        do {
            verifier = try await TokenVerifier.load(
                api: config.api, keySources: sources, maxTokenBytes: config.limits.maxTokenBytes)
        } catch {
            engine.shutdown()
            eventLog.close()
            try? await group.shutdownGracefully()
            throw error
        }
        let policy = AccessPolicy(routes: RouteTable(config: config), verifier: verifier)
        let context = GatewayContext(policy: policy, engine: engine,
                                     pools: BackendPools(backends: config.backends, clock: clock), eventLog: eventLog,
                                     limits: config.limits, realm: config.api.realm,
                                     healthPath: config.listener.healthPath,
                                     isReady: { verifier.isReady },
                                     upstreamHeaders: UpstreamHeaders(forwarding: config.forwarding,
                                                                      tokenHeader: config.api.token.header),
                                     requestIDHeader: config.forwarding.requestIDHeader, clock: clock,
                                     statistics: ForwardingStatistics())
        do {
            let server = try await GatewayServer.start(listener: config.listener, gateway: context, group: group)
            remoteKeys.start()
            if config.log.statsIntervalSeconds > 0 {
                let interval = TimeAmount.seconds(Int64(config.log.statsIntervalSeconds))
                group.next().scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                    let now = Date()
                    eventLog.write(StatsEvent.cacheLine(verifier.cache?.statistics, time: now))
                    for (issuer, source) in remoteKeys.sources.sorted(by: { $0.key < $1.key }) {
                        eventLog.write(StatsEvent.jwksLine(issuer: issuer, source.statistics, time: now))
                    }
                }
            }
            return Gateway(server: server, eventLog: eventLog, verifier: verifier, engine: engine, group: group,
                           remoteKeys: remoteKeys, forwardingStatistics: context.statistics, backendPools: context.pools)
        } catch {
            engine.shutdown()
            eventLog.close()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Fetches every remote key set now (sharing a fetch already under way) and returns the
    /// issuers whose keys could not be loaded. The background refresh goes on regardless.
    @discardableResult
    public func refreshRemoteKeys() async -> [(issuer: String, error: String)] {
        await remoteKeys.loadOnce()
    }

    /// Stops accepting, stops the engine and the event loops, and flushes the log.
    public func shutdown() async throws {
        try? await server.close()
        remoteKeys.stop()
        engine.shutdown()
        try await group.shutdownGracefully()
        eventLog.close()
    }
}
