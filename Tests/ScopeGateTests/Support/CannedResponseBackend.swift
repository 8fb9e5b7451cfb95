import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A backend that answers every request (each request head, `\r\n\r\n`) with the same canned
/// bytes, exactly as given: for response-side tests where the backend's framing must be wrong
/// on purpose. Requests must have no body. 127.0.0.1, an ephemeral port.
///
/// With `held`, that part of the answer is sent only when the test calls ``release()``: a
/// response whose body comes later, without a timer in the test.
final class CannedResponseBackend: @unchecked Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let waiting = NIOLockedValueBox<[(ChannelHandlerContext, [UInt8])]>([])
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start(response: String, held: String? = nil) async throws -> CannedResponseBackend {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bytes = Array(response.utf8)
        let heldBytes = held.map { Array($0.utf8) }
        let box = NIOLockedValueBox<CannedResponseBackend?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(response: bytes, held: heldBytes) { context, rest in
                        box.withLockedValue { $0 }?.waiting.withLockedValue { $0.append((context, rest)) }
                    })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let backend = CannedResponseBackend(group: group, channel: channel)
        box.withLockedValue { $0 = backend }
        return backend
    }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel) {
        self.group = group
        self.channel = channel
    }

    /// Sends the held part of every answer given so far.
    func release() {
        for (context, rest) in waiting.withLockedValue({ list in defer { list.removeAll() }; return list }) {
            // The context is used on its own event loop only.
            let handed = HandedOver(context: context)
            context.eventLoop.execute {
                handed.context.writeAndFlush(NIOAny(handed.context.channel.allocator.buffer(bytes: rest)), promise: nil)
            }
        }
    }

    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let response: [UInt8]
        let held: [UInt8]?
        let hold: (ChannelHandlerContext, [UInt8]) -> Void
        var received: [UInt8] = []

        init(response: [UInt8], held: [UInt8]?, hold: @escaping (ChannelHandlerContext, [UInt8]) -> Void) {
            self.response = response
            self.held = held
            self.hold = hold
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += unwrapInboundIn(data).readableBytesView
            let marker = Array("\r\n\r\n".utf8)
            while let end = received.indices.first(where: { received[$0...].starts(with: marker) }) {
                received.removeSubrange(..<(end + marker.count))
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: response)), promise: nil)
                if let held { hold(context, held) }
            }
        }
    }
}

/// A channel context carried to its own event loop.
private struct HandedOver: @unchecked Sendable {
    let context: ChannelHandlerContext
}
