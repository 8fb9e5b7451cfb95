import NIOCore
import NIOHTTP1
import NIOPosix
import ScopeGateCore

/// The listening socket: SwiftNIO HTTP/1.1 with keep-alive and pipelining.
public final class GatewayServer: Sendable {
    private let channel: any Channel

    /// The bound port (useful when `listen.port` is 0).
    public var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Binds `listener.host:listener.port` and serves until ``close()``.
    /// - Throws: NIO's bind errors (address in use, permission denied).
    static func start(listener: ListenerConfig, gateway: GatewayContext, group: any EventLoopGroup) async throws -> GatewayServer {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // A held read takes effect after the current read loop: 4 reads of at most 64 KiB
            // bound what arrives after the upstream queue said it was full.
            .childChannelOption(.maxMessagesPerRead, value: 4)
            // The receive buffer a connection keeps between reads starts at 1 KiB (NIO's default:
            // 2 KiB). An idle keep-alive connection holds it for as long as it stays open: a
            // request with a bearer token (about 0.8 KiB) still fits one read, and a body doubles
            // it per full read up to 64 KiB. 10,000 idle connections: 1.0 KiB less each.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024, maximum: 64 << 10))
            // Above 256 KiB unwritten the channel turns unwritable and the upstream transfer
            // pauses; it resumes below 64 KiB.
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 64 << 10, high: 256 << 10))
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    gateway.connections.add(channel)
                    // Client deadlines come from the configuration current when the connection
                    // opens (a reload applies them to new connections).
                    let listener = gateway.active.generation.config.listener
                    try channel.pipeline.syncOperations.addHandler(ConnectionDeadlineHandler(deadlines: ClientDeadlines(listener)))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(GatewayHTTPHandler(gateway: gateway))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: listener.host, port: listener.port).get()
        } catch {
            throw ListenerBindError(key: "listen", host: listener.host, port: listener.port, underlying: error)
        }
        return GatewayServer(channel: channel)
    }

    /// Stops accepting connections.
    public func close() async throws {
        try await channel.close()
    }
}

/// A listener could not bind its address: which one, where, and why.
public struct ListenerBindError: Error, CustomStringConvertible {
    /// `listen` or `admin`.
    public var key: String
    public var host: String
    public var port: Int
    public var underlying: any Error

    public var description: String {
        let reason: String
        if let io = underlying as? IOError { reason = String(cString: strerror(io.errnoCode)) } else { reason = "\(underlying)" }
        return "\(key): cannot listen on \(host):\(port): \(reason) (\(key).host, \(key).port)"
    }
}
