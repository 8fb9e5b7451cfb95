import Foundation
import NIOCore
import NIOPosix

/// A running gateway: key source, event log, upstream engine and server, wired from a config.
///
/// `scopegate serve` and the end-to-end tests both start the gateway through here.
public final class Gateway: Sendable {
    public let server: GatewayServer
    public let eventLog: EventLog
    private let engine: CurlEngine
    /// What the connection handlers buffered (unwritten response bytes) and held (client reads).
    public let forwardingStatistics: ForwardingStatistics
    /// What the upstream engine buffered and paused.
    public var upstreamStatistics: UpstreamStatistics { engine.statistics }
    private let group: MultiThreadedEventLoopGroup

    /// The bound port.
    public var port: Int { server.port }

    private init(server: GatewayServer, eventLog: EventLog, engine: CurlEngine, group: MultiThreadedEventLoopGroup,
                 forwardingStatistics: ForwardingStatistics) {
        self.forwardingStatistics = forwardingStatistics
        self.server = server
        self.eventLog = eventLog
        self.engine = engine
        self.group = group
    }

    /// Loads the keys, opens the log, starts the upstream engine and binds the listener.
    /// - Parameters:
    ///   - config: a validated configuration.
    ///   - keySource: where verification keys come from; by default the config's JWKS file.
    ///   - clock: the time source for token checks (tests inject a fixed instant).
    /// - Throws: key loading, log opening, engine start or bind errors.
    public static func start(
        config: GatewayConfig,
        keySource: (any KeySource)? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> Gateway {
        let keys: any KeySource
        if let keySource {
            keys = keySource
        } else {
            keys = try await StaticKeySource.load(config.api)
        }
        let eventLog = try EventLog(destination: config.log.denials)
        let engine = try CurlEngine(configuration: config.upstream)
        let policy = AccessPolicy(
            routes: RouteTable(config: config),
            verifier: TokenVerifier(api: config.api, keySource: keys, maxTokenBytes: config.limits.maxTokenBytes)
        )
        let context = GatewayContext(policy: policy, engine: engine, eventLog: eventLog,
                                     limits: config.limits, realm: config.api.realm,
                                     healthPath: config.listener.healthPath,
                                     isReady: { keys.keySet != nil }, clock: clock,
                                     statistics: ForwardingStatistics())
        let group = MultiThreadedEventLoopGroup(numberOfThreads: config.listener.eventLoops ?? System.coreCount)
        do {
            let server = try await GatewayServer.start(listener: config.listener, gateway: context, group: group)
            return Gateway(server: server, eventLog: eventLog, engine: engine, group: group,
                           forwardingStatistics: context.statistics)
        } catch {
            engine.shutdown()
            eventLog.close()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Stops accepting, stops the engine and the event loops, and flushes the log.
    public func shutdown() async throws {
        try? await server.close()
        engine.shutdown()
        try await group.shutdownGracefully()
        eventLog.close()
    }
}
