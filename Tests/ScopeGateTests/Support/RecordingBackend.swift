import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import ScopeGateDemo

/// A backend that records, per connection, every byte it received and whether the peer closed
/// or reset the connection: to see what the gateway handed a backend when it gave up on a
/// request. It never answers, unless given `answer`: bytes written as soon as a request head
/// (`\r\n\r\n`) arrived, whatever body follows (a backend that answers early). 127.0.0.1, an
/// ephemeral port.
final class RecordingBackend: @unchecked Sendable {
    /// One accepted connection as the backend saw it.
    struct Connection: Sendable {
        var received: [UInt8] = []
        /// The gateway closed or reset it.
        var closed = false

        /// The bytes after the first request head, if a head arrived.
        var bodyBytes: [UInt8]? {
            let marker = Array("\r\n\r\n".utf8)
            guard let end = received.indices.first(where: { received[$0...].starts(with: marker) }) else { return nil }
            return Array(received[(end + marker.count)...])
        }
        var head: String? {
            let text = String(decoding: received, as: UTF8.self)
            return text.range(of: "\r\n\r\n").map { String(text[..<$0.lowerBound]) }
        }
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state: NIOLockedValueBox<[Connection]>
    private let changed: HeadSignal
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start(answer: String? = nil) async throws -> RecordingBackend {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let state = NIOLockedValueBox<[Connection]>([])
        let changed = HeadSignal()
        let bytes = answer.map { Array($0.utf8) }
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                let index = state.withLockedValue { list in list.append(Connection()); return list.count - 1 }
                changed.signal()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Recorder(index: index, answer: bytes, state: state, changed: changed))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return RecordingBackend(group: group, channel: channel, state: state, changed: changed)
    }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, state: NIOLockedValueBox<[Connection]>, changed: HeadSignal) {
        self.group = group
        self.channel = channel
        self.state = state
        self.changed = changed
    }

    /// The connections so far, in the order they were accepted.
    var connections: [Connection] { state.withLockedValue { $0 } }

    /// Blocks (never on an event loop) until `holds` is true of the connections, or `timeout`
    /// seconds passed; returns the connections then. Woken by each byte and close, not by polling.
    func wait(timeout: TimeInterval, until holds: @escaping ([Connection]) -> Bool) -> [Connection] {
        _ = changed.wait(until: Date(timeIntervalSinceNow: timeout)) { [state] in holds(state.withLockedValue { $0 }) }
        return connections
    }

    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }

    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let index: Int
        let answer: [UInt8]?
        let state: NIOLockedValueBox<[Connection]>
        let changed: HeadSignal
        var answered = false

        init(index: Int, answer: [UInt8]?, state: NIOLockedValueBox<[Connection]>, changed: HeadSignal) {
            self.index = index
            self.answer = answer
            self.state = state
            self.changed = changed
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).readableBytesView)
            let headSeen = state.withLockedValue { list in
                list[index].received += bytes
                return list[index].head != nil
            }
            changed.signal()
            if let answer, headSeen, !answered {
                answered = true
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: answer)), promise: nil)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.withLockedValue { $0[index].closed = true }
            changed.signal()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)   // a reset: recorded as closed by channelInactive
        }
    }
}
