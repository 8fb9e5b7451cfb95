import Foundation
import NIOCore
import NIOHTTP1
import ScopeGateCore

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

    let gateway: GatewayContext
    var context: ChannelHandlerContext?
    var state = RequestState.idle
    var clientAddress: String?
    /// The client half-closed its side: answer what is in flight, then close.
    var inputClosed = false
    /// The last write of the response after which the connection closes, once one is under way.
    var closingWrite: EventLoopFuture<Void>?
    /// Whether the current request's end was read (false from its head to its end).
    var requestComplete = true
    /// The channel asked for a read while client reads were held; issued when they resume.
    var readPending = false
    /// The most response bytes this connection's channel has held unwritten.
    var peakUnwrittenBytes = 0
    /// The gateway drains: every response from now on closes the connection.
    var draining = false

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
        if case .closing = state { return }   // the connection is going away: nothing more is processed
        switch unwrapInboundIn(data) {
        case .head(let head): receiveHead(head)
        case .body(let part): receiveBody(part)
        case .end: receiveEnd()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let expired = event as? ClientDeadlineExpired {
            logTimeout(expired)
            return
        }
        if let drain = event as? DrainEvent {
            receiveDrain(drain)
            return
        }
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            switch state {
            case .idle, .discarding: closeAfterResponseWritten(context)
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
            let exchange = Self.current(state)
            deny(denial, method: exchange?.head.method.rawValue ?? "-", rawTarget: exchange?.head.uri ?? "-",
                 version: .http1_1, requestID: exchange?.requestID, close: true,
                 generation: exchange?.generation ?? gateway.active.generation)
            if let exchange {
                finish(exchange, status: denial.status)
            } else {
                // A head the parser refused: counted like every other answer (method unknown).
                gateway.active.generation.unroutedMetrics?.recordRequest(method: "-", status: denial.status, seconds: 0)
            }
        } else {
            context.close(promise: nil)
        }
    }

    /// One denial line for a client too slow with its head or body: the deadline handler
    /// answered 408 (or, once the response had started, could only cut it) and closes the
    /// connection. The upstream transfer is aborted, so the backend never takes the part of the
    /// body it got for a whole request (libcurl drops the connection of an unfinished upload).
    func logTimeout(_ expired: ClientDeadlineExpired) {
        let exchange = Self.current(state)
        var denial = Denial(status: 408, reason: .requestTimeout, description: expired.description,
                            route: exchange?.allowance?.route.prefix, backend: exchange?.allowance?.route.backend.name,
                            path: exchange?.allowance?.target.path)
        denial.challenges = false
        logDenial(denial, method: exchange?.head.method.rawValue ?? "-", rawTarget: exchange?.head.uri ?? "-",
                  requestID: exchange?.requestID)
        if let exchange {
            exchange.transfer?.cancel()
            exchange.endAttempt(.other)
            if expired.responseStarted {
                finish(exchange, status: exchange.responseStatus ?? 408, cut: true)
            } else {
                finish(exchange, status: 408)
            }
        }
        state = .closing
    }

    /// The exchange under way, if any.
    static func current(_ state: RequestState) -> Exchange? {
        switch state {
        case .forwarding(let current), .awaitingKeys(let current): return current
        case .idle, .discarding, .closing: return nil
        }
    }

    /// The request's one `Origin`; `nil` without one or with several (no CORS: fail closed).
    static func origin(of head: HTTPRequestHead) -> String? {
        let origins = head.headers["Origin"]
        return origins.count == 1 ? origins[0] : nil
    }

    /// Whether no response has started, so an error can still be answered with a status.
    static func canAnswer(_ state: RequestState) -> Bool {
        switch state {
        case .idle, .awaitingKeys: return true
        case .forwarding(let exchange): return !exchange.responseStarted
        case .discarding, .closing: return false
        }
    }

    // MARK: Request

    func receiveHead(_ head: HTTPRequestHead) {
        requestComplete = false
        context?.triggerUserOutboundEvent(ConnectionPhase.requestHeadReceived, promise: nil)
        // The generation current now decides and forwards this request, whatever reloads come.
        let snapshot = gateway.active.snapshot
        if snapshot.draining { draining = true }
        let generation = snapshot.generation
        let exchange = Exchange(head: head, generation: generation)
        exchange.requestID = gateway.requestIDs.requestID(fromClient: head.headers[generation.requestIDHeader].first)
        if inputClosed || draining { exchange.closeAfterResponse = true }
        if let healthPath = generation.healthPath, head.method == .GET || head.method == .HEAD,
           head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0] == healthPath,
           case .accept(let framing) = generation.headCheck.check(head) {
            exchange.framing = framing
            answerHealth(exchange)
            return
        }
        exchange.countInFlight(gateway.metrics)
        switch generation.headCheck.check(head) {
        case .deny(var denial):
            // Refused before the decision (413, 400, 501): still readable by an allowed origin.
            if generation.policy.handlesCORS {
                denial.corsHeaders = generation.policy.corsHeaders(origin: Self.origin(of: head), target: head.uri)
            }
            deny(denial, exchange: exchange, close: true)
            return
        case .accept(let framing):
            exchange.framing = framing
        }
        var request = AccessRequest(method: head.method.rawValue, target: head.uri,
                                    tokenHeaderValues: head.headers[generation.policy.extractor.location.header])
        if generation.policy.handlesCORS {
            request.origin = Self.origin(of: head)
            if head.method == .OPTIONS {
                request.preflightMethod = head.headers.first(name: "Access-Control-Request-Method")
                request.preflightHeaders = head.headers["Access-Control-Request-Headers"]
            }
        }
        decide(request, for: exchange)
    }

    /// Runs the access decision, once, and acts on it. A token whose `kid` the issuer's key
    /// set lacks may have been signed with a freshly rotated key: when the verifier started a
    /// refetch, the request waits for it (client reads held, the event loop free), and the
    /// decision the policy finishes then (``AccessPolicy/resume(_:now:)``) takes the same path.
    func decide(_ request: AccessRequest, for exchange: Exchange) {
        switch exchange.generation.policy.decide(request, now: gateway.clock()) {
        case .decided(let decision):
            act(on: decision, for: exchange)
        case .awaitingKeys(let wait):
            guard let context else { return }   // the handler is gone: nothing to answer
            state = .awaitingKeys(exchange)
            // The body is not read meanwhile: the gateway's wait, not the client's.
            context.triggerUserOutboundEvent(ConnectionPhase.requestBodyHeld, promise: nil)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let waiting = NIOLoopBound(exchange, eventLoop: context.eventLoop)
            // Called once, on the thread that finished the refetch (or here, if it already has).
            wait.whenKeysArrive { [eventLoop = context.eventLoop] in
                eventLoop.execute { handler.value.keysRefetched(for: waiting.value, wait: wait) }
            }
        }
    }

    /// Forwards, denies or answers the preflight, as `decision` says.
    func act(on decision: Decision, for exchange: Exchange) {
        switch decision {
        case .deny(let denial):
            deny(denial, exchange: exchange, close: (exchange.expectsBody && !exchange.requestEnded) || exchange.closeAfterResponse)
        case .preflight(let preflight):
            answerPreflight(preflight, exchange: exchange)
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

    /// The key refetch `exchange` waited for has finished: the policy finishes its decision
    /// (``AccessPolicy/resume(_:now:)``, which cannot wait again) and it is acted on.
    func keysRefetched(for exchange: Exchange, wait: KeyWait) {
        guard case .awaitingKeys(let waiting) = state, waiting === exchange else { return }   // gone meanwhile
        context?.triggerUserOutboundEvent(ConnectionPhase.requestBodyResumed, promise: nil)
        act(on: exchange.generation.policy.resume(wait, now: gateway.clock()), for: exchange)
        if readPending, let context {
            switch state {
            case .forwarding(let current) where current.clientReadsHeld: break
            default:
                readPending = false
                context.read()
            }
        }
    }

    /// Counts one body part against `limits.max_body_bytes`, then keeps it for the upstream
    /// start or streams it to the engine (holding client reads when its queue is full).
    ///
    /// The one place the limit is checked after the head, for every state that takes body
    /// parts: waiting for keys, a deferred upstream start, streaming. Kept parts are sent
    /// unchecked when the upstream starts, so a part over the limit must never be kept (one
    /// kept during the key wait used to reach the backend past the limit).
    func receiveBody(_ part: ByteBuffer) {
        // No exchange: a denied request's body, or the rest of one whose response already ended.
        guard let exchange = Self.current(state) else { return }
        exchange.receivedBodyBytes += part.readableBytes
        if exchange.receivedBodyBytes > exchange.generation.limits.maxBodyBytes {
            refuseOversizedBody(exchange)
            return
        }
        if case .awaitingKeys = state {
            // Parts decoded before the read was held: kept until the decision (bounded by the
            // reads already under way, see `maxMessagesPerRead`, and by the limit).
            exchange.pendingBody.append(part)
            return
        }
        if exchange.startDeferred {
            // The upstream start waits for the end of this read (see `forward`).
            exchange.pendingBody.append(part)
            return
        }
        guard let transfer = exchange.transfer else { return }
        if !transfer.sendBodyPart(part), !exchange.clientReadsHeld {
            exchange.clientReadsHeld = true
            gateway.statistics.recordHeldReads()
            context?.triggerUserOutboundEvent(ConnectionPhase.requestBodyHeld, promise: nil)
        }
    }

    /// A streamed body went over `limits.max_body_bytes`: 413 while no response has started,
    /// else the connection is cut (the backend got a truncated body and the client a partial answer).
    /// During a key wait the request is not decided yet: refused like a declared length over the
    /// limit at the head, and the refetch's answer finds it gone (``keysRefetched(for:wait:)``).
    func refuseOversizedBody(_ exchange: Exchange) {
        var waitedForKeys = false
        if case .awaitingKeys = state {
            waitedForKeys = true
            context?.triggerUserOutboundEvent(ConnectionPhase.requestBodyResumed, promise: nil)
        }
        exchange.transfer?.cancel()
        releaseHeldReads(exchange)
        var denial = Denial(status: 413, reason: .bodyTooLarge,
                            description: "request body exceeds \(exchange.generation.limits.maxBodyBytes) bytes",
                            route: exchange.allowance?.route.prefix, backend: exchange.allowance?.route.backend.name,
                            path: exchange.allowance?.target.path)
        // Undecided (no allowance): readable by an allowed origin, as the head check's 413.
        let policy = exchange.generation.policy
        denial.corsHeaders = exchange.allowance?.corsHeaders
            ?? (policy.handlesCORS ? policy.corsHeaders(origin: Self.origin(of: exchange.head), target: exchange.head.uri) : [])
        if exchange.responseStarted {
            logDenial(denial, method: exchange.head.method.rawValue, rawTarget: exchange.head.uri, requestID: exchange.requestID)
            finish(exchange, status: exchange.responseStatus ?? 413, cut: true)
            state = .closing
            context?.close(promise: nil)
        } else {
            deny(denial, exchange: exchange, close: true)
        }
        // The key wait held the client's reads: the closing connection reads the rest of the body.
        if waitedForKeys, readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// The engine's queue drained: read the client again.
    func resumeReadingBody(for exchange: Exchange) {
        guard isCurrent(exchange) else { return }
        releaseHeldReads(exchange)
    }

    func releaseHeldReads(_ exchange: Exchange) {
        guard exchange.clientReadsHeld else { return }
        exchange.clientReadsHeld = false
        context?.triggerUserOutboundEvent(ConnectionPhase.requestBodyResumed, promise: nil)
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    func receiveEnd() {
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
            if close, let context { closeAfterResponseWritten(context) }
        case .idle, .closing:
            break
        }
    }
}
