import NIOCore
import NIOHTTP1
import NIOPosix
import ScopeGateCore

/// The admin listener (`admin.host`/`admin.port`), apart from the public one so that clients
/// can neither scrape nor probe it:
///
/// - `GET /metrics`: the Prometheus text exposition (format 0.0.4) of ``GatewayMetrics``;
/// - `GET /livez`: 200 `{"status":"live"}` once every event loop of the gateway ran a task
///   within 1 s, else 503 (a liveness probe: an identity-provider outage never fails it);
/// - `GET /readyz`: 200 `{"status":"ready"}` when the configuration and every issuer's keys are
///   loaded and the gateway is not draining, else 503 with the reason (a readiness probe).
///
/// Anything else is 404; a method other than GET or HEAD is 405; a malformed request is 400.
/// It keeps answering during the drain, until ``Gateway/shutdown()``.
///
/// Bounded: a request is answered at its head (a body is never read), every answer closes its
/// connection (a client that pipelines without reading gets one answer, not a growing
/// buffer), a connection lives at most ``connectionLifetime`` (a half-sent request cannot hold
/// it), and at most ``maximumConnections`` are open at once: a new connection beyond that
/// closes the oldest one, so the admin port cannot use up the process's file descriptors, and
/// connections held open by someone else cannot keep a probe out.
public final class AdminServer: Sendable {
    private let channel: any Channel
    private let connections: ConnectionRegistry

    /// The longest an admin connection stays open (a probe's whole request is one small head).
    static let connectionLifetime = TimeAmount.seconds(2)
    /// The most admin connections open at once.
    static let maximumConnections = 64

    /// The bound port (useful when `admin.port` is 0).
    public var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel, connections: ConnectionRegistry) {
        self.channel = channel
        self.connections = connections
    }

    static func start(config: AdminConfig, gateway: GatewayContext, group: any EventLoopGroup) async throws -> AdminServer {
        let loops = Array(group.makeIterator())
        let connections = ConnectionRegistry(metrics: nil)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                if connections.count >= maximumConnections { connections.closeOldest() }
                connections.add(channel)
                channel.eventLoop.scheduleTask(in: connectionLifetime) { channel.close(promise: nil) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(gateway: gateway, loops: loops))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: config.host, port: config.port).get()
        } catch {
            throw ListenerBindError(key: "admin", host: config.host, port: config.port, underlying: error)
        }
        return AdminServer(channel: channel, connections: connections)
    }

    /// Stops accepting admin connections and closes the open ones (bounded wait), so that no
    /// probe is still running when the event loops stop.
    public func close() async throws {
        try? await channel.close()
        connections.closeAll()
        _ = await connections.waitUntilEmpty(timeout: .seconds(1), eventLoop: channel.eventLoop)
    }
}
