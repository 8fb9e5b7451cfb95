import Foundation
import NIOCore
import NIOHTTP1
import ScopeGateCore
import ScopeGateObservability

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
///
/// Where the exchange stands is the ``ExchangeStateMachine``'s record alone: this handler
/// turns NIO callbacks and upstream delegate calls into its events, and performs the actions
/// they return. It holds resources (the context, the closing write), not progress.
final class GatewayHTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    typealias Machine = ExchangeStateMachine<Exchange>

    let gateway: GatewayContext
    var context: ChannelHandlerContext?
    /// The current exchange's progress and the connection's fate: the only record of either.
    var machine = Machine()
    var clientAddress: String?
    /// The last write of the response after which the connection closes, once one is under way.
    var closingWrite: EventLoopFuture<Void>?
    /// The most response bytes this connection's channel has held unwritten.
    var peakUnwrittenBytes = 0

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
        perform(machine.readRequested())
    }

    /// Paces the upstream transfer by the client: pause while the channel is above its high
    /// water mark, resume below its low water mark.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let forward = machine.forwardingExchange?.forward {
            if context.channel.isWritable { forward.resumeReceiving() } else { forward.pauseReceiving() }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if machine.isClosing { return }   // the connection is going away: nothing more is processed
        switch unwrapInboundIn(data) {
        case .head(let head): receiveHead(head)
        case .body(let part): receiveBody(part)
        case .end: receiveEnd()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        startAtReadComplete()
        context.fireChannelReadComplete()
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
            perform(machine.inputClosed())
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .dataReceivedInErrorState? = error as? ByteToMessageDecoderError {
            // Bytes read after the decoder stopped: after a `Connection: close` request
            // (`closedConnection`) or a malformed one. That first error decides the connection
            // (the pipelining handler holds it back until the response under way has ended);
            // later bytes are not read as requests (RFC 9112 §9.6), and must not cut that
            // response. Whether they came in the same read as the request or a later one used
            // to decide it.
            return
        }
        if let parserError = error as? HTTPParserError, parserError == .invalidEOFState {
            context.close(promise: nil)   // the client went away mid-request: nobody to answer
            return
        }
        if let parserError = error as? HTTPParserError, machine.canAnswer {
            let exchange = machine.exchange
            exchange?.forward?.cancel()
            let tooLarge = parserError == .headerOverflow
            var denial = Denial(status: tooLarge ? 431 : 400,
                                reason: tooLarge ? .headersTooLarge : .invalidRequest,
                                description: tooLarge ? "request head too large" : "malformed HTTP request")
            denial.challenges = false
            deny(denial, method: exchange?.head.method.rawValue ?? "-", rawTarget: exchange?.head.uri ?? "-",
                 version: .http1_1, requestID: exchange?.requestID, forceClose: true,
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
        let exchange = machine.exchange
        var denial = Denial(status: 408, reason: .requestTimeout, description: expired.description,
                            route: exchange?.allowance?.route.prefix, backend: exchange?.allowance?.route.backend.name,
                            path: exchange?.allowance?.target.path)
        denial.challenges = false
        logDenial(denial, method: exchange?.head.method.rawValue ?? "-", rawTarget: exchange?.head.uri ?? "-",
                  requestID: exchange?.requestID)
        if let exchange {
            exchange.forward?.cancel()
            if expired.responseStarted {
                finish(exchange, status: exchange.responseStatus ?? 408, cut: true)
            } else {
                finish(exchange, status: 408)
            }
        }
        _ = machine.cut()   // the deadline handler closes the connection: no read to release
    }

    /// The request's one `Origin`; `nil` without one or with several (no CORS: fail closed).
    static func origin(of head: HTTPRequestHead) -> String? {
        let origins = head.headers["Origin"]
        return origins.count == 1 ? origins[0] : nil
    }

    // MARK: Request

    func receiveHead(_ head: HTTPRequestHead) {
        context?.triggerUserOutboundEvent(ConnectionPhase.requestHeadReceived, promise: nil)
        // The generation current now decides and forwards this request, whatever reloads come.
        let snapshot = gateway.active.snapshot
        if snapshot.draining { machine.drain() }
        let generation = snapshot.generation
        let exchange = Exchange(head: head, generation: generation)
        exchange.requestID = gateway.requestIDs.requestID(fromClient: head.headers.first(name: generation.requestIDHeader))
        let verdict = generation.headCheck.check(head)
        if case .accept(let framing) = verdict { exchange.framing = framing }
        let started = machine.requestHead(exchange, expectsBody: exchange.expectsBody,
                                          expectsContinue: exchange.expectsContinue, closeRequested: exchange.closeRequested)
        guard started == .none else {
            perform(started)
            return
        }
        if let healthPath = generation.healthPath, head.method == .GET || head.method == .HEAD,
           head.uri.utf8.prefix(while: { $0 != UInt8(ascii: "?") }).elementsEqual(healthPath.utf8),
           case .accept = verdict {
            answerHealth(exchange)
            return
        }
        exchange.countInFlight(gateway.metrics)
        if case .deny(var denial) = verdict {
            // Refused before the decision (413, 400, 501): still readable by an allowed origin.
            if generation.policy.handlesCORS {
                denial.corsHeaders = generation.policy.corsHeaders(origin: Self.origin(of: head), target: head.uri)
            }
            deny(denial, exchange: exchange, forceClose: true)
            return
        }
        var request = AccessRequest(method: head.method.rawValue, target: head.uri,
                                    tokenHeaderValues: head.headers[generation.policy.tokenHeader])
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
            // The body is not read meanwhile: the gateway's wait, not the client's.
            perform(machine.awaitKeys())
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let waiting = NIOLoopBound(exchange, eventLoop: context.eventLoop)
            // Called once, on the thread that finished the refetch (or here, if it already has).
            wait.whenKeysArrive { [eventLoop = context.eventLoop] in
                eventLoop.execute { handler.value.keysRefetched(for: waiting.value, wait: wait) }
            }
        }
    }

    /// Forwards, denies or answers the preflight or the resource metadata, as `decision` says.
    func act(on decision: Decision, for exchange: Exchange) {
        switch decision {
        case .deny(let denial):
            deny(denial, exchange: exchange, forceClose: false)
        case .preflight(let preflight):
            answerPreflight(preflight, exchange: exchange)
        case .resourceMetadata(let metadata):
            answerResourceMetadata(metadata, exchange: exchange)
        case .allow(let allowance):
            if let wouldDeny = allowance.wouldDeny {
                logDenial(wouldDeny, method: exchange.head.method.rawValue, rawTarget: exchange.head.uri,
                          requestID: exchange.requestID, forwarded: true)
            }
            exchange.allowance = allowance
            forward(exchange)
        }
    }

    /// The key refetch `exchange` waited for has finished: the policy finishes its decision
    /// (``AccessPolicy/resume(_:now:)``, which cannot wait again) and it is acted on.
    func keysRefetched(for exchange: Exchange, wait: KeyWait) {
        let resumed = machine.keysArrived(exchange)
        perform(resumed)
        guard case .releaseReads = resumed else { return }   // answered (413) or gone meanwhile
        act(on: exchange.generation.policy.resume(wait, now: gateway.clock()), for: exchange)
    }

    /// Counts one body part against `limits.max_body_bytes`, then hands it to the machine,
    /// which keeps it for the upstream start or has it streamed to the engine.
    ///
    /// The one place the limit is checked after the head, for every state that takes body
    /// parts: waiting for keys, a deferred upstream start, streaming. Kept parts are sent
    /// unchecked when the upstream starts, so a part over the limit must never be kept (one
    /// kept during the key wait used to reach the backend past the limit).
    func receiveBody(_ part: ByteBuffer) {
        // No exchange: a denied request's body, or the rest of one whose response already ended.
        if let exchange = machine.exchange {
            exchange.receivedBodyBytes += part.readableBytes
            if exchange.receivedBodyBytes > exchange.generation.limits.maxBodyBytes {
                refuseOversizedBody(exchange)
                return
            }
        }
        perform(machine.requestBodyPart(part))
    }

    /// A streamed body went over `limits.max_body_bytes`: 413 while no response has started,
    /// else the connection is cut (the backend got a truncated body and the client a partial answer).
    /// During a key wait the request is not decided yet: refused like a declared length over the
    /// limit at the head, and the refetch's answer finds it gone (``keysRefetched(for:wait:)``).
    func refuseOversizedBody(_ exchange: Exchange) {
        exchange.forward?.cancel()
        var denial = Denial(status: 413, reason: .bodyTooLarge,
                            description: "request body exceeds \(exchange.generation.limits.maxBodyBytes) bytes",
                            route: exchange.allowance?.route.prefix, backend: exchange.allowance?.route.backend.name,
                            path: exchange.allowance?.target.path)
        // Undecided (no allowance): readable by an allowed origin, as the head check's 413.
        let policy = exchange.generation.policy
        denial.corsHeaders = exchange.allowance?.corsHeaders
            ?? (policy.handlesCORS ? policy.corsHeaders(origin: Self.origin(of: exchange.head), target: exchange.head.uri) : [])
        if machine.responseStarted {
            logDenial(denial, method: exchange.head.method.rawValue, rawTarget: exchange.head.uri, requestID: exchange.requestID)
            finish(exchange, status: exchange.responseStatus ?? 413, cut: true)
            perform(machine.cut())
        } else {
            // Held reads (the upstream queue's, or the key wait's) are released: the closing
            // connection reads the rest of the body.
            deny(denial, exchange: exchange, forceClose: true)
        }
    }

    /// The engine's queue drained: read the client again.
    func resumeReadingBody(for exchange: Exchange) {
        perform(machine.upstreamWantsMoreBody(exchange))
    }

    func receiveEnd() {
        context?.triggerUserOutboundEvent(ConnectionPhase.requestComplete, promise: nil)
        perform(machine.requestEnd())
    }

    // MARK: Actions

    /// Performs an action that needs nothing but the channel and the forwarding exchange's
    /// transfer. The actions that write a response are performed where their event is taken.
    func perform(_ action: Machine.Action) {
        switch action {
        case .none, .drop:
            break
        case .read:
            context?.read()
        case .holdReads(let count):
            if count { gateway.statistics.recordHeldReads() }
            // Held for the engine (or the key wait), not by the client: its body deadlines stop meanwhile.
            context?.triggerUserOutboundEvent(ConnectionPhase.requestBodyHeld, promise: nil)
        case .releaseReads(let release):
            perform(release)
        case .sendBody(let part):
            guard let forward = machine.forwardingExchange?.forward else { return }
            if !forward.sendBodyPart(part) { perform(machine.upstreamQueueFull()) }
        case .finishBody:
            machine.forwardingExchange?.forward?.finishBody()
        case .closeWhenWritten:
            if let context { closeAfterResponseWritten(context) }
        case .cut(let release):
            perform(release)
            context?.close(promise: nil)
        case .failConnection(let message):
            failConnection(message)
        case .awaitReadComplete, .startUpstream, .writeBody, .writeHead, .endResponse, .answer, .failUpstream:
            failConnection("action \(action) has no exchange to act on")
        }
    }

    /// Releases the client's reads held by the gateway.
    func perform(_ release: Machine.Release?) {
        guard let release, let context else { return }
        if release.phase { context.triggerUserOutboundEvent(ConnectionPhase.requestBodyResumed, promise: nil) }
        if release.read { context.read() }
    }

    /// An event the exchange state machine cannot take in its state: a bug of the gateway.
    /// Traps in debug builds; in release ones, one `internal_error` line and the connection closes.
    func failConnection(_ message: String) {
        assertionFailure("exchange state machine: \(message)")
        gateway.eventLog.write(LifecycleEvent.internalError(reason: "internal_state", description: "exchange state machine: \(message)",
                                                            requestID: nil, time: gateway.clock()))
        context?.close(promise: nil)
    }
}
