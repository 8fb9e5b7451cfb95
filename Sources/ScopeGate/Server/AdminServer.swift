import NIOCore
import NIOHTTP1
import NIOPosix

/// The admin listener (`admin.host`/`admin.port`), apart from the public one so that clients
/// can neither scrape nor probe it:
///
/// - `GET /metrics`: the Prometheus text exposition (format 0.0.4) of ``GatewayMetrics``;
/// - `GET /livez`: 200 `{"status":"live"}` once every event loop of the gateway ran a task
///   within 1 s, else 503 (a liveness probe: an identity-provider outage never fails it);
/// - `GET /readyz`: 200 `{"status":"ready"}` when the configuration and every issuer's keys are
///   loaded and the gateway is not draining, else 503 with the reason (a readiness probe).
///
/// Anything else is 404; a method other than GET or HEAD is 405. It keeps answering during the
/// drain, until ``Gateway/shutdown()``.
public final class AdminServer: Sendable {
    private let channel: any Channel

    /// The bound port (useful when `admin.port` is 0).
    public var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func start(config: AdminConfig, gateway: GatewayContext, group: any EventLoopGroup) async throws -> AdminServer {
        let loops = Array(group.makeIterator())
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(gateway: gateway, loops: loops))
                }
            }
        let channel = try await bootstrap.bind(host: config.host, port: config.port).get()
        return AdminServer(channel: channel)
    }

    /// Stops accepting admin connections.
    public func close() async throws {
        try await channel.close()
    }
}
