import Foundation
import NIOCore
import NIOHTTP1

/// One client connection: decide each request, then forward it or deny it.
///
/// Sits behind NIO's HTTP/1.1 codec with pipelining assistance, so requests arrive one
/// at a time and responses leave in request order (RFC 9112 §9.3.2). Runs entirely on
/// the channel's event loop; the only work done here is the pure ``AccessPolicy``
/// decision and handing an allowed request to the ``CurlEngine``.
///
/// Streaming both ways: an allowed request goes to the engine at its head; body parts
/// follow as they arrive, and while the engine's queue is full the handler holds the
/// channel's `read()` (so NIO stops reading the socket and TCP pushes back on the client).
/// Response parts are written as they arrive; while the channel is not writable (above its
/// write-buffer high water mark) the upstream transfer is paused, and resumed when it is.
final class GatewayHTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let gateway: GatewayContext
    private var context: ChannelHandlerContext?
    private var state = RequestState.idle
    private var clientAddress: String?
    /// The client half-closed its side: answer what is in flight, then close.
    private var inputClosed = false
    /// Whether the current request's end was read (false from its head to its end).
    private var requestComplete = true
    /// The channel asked for a read while client reads were held; issued when they resume.
    private var readPending = false
    /// The most response bytes this connection's channel has held unwritten.
    private var peakUnwrittenBytes = 0

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

    /// Holds the read while the current exchange's request body cannot be queued, or while
    /// its decision waits for a key refetch.
    func read(context: ChannelHandlerContext) {
        switch state {
        case .forwarding(let exchange) where exchange.clientReadsHeld:
            readPending = true
        case .awaitingKeys:
            readPending = true
        default:
            context.read()
        }
    }

    /// Paces the upstream transfer by the client: pause while the channel is above its high
    /// water mark, resume below its low water mark.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .forwarding(let exchange) = state, let transfer = exchange.transfer {
            if context.channel.isWritable { transfer.resumeReceiving() } else { transfer.pauseReceiving() }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): receiveHead(head)
        case .body(let part): receiveBody(part)
        case .end: receiveEnd()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            switch state {
            case .idle, .discarding: context.close(promise: nil)
            case .forwarding, .awaitingKeys, .closing: break
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError, parserError == .invalidEOFState {
            context.close(promise: nil)   // the client went away mid-request: nobody to answer
            return
        }
        if let parserError = error as? HTTPParserError, Self.canAnswer(state) {
            if case .forwarding(let exchange) = state { exchange.transfer?.cancel() }
            let tooLarge = parserError == .headerOverflow
            var denial = Denial(status: tooLarge ? 431 : 400,
                                reason: tooLarge ? .headersTooLarge : .invalidRequest,
                                description: tooLarge ? "request head too large" : "malformed HTTP request")
            denial.challenges = false
            deny(denial, method: "-", rawTarget: "-", version: .http1_1, requestID: nil, close: true)
        } else {
            context.close(promise: nil)
        }
    }

    /// Whether no response has started, so an error can still be answered with a status.
    private static func canAnswer(_ state: RequestState) -> Bool {
        switch state {
        case .idle, .awaitingKeys: return true
        case .forwarding(let exchange): return !exchange.responseStarted
        case .discarding, .closing: return false
        }
    }

    // MARK: Request

    private func receiveHead(_ head: HTTPRequestHead) {
        requestComplete = false
        context?.triggerUserOutboundEvent(ConnectionPhase.requestHeadReceived, promise: nil)
        let exchange = Exchange(head: head)
        exchange.requestID = UpstreamHeaders.requestID(fromClient: head.headers[gateway.requestIDHeader].first)
        if inputClosed { exchange.closeAfterResponse = true }
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
        decide(request, for: exchange, mayRefetchKeys: true)
    }

    /// Runs the access decision and acts on it. A token whose `kid` the issuer's key set
    /// lacks may have been signed with a freshly rotated key: once per request, the
    /// request then waits (client reads held, the event loop free) for the key source's
    /// shared, rate-limited refetch and is decided again.
    private func decide(_ request: AccessRequest, for exchange: Exchange, mayRefetchKeys: Bool) {
        switch gateway.policy.decide(request, now: gateway.clock()) {
        case .deny(let denial):
            if mayRefetchKeys, denial.reason == .unknownKeyID, let context {
                let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
                let waiting = NIOLoopBound(exchange, eventLoop: context.eventLoop)
                let started = gateway.policy.refetchKeys(for: request) { [eventLoop = context.eventLoop] _ in
                    eventLoop.execute { handler.value.keysRefetched(for: waiting.value, request: request) }
                }
                if started {
                    state = .awaitingKeys(exchange)
                    return
                }
            }
            deny(denial, exchange: exchange, close: (exchange.expectsBody && !exchange.requestEnded) || exchange.closeAfterResponse)
        case .allow(let allowance):
            exchange.allowance = allowance
            if exchange.expectsBody, !exchange.requestEnded,
               exchange.head.version == .http1_1,
               exchange.head.headers["Expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                context?.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
            }
            forward(exchange)
        }
    }

    private func keysRefetched(for exchange: Exchange, request: AccessRequest) {
        guard case .awaitingKeys(let waiting) = state, waiting === exchange else { return }   // gone meanwhile
        decide(request, for: exchange, mayRefetchKeys: false)
        if readPending, let context {
            switch state {
            case .forwarding(let current) where current.clientReadsHeld: break
            default:
                readPending = false
                context.read()
            }
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

    /// Streams one body part to the engine; holds client reads when its queue is full.
    private func receiveBody(_ part: ByteBuffer) {
        if case .awaitingKeys(let exchange) = state {
            // Parts decoded before the read was held: kept until the decision (bounded by the
            // reads already under way, see `maxMessagesPerRead`).
            exchange.receivedBodyBytes += part.readableBytes
            exchange.pendingBody.append(part)
            return
        }
        // Otherwise: a denied request's body, or the rest of one whose response already ended.
        guard case .forwarding(let exchange) = state, let transfer = exchange.transfer else { return }
        exchange.receivedBodyBytes += part.readableBytes
        if exchange.receivedBodyBytes > gateway.limits.maxBodyBytes {
            refuseOversizedBody(exchange)
            return
        }
        if !transfer.sendBodyPart(part), !exchange.clientReadsHeld {
            exchange.clientReadsHeld = true
            gateway.statistics.recordHeldReads()
            context?.triggerUserOutboundEvent(ConnectionPhase.requestBodyHeld, promise: nil)
        }
    }

    /// A streamed body went over `limits.max_body_bytes`: 413 while no response has started,
    /// else the connection is cut (the backend got a truncated body and the client a partial answer).
    private func refuseOversizedBody(_ exchange: Exchange) {
        exchange.transfer?.cancel()
        releaseHeldReads(exchange)
        let denial = Denial(status: 413, reason: .bodyTooLarge,
                            description: "request body exceeds \(gateway.limits.maxBodyBytes) bytes",
                            route: exchange.allowance?.route.prefix, backend: exchange.allowance?.route.backend.name,
                            path: exchange.allowance?.target.path)
        if exchange.responseStarted {
            gateway.eventLog.write(DenialEvent(time: gateway.clock(), client: clientAddress, method: exchange.head.method.rawValue,
                                               rawTarget: exchange.head.uri, requestID: exchange.requestID, denial: denial).line)
            state = .closing
            context?.close(promise: nil)
        } else {
            deny(denial, exchange: exchange, close: true)
        }
    }

    /// The engine's queue drained: read the client again.
    func resumeReadingBody(for exchange: Exchange) {
        guard isCurrent(exchange) else { return }
        releaseHeldReads(exchange)
    }

    private func releaseHeldReads(_ exchange: Exchange) {
        guard exchange.clientReadsHeld else { return }
        exchange.clientReadsHeld = false
        context?.triggerUserOutboundEvent(ConnectionPhase.requestBodyResumed, promise: nil)
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    private func receiveEnd() {
        requestComplete = true
        context?.triggerUserOutboundEvent(ConnectionPhase.requestComplete, promise: nil)
        switch state {
        case .forwarding(let exchange):
            exchange.requestEnded = true
            exchange.transfer?.finishBody()
        case .awaitingKeys(let exchange):
            exchange.requestEnded = true   // forwarded, or denied, once the keys are in
        case .discarding(let close):
            state = .idle
            if close { context?.close(promise: nil) }
        case .idle, .closing:
            break
        }
    }

    // MARK: Forwarding

    private func forward(_ exchange: Exchange) {
        guard let allowance = exchange.allowance, let context else { return }
        let backend = allowance.route.backend
        let headers: [(name: String, value: String)]
        switch gateway.upstreamHeaders.headers(from: exchange.head.headers.map { ($0.name, $0.value) },
                                               clientAddress: clientAddress, requestID: exchange.requestID,
                                               allowance: allowance) {
        case .success(let built):
            headers = built
        case .failure(let unsafe):
            var denial = Denial(status: 401, reason: .invalidClaim,
                                description: "claim \(unsafe.claim) holds CR, LF or NUL and cannot be forwarded",
                                route: allowance.route.prefix, backend: backend.name, path: allowance.target.path)
            denial.bearerError = "invalid_token"
            denial.challenges = true
            deny(denial, exchange: exchange, close: (exchange.expectsBody && !exchange.requestEnded) || exchange.closeAfterResponse)
            return
        }
        guard let pool = gateway.pools[backend.name], let instance = pool.acquire() else {
            preconditionFailure("every configured backend has a pool of at least one instance")
        }
        exchange.pool = pool
        exchange.retriesLeft = backend.retries
        exchange.upstreamHeaders = headers
        state = .forwarding(exchange)
        startAttempt(exchange, on: instance, context: context)
    }

    /// Hands one attempt of `exchange` to the engine, on `instance` (already counted in flight).
    private func startAttempt(_ exchange: Exchange, on instance: BackendPool.Instance, context: ChannelHandlerContext) {
        guard let allowance = exchange.allowance else { return }
        let backend = allowance.route.backend
        exchange.attempt = instance
        exchange.triedInstances.insert(instance.index)
        let target = UpstreamTLS.attempt(instance: instance.url, pathAndQuery: allowance.upstreamPathAndQuery, tls: backend.tls)
        let request = UpstreamRequest(
            method: exchange.head.method.rawValue,
            url: target.url,
            headers: exchange.upstreamHeaders,
            body: exchange.expectsBody ? .stream(length: exchange.declaredLength) : nil,
            connectTimeoutMilliseconds: backend.connectTimeoutMilliseconds,
            timeoutMilliseconds: backend.timeoutMilliseconds,
            responseHeaderTimeoutMilliseconds: backend.responseHeaderTimeoutMilliseconds,
            idleTimeoutMilliseconds: backend.idleTimeoutMilliseconds,
            tls: target.tls,
            http2: backend.http2
        )
        let delegate = UpstreamRelay(handler: self, exchange: exchange)
        let transfer = gateway.engine.execute(request, on: context.eventLoop, delegate: delegate)
        exchange.transfer = transfer
        // Body parts that arrived while the decision waited for keys, then its end.
        for part in exchange.pendingBody where !transfer.sendBodyPart(part) {
            exchange.clientReadsHeld = true
        }
        exchange.pendingBody.removeAll()
        if exchange.requestEnded && exchange.expectsBody { transfer.finishBody() }
        // The previous response may still be above the high water mark.
        if !context.channel.isWritable { transfer.pauseReceiving() }
    }

    func relayHead(_ head: UpstreamResponseHead, for exchange: Exchange) {
        guard isCurrent(exchange), let context else { return }
        guard (200...599).contains(head.status) else {
            // 1xx never reaches here (libcurl consumes interim responses); 600 and above is no HTTP status.
            relayFailure(.reset("backend sent status \(head.status)"), afterHead: false, for: exchange)
            return
        }
        exchange.responseStarted = true
        var headers = HTTPHeaders(head.headers.map { ($0.name, $0.value) })
        headers.replaceOrAdd(name: gateway.requestIDHeader, value: exchange.requestID)
        // An HTTP/1.0 client cannot read chunked framing (RFC 9112 §7): without a length the
        // body ends when the connection closes.
        let version: HTTPVersion = exchange.head.version == .http1_0 ? .http1_0 : .http1_1
        if version == .http1_0 && !headers.contains(name: "Content-Length") { exchange.closeAfterResponse = true }
        if exchange.closeAfterResponse {
            headers.replaceOrAdd(name: "Connection", value: "close")
        } else if version == .http1_0 {
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        let responseHead = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: head.status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
    }

    /// Writes a response part. What the channel cannot send yet stays in its buffer, bounded
    /// by the write-buffer water marks: crossing the high mark pauses the transfer
    /// (``channelWritabilityChanged(context:)``), so at most the engine's in-flight bytes
    /// (``UpstreamBufferLimits/responseHighWater``) arrive on top of it.
    func relayBodyPart(_ part: ByteBuffer, for exchange: Exchange) {
        guard isCurrent(exchange), let context else { return }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(part))), promise: nil)
        if let unwritten = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes), unwritten > peakUnwrittenBytes {
            peakUnwrittenBytes = unwritten
            gateway.statistics.recordUnwrittenResponseBytes(unwritten)
        }
    }

    func relayEnd(for exchange: Exchange) {
        guard isCurrent(exchange), let context else { return }
        state = .idle
        exchange.endAttempt(.responded)
        releaseHeldReads(exchange)
        // A request body still arriving would otherwise be read to its end for nothing.
        finishResponse(close: exchange.closeAfterResponse || inputClosed || !requestComplete, context: context)
    }

    /// Writes the end of a response, reports the phase change, and closes if asked.
    ///
    /// While the client may still be sending a request body the gateway will not read, a
    /// plain close would make the kernel answer the unread bytes with a reset that can
    /// destroy the response in flight. So the close is lingering: the write side is shut
    /// first (the client sees the response and end of stream), the rest of the body is read
    /// and dropped, and the connection is closed when the client closes or after
    /// ``lingerTime``.
    private func finishResponse(close: Bool, context: ChannelHandlerContext) {
        let lingering = close && !requestComplete
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            guard close else { return }
            if lingering {
                channel.close(mode: .output, promise: nil)
                channel.eventLoop.scheduleTask(in: Self.lingerTime) { channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        }
        context.triggerUserOutboundEvent(ConnectionPhase.responseComplete, promise: nil)
    }

    /// How long a lingering close keeps reading a request body nobody will use.
    static let lingerTime = TimeAmount.seconds(2)

    func relayFailure(_ error: UpstreamError, afterHead: Bool, for exchange: Exchange) {
        guard isCurrent(exchange), let context, let allowance = exchange.allowance else { return }
        let started = afterHead || exchange.responseStarted
        let instance = exchange.attempt?.url
        var connectFailed = false
        if case .connectFailed = error { connectFailed = true }
        exchange.endAttempt(started ? .responded : connectFailed ? .connectFailed : .other)
        // Nothing reached the backend and nothing reached the client: another instance may
        // take the request (RFC 9110 §9.2.2 allows repeating an idempotent request).
        let retry = !started && connectFailed && exchange.isRetryable
            ? exchange.pool?.acquire(excluding: exchange.triedInstances) : nil
        let response = DenialResponse.upstreamFailure(error)
        gateway.eventLog.write(UpstreamFailureEvent(
            time: gateway.clock(), client: clientAddress, method: exchange.head.method.rawValue,
            path: allowance.target.path, route: allowance.route.prefix, backend: allowance.route.backend.name,
            requestID: exchange.requestID, status: started || retry != nil ? nil : response.status, reason: error.reason,
            description: Self.describe(error), instance: instance, retried: retry != nil
        ).line)
        if let retry {
            exchange.retriesLeft -= 1
            startAttempt(exchange, on: retry, context: context)
            return
        }
        releaseHeldReads(exchange)
        if started {
            // The client already has a head: ending the response normally would pass a
            // truncated body off as whole, so the connection is closed instead.
            state = .closing
            context.close(promise: nil)
        } else {
            state = .idle
            write(response, version: exchange.head.version, requestID: exchange.requestID,
                  close: exchange.closeAfterResponse || inputClosed || !requestComplete)
        }
    }

    private func isCurrent(_ exchange: Exchange) -> Bool {
        if case .forwarding(let current) = state, current === exchange { return true }
        return false
    }

    private func cancelUpstream() {
        if case .forwarding(let exchange) = state {
            exchange.transfer?.cancel()
            exchange.endAttempt(.other)
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
        let close = exchange.expectsBody || exchange.closeAfterResponse || inputClosed
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                                   ("Content-Length", String(body.utf8.count))])
        if close { headers.add(name: "Connection", value: "close") }
        state = .discarding(close: close)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: ready ? .ok : .serviceUnavailable, headers: headers))), promise: nil)
        if exchange.head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        }
        finishResponse(close: close, context: context)
    }

    // MARK: Denial

    private func deny(_ denial: Denial, exchange: Exchange, close: Bool) {
        deny(denial, method: exchange.head.method.rawValue, rawTarget: exchange.head.uri, version: exchange.head.version,
             requestID: exchange.requestID, close: close)
    }

    private func deny(_ denial: Denial, method: String, rawTarget: String, version: HTTPVersion, requestID: String?, close: Bool) {
        let close = close || inputClosed
        if case .forwarding(let exchange) = state { releaseHeldReads(exchange) }
        gateway.eventLog.write(DenialEvent(time: gateway.clock(), client: clientAddress, method: method,
                                           rawTarget: rawTarget, requestID: requestID, denial: denial).line)
        state = .discarding(close: close)
        write(DenialResponse(denial, realm: gateway.realm), version: version, requestID: requestID, close: close)
    }

    private func write(_ response: DenialResponse, version: HTTPVersion, requestID: String?, close: Bool) {
        guard let context else { return }
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        if let requestID { headers.add(name: gateway.requestIDHeader, value: requestID) }
        var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        body.writeString(response.body)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        if close { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        finishResponse(close: close, context: context)
    }
}
