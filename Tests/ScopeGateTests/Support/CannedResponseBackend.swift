import NIOCore
import NIOPosix

/// A backend that answers every request (each request head, `\r\n\r\n`) with the same canned
/// bytes, exactly as given: for response-side tests where the backend's framing must be wrong
/// on purpose. Requests must have no body. 127.0.0.1, an ephemeral port.
final class CannedResponseBackend {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start(response: String) async throws -> CannedResponseBackend {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bytes = Array(response.utf8)
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Handler(response: bytes)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CannedResponseBackend(group: group, channel: channel)
    }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel) {
        self.group = group
        self.channel = channel
    }

    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let response: [UInt8]
        var received: [UInt8] = []

        init(response: [UInt8]) { self.response = response }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += unwrapInboundIn(data).readableBytesView
            let marker = Array("\r\n\r\n".utf8)
            while let end = received.indices.first(where: { received[$0...].starts(with: marker) }) {
                received.removeSubrange(..<(end + marker.count))
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: response)), promise: nil)
            }
        }
    }
}
