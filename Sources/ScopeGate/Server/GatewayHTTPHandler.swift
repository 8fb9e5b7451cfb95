import Foundation
import NIOCore
import NIOHTTP1

/// One client connection: decide each request, then forward it or deny it.
///
/// Sits behind NIO's HTTP/1.1 codec with pipelining assistance, so requests arrive one
/// at a time and responses leave in request order (RFC 9112 §9.3.2). Runs entirely on
/// the channel's event loop; the only work done here is the pure ``AccessPolicy``
/// decision and handing an allowed request to the ``CurlEngine``.
final class GatewayHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let gateway: GatewayContext
    private var context: ChannelHandlerContext?
    private var state = RequestState.idle
    private var clientAddress: String?

    init(gateway: GatewayContext) {
        self.gateway = gateway
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        clientAddress = context.channel.remoteAddress?.ipAddress
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelUpstream()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelUpstream()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): receiveHead(head)
        case .body(let part): receiveBody(part)
        case .end: receiveEnd()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError, case .idle = state {
            let tooLarge = parserError == .headerOverflow
            var denial = Denial(status: tooLarge ? 431 : 400,
                                reason: tooLarge ? .headersTooLarge : .invalidRequest,
                                description: tooLarge ? "request head too large" : "malformed HTTP request")
            denial.challenges = false
            deny(denial, method: "-", rawTarget: "-", version: .http1_1, close: true)
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: Request

    private func receiveHead(_ head: HTTPRequestHead) {
        let exchange = Exchange(head: head)
        if let denial = framingDenial(head) {
            deny(denial, exchange: exchange, close: true)
            return
        }
        if let healthPath = gateway.healthPath, head.method == .GET || head.method == .HEAD,
           head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0] == healthPath {
            answerHealth(exchange)
            return
        }
        let request = AccessRequest(method: head.method.rawValue, target: head.uri,
                                    tokenHeaderValues: head.headers[gateway.policy.extractor.location.header])
        switch gateway.policy.decide(request, now: gateway.clock()) {
        case .deny(let denial):
            deny(denial, exchange: exchange, close: exchange.expectsBody || !head.isKeepAlive)
        case .allow(let allowance):
            exchange.allowance = allowance
            if exchange.expectsBody,
               head.version == .http1_1,
               head.headers["Expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                context?.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
            }
            state = .collecting(exchange)
        }
    }

    /// 400 for a missing or repeated `Host` (RFC 9112 §3.2), 431 for an oversized head,
    /// 413 for a declared body over the limit; `nil` when the framing is acceptable.
    private func framingDenial(_ head: HTTPRequestHead) -> Denial? {
        var headBytes = head.uri.utf8.count + head.method.rawValue.utf8.count + 12
        for (name, value) in head.headers { headBytes += name.utf8.count + value.utf8.count + 4 }
        if headBytes > gateway.limits.maxHeaderBytes {
            return Denial(status: 431, reason: .headersTooLarge,
                          description: "request head is \(headBytes) bytes; the limit is \(gateway.limits.maxHeaderBytes)")
        }
        let hosts = head.headers["Host"]
        if hosts.count > 1 || (hosts.isEmpty && head.version == .http1_1) {
            return Denial(status: 400, reason: .invalidRequest, description: "exactly one Host header is required")
        }
        let lengths = head.headers["Content-Length"]
        if let length = lengths.first.flatMap({ Int($0) }), length > gateway.limits.maxBodyBytes {
            return Denial(status: 413, reason: .bodyTooLarge,
                          description: "request body is \(length) bytes; the limit is \(gateway.limits.maxBodyBytes)")
        }
        return nil
    }

    private func receiveBody(_ part: ByteBuffer) {
        guard case .collecting(let exchange) = state else { return }   // discarding a denied request's body
        var part = part
        if exchange.body == nil {
            exchange.body = part
        } else {
            exchange.body!.writeBuffer(&part)
        }
        if exchange.body!.readableBytes > gateway.limits.maxBodyBytes {
            let denial = Denial(status: 413, reason: .bodyTooLarge,
                                description: "request body exceeds \(gateway.limits.maxBodyBytes) bytes",
                                route: exchange.allowance?.route.prefix, backend: exchange.allowance?.route.backend.name,
                                path: exchange.allowance?.target.path)
            deny(denial, exchange: exchange, close: true)
        }
    }

    private func receiveEnd() {
        switch state {
        case .collecting(let exchange):
            forward(exchange)
        case .discarding(let close):
            state = .idle
            if close { context?.close(promise: nil) }
        case .idle, .forwarding, .closing:
            break
        }
    }

    // MARK: Forwarding

    private func forward(_ exchange: Exchange) {
        guard let allowance = exchange.allowance, let context else { return }
        let backend = allowance.route.backend
        var headers = HopByHopHeaders.removing(from: exchange.head.headers.map { ($0.name, $0.value) })
        headers.removeAll { Self.notForwarded.contains($0.name.lowercased()) }
        let request = UpstreamRequest(
            method: exchange.head.method.rawValue,
            url: allowance.upstreamURL,
            headers: headers,
            body: exchange.expectsBody ? (exchange.body ?? ByteBuffer()) : nil,
            connectTimeoutMilliseconds: backend.connectTimeoutMilliseconds,
            timeoutMilliseconds: backend.timeoutMilliseconds
        )
        exchange.body = nil
        let delegate = UpstreamRelay(handler: self, exchange: exchange)
        state = .forwarding(exchange)
        exchange.transfer = gateway.engine.execute(request, on: context.eventLoop, delegate: delegate)
    }

    /// Request headers the gateway sets itself: curl sends `Host` from the backend URL and
    /// `Content-Length` from the body; `Expect` was answered here.
    private static let notForwarded: Set<String> = ["host", "content-length", "expect"]

    func relayHead(_ head: UpstreamResponseHead, for exchange: Exchange) {
        guard isCurrent(exchange), let context else { return }
        exchange.responseStarted = true
        var headers = HTTPHeaders(head.headers.map { ($0.name, $0.value) })
        if !exchange.head.isKeepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: head.status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
    }

    func relayBodyPart(_ part: ByteBuffer, for exchange: Exchange) {
        guard isCurrent(exchange), let context else { return }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(part))), promise: nil)
    }

    func relayEnd(for exchange: Exchange) {
        guard isCurrent(exchange), let context else { return }
        state = .idle
        let close = !exchange.head.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            if close { channel.close(promise: nil) }
        }
    }

    func relayFailure(_ error: UpstreamError, afterHead: Bool, for exchange: Exchange) {
        guard isCurrent(exchange), let context, let allowance = exchange.allowance else { return }
        let started = afterHead || exchange.responseStarted
        let response = DenialResponse.upstreamFailure(error)
        gateway.eventLog.write(UpstreamFailureEvent(
            time: gateway.clock(), client: clientAddress, method: exchange.head.method.rawValue,
            path: allowance.target.path, route: allowance.route.prefix, backend: allowance.route.backend.name,
            status: started ? nil : response.status, reason: error.reason, description: Self.describe(error)
        ).line)
        if started {
            // The client already has a head: ending the response normally would pass a
            // truncated body off as whole, so the connection is closed instead.
            state = .closing
            context.close(promise: nil)
        } else {
            state = .idle
            write(response, version: exchange.head.version, close: !exchange.head.isKeepAlive)
        }
    }

    private func isCurrent(_ exchange: Exchange) -> Bool {
        if case .forwarding(let current) = state, current === exchange { return true }
        return false
    }

    private func cancelUpstream() {
        if case .forwarding(let exchange) = state {
            exchange.transfer?.cancel()
            state = .closing
        }
    }

    private static func describe(_ error: UpstreamError) -> String {
        switch error {
        case .connectFailed(let text), .timeout(let text), .reset(let text), .failed(let text): return text
        }
    }

    // MARK: Health

    private func answerHealth(_ exchange: Exchange) {
        guard let context else { return }
        let ready = gateway.isReady()
        let body = ready ? #"{"status":"ready"}"# : #"{"status":"not_ready","reason":"keys_unavailable"}"#
        let close = exchange.expectsBody || !exchange.head.isKeepAlive
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                                   ("Content-Length", String(body.utf8.count))])
        if close { headers.add(name: "Connection", value: "close") }
        state = .discarding(close: close)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: ready ? .ok : .serviceUnavailable, headers: headers))), promise: nil)
        if exchange.head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            if close { channel.close(promise: nil) }
        }
    }

    // MARK: Denial

    private func deny(_ denial: Denial, exchange: Exchange, close: Bool) {
        deny(denial, method: exchange.head.method.rawValue, rawTarget: exchange.head.uri, version: exchange.head.version, close: close)
    }

    private func deny(_ denial: Denial, method: String, rawTarget: String, version: HTTPVersion, close: Bool) {
        gateway.eventLog.write(DenialEvent(time: gateway.clock(), client: clientAddress, method: method,
                                           rawTarget: rawTarget, denial: denial).line)
        state = .discarding(close: close)
        write(DenialResponse(denial, realm: gateway.realm), version: version, close: close)
    }

    private func write(_ response: DenialResponse, version: HTTPVersion, close: Bool) {
        guard let context else { return }
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        body.writeString(response.body)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        if close { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            if close { channel.close(promise: nil) }
        }
    }
}
