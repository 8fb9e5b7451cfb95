import Foundation
import NIOCore
import NIOHTTP1
import ScopeGateCore
import ScopeGateObservability
@_spi(Fuzzing) import ScopeGateUpstream

/// Forwarding: the request's ``UpstreamForward`` (which picks the instance and repeats a failed
/// attempt where the upstream pool's rule allows), the relay of its response, and failures.
extension GatewayHTTPHandler {
    func forward(_ exchange: Exchange) {
        guard let allowance = exchange.allowance, let context else { return }
        let backend = allowance.route.backend
        let headers = exchange.generation.upstreamHeaders.headers(
            from: exchange.head.headers.map { ($0.name, $0.value) }, clientAddress: clientAddress,
            requestID: exchange.requestID, allowance: allowance)
        let request = UpstreamForward.Request(
            method: exchange.head.method.rawValue,
            pathAndQuery: allowance.upstreamPathAndQuery,
            headers: headers,
            body: exchange.expectsBody ? .stream(length: exchange.declaredLength) : nil,
            hostHeader: allowance.route.preserveHost ? exchange.head.headers["Host"].first : nil
        )
        guard let pool = exchange.generation.pools[backend.name],
              let forward = UpstreamForward(request, backend: backend, pool: pool, engine: gateway.engine) else {
            preconditionFailure("every configured backend has a pool of at least one instance")
        }
        // Its first instance is counted in flight from here; released by the forward if never started.
        exchange.forward = forward
        switch machine.allow() {
        case .startUpstream(let parts, let finishBody, let writeContinue, let readPending):
            if writeContinue { writeContinueResponse(context) }
            startUpstream(exchange, context: context, parts: parts, finishBody: finishBody, readPending: readPending)
        case .awaitReadComplete(let writeContinue):
            // A request with a body starts upstream only after the parser went through the rest of
            // what this read delivered (``startAtReadComplete()``): a malformed chunk, a bad chunk
            // size or an oversized body in the same read is refused (400/413) before any byte
            // reaches the backend. Parts that arrive meanwhile are kept by the machine (one read:
            // at most `maxMessagesPerRead` x 64 KiB).
            if writeContinue { writeContinueResponse(context) }
        case let other:
            perform(other)
        }
    }

    /// RFC 9110 §10.1.1: the client waits for it before sending the body.
    func writeContinueResponse(_ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
    }

    /// The read that delivered an allowed request's head was parsed to its end: its upstream starts.
    func startAtReadComplete() {
        let action = machine.readComplete()
        guard case .startUpstream(let parts, let finishBody, _, let readPending) = action else {
            perform(action)
            return
        }
        guard let exchange = machine.forwardingExchange, let context else { return }
        startUpstream(exchange, context: context, parts: parts, finishBody: finishBody, readPending: readPending)
    }

    /// Starts the forward of `exchange`, with the body parts kept until the start (each already
    /// counted against the limit by `receiveBody`), then the body's end if `finishBody`.
    func startUpstream(_ exchange: Exchange, context: ChannelHandlerContext,
                       parts: [ByteBuffer], finishBody: Bool, readPending: Bool) {
        guard let forward = exchange.forward else { return }
        exchange.upstreamStartedAt = .now()
        forward.start(on: context.eventLoop, delegate: UpstreamRelay(handler: self, exchange: exchange))
        var queueFull = false
        for part in parts where !forward.sendBodyPart(part) {
            queueFull = true
        }
        let started = machine.upstreamStarted(queueFull: queueFull, readPending: readPending)
        if finishBody { forward.finishBody() }
        // The previous response may still be above the high water mark.
        if !context.channel.isWritable { forward.pauseReceiving() }
        perform(started)
    }

    func relayHead(_ head: UpstreamResponseHead, for exchange: Exchange) {
        guard machine.isForwarding(exchange), context != nil else { return }
        guard (200...599).contains(head.status) else {
            // 1xx never reaches here (libcurl consumes interim responses); 600 and above is no HTTP status.
            relayFailure(.reset("backend sent status \(head.status)"), for: exchange)
            return
        }
        if let framingError = head.framingError {
            relayFailure(.reset(framingError), for: exchange)   // RFC 9112 §6.3: 502
            return
        }
        exchange.upstreamHeadAt = .now()
        if let started = exchange.upstreamStartedAt, let prefix = exchange.allowance?.route.prefix {
            exchange.generation.metrics(route: prefix)?
                .recordUpstream(seconds: Double((exchange.upstreamHeadAt! - started).nanoseconds) / 1e9)
        }
        exchange.responseStatus = head.status
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 2)
        if exchange.allowance?.replacesBackendCORS == true {
            // The gateway handles CORS for this route: the backend's own Access-Control-*
            // headers are replaced by the decision's, so the two can never disagree.
            for field in head.headers where !ASCII.hasPrefixIgnoringCase(field.name, "access-control-") {
                headers.add(name: field.name, value: field.value)
            }
            for field in exchange.allowance!.corsHeaders { headers.add(name: field.name, value: field.value) }
        } else {
            for field in head.headers { headers.add(name: field.name, value: field.value) }
        }
        headers.replaceOrAdd(name: exchange.generation.requestIDHeader, value: exchange.requestID)
        // An HTTP/1.0 client cannot read chunked framing (RFC 9112 §7): without a length the
        // body ends when the connection closes.
        let version: HTTPVersion = exchange.head.version == .http1_0 ? .http1_0 : .http1_1
        let close = machine.responseHeadCloses || (version == .http1_0 && !headers.contains(name: "Content-Length"))
        if close {
            headers.replaceOrAdd(name: "Connection", value: "close")
        } else if version == .http1_0 {
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        // The client frames the body by this length: never let more bytes than it through.
        let bytesLeft = exchange.head.method == .HEAD ? nil : headers.first(name: "Content-Length").flatMap { Int($0) }
        // Held: written with the first body part, the end, or at the end of the event batch.
        perform(machine.upstreamHead(exchange, HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: head.status),
                                                                headers: headers), bytesLeft: bytesLeft, closes: close))
    }

    /// Writes the held response head; from now on the response has started.
    func writeHead(_ head: HTTPResponseHead, context: ChannelHandlerContext) {
        context.triggerUserOutboundEvent(ConnectionPhase.responseStarted, promise: nil)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
    }

    /// The engine's batch ended with the head but no body yet (a slow first byte, an event
    /// stream, a long poll): the client gets the head now.
    func relayHeldHead(for exchange: Exchange) {
        guard let context else { return }
        let action = machine.upstreamBatchEnd(exchange)
        guard case .writeHead(let head) = action else {
            perform(action)
            return
        }
        writeHead(head, context: context)
        context.flush()
    }

    /// Writes a response part. What the channel cannot send yet stays in its buffer, bounded
    /// by the write-buffer water marks: crossing the high mark pauses the transfer
    /// (``channelWritabilityChanged(context:)``), so at most the engine's in-flight bytes
    /// (``UpstreamBufferLimits/responseHighWater``) arrive on top of it.
    func relayBodyPart(_ part: ByteBuffer, for exchange: Exchange) {
        guard let context else { return }
        switch machine.upstreamBodyPart(exchange, part) {
        case .writeBody(let part, let heldHead):
            if let heldHead { writeHead(heldHead, context: context) }
            exchange.responseBodyBytes += part.readableBytes
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(part))), promise: nil)
            if let unwritten = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes), unwritten > peakUnwrittenBytes {
                peakUnwrittenBytes = unwritten
                gateway.statistics.recordUnwrittenResponseBytes(unwritten)
            }
        case .failUpstream(let why):
            // Defence in depth: the head check makes libcurl's framing and the forwarded length the same.
            relayFailure(.reset(why), for: exchange)
        case let other:
            perform(other)
        }
    }

    func relayEnd(for exchange: Exchange) {
        guard let context else { return }
        // The machine is idle (or closing) before the end is written: the pipelining handler
        // may deliver the next request inside that write.
        let action = machine.upstreamEnd(exchange)
        guard case .endResponse(let heldHead, let mode, let release) = action else {
            perform(action)
            return
        }
        if let heldHead { writeHead(heldHead, context: context) }
        perform(release)
        finish(exchange, status: exchange.responseStatus ?? 502)
        finishResponse(mode, context: context)
    }

    /// Writes the end of a response, reports the phase change, and closes if asked.
    ///
    /// While the client may still be sending a request body the gateway will not read, a
    /// plain close would make the kernel answer the unread bytes with a reset that can
    /// destroy the response in flight. So the close is lingering: the write side is shut
    /// first (the client sees the response and end of stream), the rest of the body is read
    /// and dropped, and the connection is closed when the client closes or after
    /// ``lingerTime``.
    func finishResponse(_ mode: Machine.CloseMode, context: ChannelHandlerContext) {
        context.triggerUserOutboundEvent(ConnectionPhase.responseComplete, promise: nil)
        guard mode != .keepAlive else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)   // no promise to allocate on keep-alive
            return
        }
        let lingering = mode == .lingeringClose
        // Known before the write starts: the pipelining handler may deliver the rest of the
        // request inside this very write, and whatever closes the connection then must wait
        // for the response to be out (``closeAfterResponseWritten(_:)``).
        let written = context.eventLoop.makePromise(of: Void.self)
        closingWrite = written.futureResult
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.whenComplete { [channel = context.channel] _ in
            if lingering {
                channel.close(mode: .output, promise: nil)
                channel.eventLoop.scheduleTask(in: Self.lingerTime) { channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        }
    }

    /// Closes the connection, but never before the response that announced the close is
    /// written: closing with writes pending would drop them (a pipelined denial was lost so).
    func closeAfterResponseWritten(_ context: ChannelHandlerContext) {
        guard let closingWrite else {
            context.close(promise: nil)
            return
        }
        closingWrite.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    }

    /// How long a lingering close keeps reading a request body nobody will use.
    static let lingerTime = TimeAmount.seconds(2)

    /// An attempt failed and the forward repeats the request on another instance (the
    /// upstream pool's rule): one `upstream_failure` line with the instance and `"retried": true`,
    /// no status (nothing was sent to the client), and the failure counted. Not an event of the
    /// exchange: it stays forwarding, awaiting the head of the next attempt.
    func relayRetry(after error: UpstreamError, on instance: BackendPool.Instance, for exchange: Exchange) {
        guard machine.isForwarding(exchange), let allowance = exchange.allowance else {
            exchange.forward?.cancel()   // the exchange is over: nobody waits for another attempt
            return
        }
        gateway.metrics.recordUpstreamFailure(backend: allowance.route.backend.name, kind: error.reason)
        gateway.eventLog.write(UpstreamFailureEvent(
            time: gateway.clock(), client: clientAddress, method: exchange.head.method.rawValue,
            path: allowance.target.path, route: allowance.route.prefix, backend: allowance.route.backend.name,
            requestID: exchange.requestID, status: nil, reason: error.reason,
            description: Self.describe(error), instance: instance.url, retried: true
        ).line)
        exchange.upstreamStartedAt = .now()   // the next attempt is handed to the engine when this returns
    }

    /// The forward failed for good: the engine's final failure (every retry the upstream pool's
    /// rule allowed is spent), or a response the gateway cannot pass on (a bad status or framing,
    /// more body than announced), whose forward is cancelled here. Whether the client already has
    /// part of the response is the machine's record (a streaming response side), not the
    /// engine's `afterHead`: a head still held never reached the client, so the failure can be
    /// answered (502/504).
    func relayFailure(_ error: UpstreamError, for exchange: Exchange) {
        guard machine.isForwarding(exchange), let context, let allowance = exchange.allowance else { return }
        // A no-op after the engine's failure; otherwise the transfer stops and its attempt is reported.
        exchange.forward?.cancel()
        let started = machine.responseStarted
        var response = DenialResponse.upstreamFailure(error)
        response.headers += allowance.corsHeaders.map { ($0.name, $0.value) }
        gateway.metrics.recordUpstreamFailure(backend: allowance.route.backend.name, kind: error.reason)
        gateway.eventLog.write(UpstreamFailureEvent(
            time: gateway.clock(), client: clientAddress, method: exchange.head.method.rawValue,
            path: allowance.target.path, route: allowance.route.prefix, backend: allowance.route.backend.name,
            requestID: exchange.requestID, status: started ? nil : response.status, reason: error.reason,
            description: Self.describe(error), instance: exchange.forward?.instance.url, retried: false
        ).line)
        switch machine.upstreamFailed(exchange) {
        case .cut(let release):
            // The client already has a head: ending the response normally would pass a
            // truncated body off as whole, so the connection is closed instead.
            perform(release)
            finish(exchange, status: exchange.responseStatus ?? 502, cut: true)
            context.close(promise: nil)
        case .answer(let mode, let release):
            perform(release)
            finish(exchange, status: response.status)
            write(response, version: exchange.head.version, requestID: exchange.requestID, mode: mode,
                  requestIDHeader: exchange.generation.requestIDHeader)
        case let other:
            perform(other)
        }
    }

    /// The client connection went away: the transfer under way (if any) is cancelled, and the
    /// exchange ends as cut (status 499, "client closed request", when no response had started).
    func cancelUpstream() {
        guard let exchange = machine.exchange else { return }
        exchange.forward?.cancel()
        finish(exchange, status: exchange.responseStatus ?? 499, cut: true)
        _ = machine.cut()   // the channel is gone: no read to release
    }

    static func describe(_ error: UpstreamError) -> String {
        switch error {
        case .connectFailed(let text), .timeout(let text), .reset(let text), .failed(let text): return text
        }
    }
}
