import NIOCore
import NIOHTTP1
import ScopeGateObservability

/// One admin connection: answers `/metrics`, `/livez` and `/readyz` (see ``AdminServer``).
final class AdminHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let gateway: GatewayContext
    private let loops: [any EventLoop]
    private var head: HTTPRequestHead?

    init(gateway: GatewayContext, loops: [any EventLoop]) {
        self.gateway = gateway
        self.loops = loops
    }

    /// The first request's head was read: anything after it is ignored (the answer closes).
    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if answered { return }
        // Answered at the head: the admin paths take no body, and the answer closes the
        // connection, so a body (however large) is never read.
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        self.head = head
        answered = true
        answer(head, context: context)
    }

    /// A request the HTTP parser refused: 400, then the connection closes.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError, !answered else { return context.close(promise: nil) }
        answered = true
        let refused = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
        respond(.badRequest, #"{"error":"invalid_request"}"#, head: refused, context: context)
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard ["/metrics", "/livez", "/readyz"].contains(path) else {
            return respond(.notFound, #"{"error":"not_found"}"#, head: head, context: context)
        }
        guard head.method == .GET || head.method == .HEAD else {
            return respond(.methodNotAllowed, #"{"error":"method_not_allowed"}"#, head: head, context: context,
                           extra: [("Allow", "GET, HEAD")])
        }
        switch path {
        case "/metrics":
            let generation = gateway.active.generation
            let sources = generation.remoteKeys.sources.sorted { $0.key < $1.key }.map { issuer, source in
                GatewayMetrics.Snapshot.KeySource(issuer: issuer, source: source, loaded: source.keySet != nil)
            }
            let cache = generation.verifier.cache.map { (generation.number, $0.statistics) }
            let bytes = gateway.metrics.render(GatewayMetrics.Snapshot(keySources: sources, cache: cache, now: gateway.clock()))
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            respond(.ok, buffer, contentType: "text/plain; version=0.0.4; charset=utf-8", head: head, context: context)
        case "/readyz":
            let readiness = gateway.readiness
            respond(readiness == .ready ? .ok : .serviceUnavailable, readiness.body, head: head, context: context)
        default:
            // Liveness: every event loop runs a task within a second.
            let loop = context.eventLoop
            let pings = loops.map { $0.submit {} }
            let answered = EventLoopFuture.andAllSucceed(pings, on: loop)
            let handler = NIOLoopBound(self, eventLoop: loop)
            let bound = NIOLoopBound(context, eventLoop: loop)
            let doneBox = NIOLoopBoundBox(false, eventLoop: loop)
            let timeout = loop.scheduleTask(in: .seconds(1)) {
                guard !doneBox.value else { return }
                doneBox.value = true
                handler.value.respond(.serviceUnavailable, #"{"status":"not_live","reason":"event_loop_stalled"}"#,
                                      head: head, context: bound.value)
            }
            answered.whenComplete { _ in
                guard !doneBox.value else { return }
                doneBox.value = true
                timeout.cancel()
                handler.value.respond(.ok, #"{"status":"live"}"#, head: head, context: bound.value)
            }
        }
    }

    private func respond(_ status: HTTPResponseStatus, _ body: String, head: HTTPRequestHead, context: ChannelHandlerContext,
                         extra: [(String, String)] = []) {
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        respond(status, buffer, contentType: "application/json", head: head, context: context, extra: extra)
    }

    private func respond(_ status: HTTPResponseStatus, _ body: ByteBuffer, contentType: String, head: HTTPRequestHead,
                         context: ChannelHandlerContext, extra: [(String, String)] = []) {
        // Every answer closes the connection: nothing pipelined behind it is read or answered.
        let headers = HTTPHeaders([("Content-Type", contentType), ("Cache-Control", "no-store"),
                                   ("Content-Length", String(body.readableBytes)), ("Connection", "close")] + extra)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                      promise: nil)
        if head.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            channel.close(promise: nil)
        }
    }
}
