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
    private let group: MultiThreadedEventLoopGroup

    /// The bound port.
    public var port: Int { server.port }

    private init(server: GatewayServer, eventLog: EventLog, engine: CurlEngine, group: MultiThreadedEventLoopGroup) {
        self.server = server
        self.eventLog = eventLog
        self.engine = engine
        self.group = group
    }

    /// Loads the keys, opens the log, starts the upstream engine and binds the listener.
    /// - Parameters:
    ///   - config: a validated configuration.
    ///   - keySources: issuer (`issuer` string) to key source, replacing the default for
    ///     that issuer: a ``StaticKeySource`` of the JWKS file, or, for a JWKS URL or
    ///     discovery, an ``UnavailableKeySource`` (fail closed) until the remote source is
    ///     passed here. HMAC secrets are always read from the config.
    ///   - clock: the time source for token checks (tests inject a fixed instant).
    /// - Throws: ``KeyLoadError``, log opening, engine start or bind errors.
    public static func start(
        config: GatewayConfig,
        keySources: [String: any KeySource]? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> Gateway {
        let verifier = try await TokenVerifier.load(
            api: config.api, keySources: keySources, maxTokenBytes: config.limits.maxTokenBytes)
        let eventLog = try EventLog(destination: config.log.denials)
        let engine = try CurlEngine(configuration: config.upstream)
        let policy = AccessPolicy(routes: RouteTable(config: config), verifier: verifier)
        let context = GatewayContext(policy: policy, engine: engine, eventLog: eventLog,
                                     limits: config.limits, realm: config.api.realm,
                                     healthPath: config.listener.healthPath,
                                     isReady: { verifier.isReady }, clock: clock)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: config.listener.eventLoops ?? System.coreCount)
        do {
            let server = try await GatewayServer.start(listener: config.listener, gateway: context, group: group)
            return Gateway(server: server, eventLog: eventLog, engine: engine, group: group)
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
