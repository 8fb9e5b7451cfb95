import NIOCore

/// Where a connection stands, as far as its client-side deadlines go. The HTTP handler
/// reports transitions as outbound user events; the ``ConnectionDeadlineHandler`` at the
/// front of the pipeline, which sees the raw bytes, enforces the deadlines.
enum ConnectionPhase: Sendable {
    /// A request head was decoded: from now on only the body idle deadline applies.
    case requestHeadReceived
    /// The gateway stopped reading the request body (its upstream queue is full): the client
    /// is not the slow one, so the body idle deadline is suspended.
    case requestBodyHeld
    /// Reading the request body again: the body idle deadline restarts.
    case requestBodyResumed
    /// The whole request was read: no client deadline while the gateway works on it.
    case requestComplete
    /// The response was written: the connection is idle until the next request's bytes.
    case responseComplete
}

/// A request's client deadline passed: sent inbound, just before the connection closes, so
/// the HTTP handler can log the denial (`request_timeout`) with what it knows of the request.
struct ClientDeadlineExpired: Sendable {
    enum Stage: Sendable {
        /// The head did not arrive whole within `listen.request_head_timeout_ms`.
        case head
        /// The body went silent for `listen.body_idle_timeout_ms`.
        case body
    }
    let stage: Stage
    /// The timeout that expired, in milliseconds.
    let milliseconds: Int64
}

/// Closes connections whose client is too slow or idle too long, so that a client cannot
/// hold a connection (and a file descriptor) without making progress (slowloris).
///
/// - Between requests: `keepAliveTimeout` of silence closes the connection.
/// - From the first byte of a request head: the whole head must arrive within
///   `requestHeadTimeout` (a fixed deadline; trickling bytes does not extend it).
/// - While reading a body: `bodyIdleTimeout` of silence between reads closes it, except
///   while the gateway itself holds the reads (upstream backpressure).
/// - While the request is being forwarded, or its response written: no client deadline
///   (the upstream timeouts apply).
///
/// When the head or body deadline passes, the client gets `408 Request Timeout` (RFC 9110
/// §15.5.9; written here as raw bytes, unless response bytes already went out) and a
/// ``ClientDeadlineExpired`` event goes up the pipeline before the close. An idle keep-alive
/// connection is closed silently.
final class ConnectionDeadlineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case awaitingRequest
        case readingHead
        case readingBody
        case bodyHeld
        case processing
    }

    private let keepAliveTimeout: TimeAmount
    private let requestHeadTimeout: TimeAmount
    private let bodyIdleTimeout: TimeAmount
    private var phase = Phase.awaitingRequest
    /// When the connection must be closed, if nothing changes first; `nil`: no client deadline now.
    private var deadline: NIODeadline?
    /// The one timer of this connection and when it fires. It is moved only when ``deadline``
    /// becomes earlier than it: a later or cleared deadline is noticed when it fires, which
    /// then re-arms for the rest. So a keep-alive request costs no timer operation at all,
    /// where scheduling and cancelling per phase cost three of each.
    private var timer: Scheduled<Void>?
    private var timerFiresAt: NIODeadline?
    /// A deadline changed inside a read burst: the timer is brought in line at `channelReadComplete`
    /// (a request whose head and end arrive in one read never needs the head deadline's timer).
    private var timerStale = false
    /// Between a `channelRead` and its `channelReadComplete`. A phase change reported outside
    /// a read (a pipelined request's head, released when the previous response ended) must
    /// bring the timer in line at once: no `channelReadComplete` may follow.
    private var inReadBurst = false
    /// Response bytes went out since the current request began (no 408 can be written then).
    private var responseBytesWritten = false

    /// What the client gets when its head or body deadline passes: the ``DenialResponse`` of a
    /// `request_timeout`, as raw bytes (this handler sits below the HTTP codec).
    static let requestTimeoutResponse: String = {
        var denial = Denial(status: 408, reason: .requestTimeout, description: "the request was too slow")
        denial.challenges = false
        let response = DenialResponse(denial, realm: "")
        var text = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        return text + "Content-Length: \(response.body.utf8.count)\r\n\r\n" + response.body
    }()

    init(keepAliveTimeout: TimeAmount, requestHeadTimeout: TimeAmount, bodyIdleTimeout: TimeAmount) {
        self.keepAliveTimeout = keepAliveTimeout
        self.requestHeadTimeout = requestHeadTimeout
        self.bodyIdleTimeout = bodyIdleTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(keepAliveTimeout, context: context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(keepAliveTimeout, context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimer()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inReadBurst = false
        if timerStale { syncTimer(context: context) }
        context.fireChannelReadComplete()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inReadBurst = true
        switch phase {
        case .awaitingRequest:
            phase = .readingHead
            arm(requestHeadTimeout, context: context, inReadBurst: true)
        case .readingBody:
            arm(bodyIdleTimeout, context: context, inReadBurst: true)
        case .readingHead, .bodyHeld, .processing:
            break
        }
        context.fireChannelRead(data)
    }

    /// The drain: when the listener stops accepting, a connection between requests (no byte of
    /// a next request read) closes now; one with a request under way closes after its response.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case DrainEvent.stopAccepting? = event as? DrainEvent, phase == .awaitingRequest {
            context.close(promise: nil)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? ConnectionPhase else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch event {
        case .requestHeadReceived:
            phase = .readingBody
            arm(bodyIdleTimeout, context: context, inReadBurst: inReadBurst)
        case .requestBodyHeld:
            guard phase == .readingBody else { break }
            phase = .bodyHeld
            deadline = nil
        case .requestBodyResumed:
            guard phase == .bodyHeld else { break }
            phase = .readingBody
            arm(bodyIdleTimeout, context: context)
        case .requestComplete:
            phase = .processing
            deadline = nil
        case .responseComplete:
            phase = .awaitingRequest
            responseBytesWritten = false
            arm(keepAliveTimeout, context: context)
        }
        promise?.succeed(())
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        responseBytesWritten = true
        context.write(data, promise: promise)
    }

    /// The deadline passed: 408 and a ``ClientDeadlineExpired`` for a slow head or body, then close.
    private func expire(context: ChannelHandlerContext) {
        let expired: ClientDeadlineExpired?
        switch phase {
        case .readingHead: expired = ClientDeadlineExpired(stage: .head, milliseconds: requestHeadTimeout.nanoseconds / 1_000_000)
        case .readingBody: expired = ClientDeadlineExpired(stage: .body, milliseconds: bodyIdleTimeout.nanoseconds / 1_000_000)
        case .awaitingRequest, .bodyHeld, .processing: expired = nil
        }
        if let expired {
            if !responseBytesWritten {
                var buffer = context.channel.allocator.buffer(capacity: Self.requestTimeoutResponse.utf8.count)
                buffer.writeString(Self.requestTimeoutResponse)
                context.writeAndFlush(NIOAny(buffer), promise: nil)
            }
            context.fireUserInboundEventTriggered(expired)
        }
        context.close(promise: nil)
    }

    /// Sets the deadline `timeout` from now. Within a read burst the timer follows at
    /// `channelReadComplete`; otherwise at once.
    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext, inReadBurst: Bool = false) {
        deadline = .now() + timeout
        if inReadBurst {
            timerStale = true
        } else {
            syncTimer(context: context)
        }
    }

    /// Schedules the timer when there is a deadline and no timer fires by then.
    private func syncTimer(context: ChannelHandlerContext) {
        timerStale = false
        guard let deadline else { return }
        if let firesAt = timerFiresAt, firesAt <= deadline { return }
        timer?.cancel()
        schedule(at: deadline, context: context)
    }

    private func schedule(at instant: NIODeadline, context: ChannelHandlerContext) {
        let channel = context.channel
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let contextBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timerFiresAt = instant
        timer = context.eventLoop.scheduleTask(deadline: instant) {
            let handler = loopBound.value
            handler.timer = nil
            handler.timerFiresAt = nil
            guard let deadline = handler.deadline else { return }   // cleared since: nothing to enforce
            if deadline <= .now() {
                if channel.isActive { handler.expire(context: contextBound.value) } else { channel.close(promise: nil) }
            } else {
                handler.schedule(at: deadline, context: contextBound.value)   // moved later since
            }
        }
    }

    private func stopTimer() {
        timer?.cancel()
        timer = nil
        timerFiresAt = nil
        deadline = nil
    }
}
