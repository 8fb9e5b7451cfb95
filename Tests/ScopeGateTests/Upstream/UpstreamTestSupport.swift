import Foundation
import NIOCore
import NIOPosix
@testable import ScopeGateUpstream

/// Everything one transfer delivered, in order.
struct CollectedResponse: Sendable {
    var head: UpstreamResponseHead?
    var body = ByteBuffer()
    var error: UpstreamError?
    var failedAfterHead = false
    /// Delegate calls in order: "head", "body", "finish", "fail".
    var calls: [String] = []

    var bodyString: String { String(buffer: body) }

    /// The EchoBackend's JSON answer.
    func echo() throws -> EchoedRequest {
        try JSONDecoder().decode(EchoedRequest.self, from: Data(body.readableBytesView))
    }

    func header(_ name: String) -> [String] {
        head?.headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value) ?? []
    }
}

/// The JSON body `EchoBackend` answers with.
struct EchoedRequest: Decodable {
    var backend: String
    var method: String
    var path: String
    var query: String?
    var headers: [[String]]
    var body_bytes: Int
    var body: String?

    func header(_ name: String) -> [String] {
        headers.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] }
    }
}

/// Records delegate calls on the event loop and completes `future` at finish or fail.
final class CollectingDelegate: UpstreamResponseDelegate {
    private var collected = CollectedResponse()
    private let promise: EventLoopPromise<CollectedResponse>
    let eventLoop: any EventLoop
    var future: EventLoopFuture<CollectedResponse> { promise.futureResult }
    /// Calls seen so far; read on the event loop.
    var callCount: Int { collected.calls.count }

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.promise = eventLoop.makePromise()
    }

    /// Completes the future for a transfer that is expected never to report (cancelled).
    func abandon() {
        promise.fail(CancellationError())
    }

    func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {
        eventLoop.preconditionInEventLoop()
        collected.calls.append("head")
        collected.head = head
    }

    func upstreamDidReceiveBodyPart(_ part: ByteBuffer) {
        eventLoop.preconditionInEventLoop()
        collected.calls.append("body")
        var part = part
        collected.body.writeBuffer(&part)
    }

    func upstreamDidFinish() {
        eventLoop.preconditionInEventLoop()
        collected.calls.append("finish")
        promise.succeed(collected)
    }

    func upstreamDidFail(_ error: UpstreamError, afterHead: Bool) {
        eventLoop.preconditionInEventLoop()
        collected.calls.append("fail")
        collected.error = error
        collected.failedAfterHead = afterHead
        promise.succeed(collected)
    }
}

extension CurlEngine {
    /// Runs `request` to completion with a ``CollectingDelegate``.
    func collect(_ request: UpstreamRequest, on eventLoop: any EventLoop) async throws -> CollectedResponse {
        let delegate = CollectingDelegate(eventLoop: eventLoop)
        execute(request, on: eventLoop, delegate: delegate)
        return try await delegate.future.get()
    }
}

/// A TCP listener that accepts connections, reads and discards everything, and never answers.
final class SilentListener: Sendable {
    private let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    init(group: any EventLoopGroup) async throws {
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func close() async throws { try await channel.close() }
}

/// A port on 127.0.0.1 with nothing listening: bound to find a free one, then closed.
func unusedPort(group: any EventLoopGroup) async throws -> Int {
    let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}

/// A TCP listener that answers the first read on each connection with fixed bytes, then closes.
final class ScriptedListener: Sendable {
    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let response: String
        var answered = false
        init(response: String) { self.response = response }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !answered else { return }
            answered = true
            let channel = context.channel
            context.writeAndFlush(NIOAny(channel.allocator.buffer(string: response))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }

    private let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    init(group: any EventLoopGroup, response: String) async throws {
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Responder(response: response))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func close() async throws { try await channel.close() }
}
