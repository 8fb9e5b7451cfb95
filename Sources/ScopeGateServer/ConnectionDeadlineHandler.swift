import NIOCore
import ScopeGateCore

/// Closes connections whose client is too slow or idle too long, so that a client cannot
/// hold a connection (and a file descriptor) without making progress (slowloris).
///
/// - Between requests: `keepAlive` of silence closes the connection.
/// - From the first byte of a request head: the whole head must arrive within
///   `requestHead` (a fixed deadline; trickling bytes does not extend it).
/// - While reading a body: `bodyIdle` of silence between reads, and the body's pace
///   (``RequestBodyPace``: a whole-body deadline, a minimum average rate after a grace), except
///   while the gateway itself holds the reads (upstream backpressure, a key refetch); see
///   ``ClientDeadlines`` for the limits and their defaults.
/// - Once the request's end was read, while the gateway forwards it and writes its response:
///   no client deadline (the upstream timeouts apply).
///
/// When the head or a body deadline passes, the client gets `408 Request Timeout` (RFC 9110
/// §15.5.9; written here as raw bytes, unless the final response already started) and a
/// ``ClientDeadlineExpired`` event goes up the pipeline before the close, so that the HTTP
/// handler logs it and aborts the upstream transfer. An idle keep-alive connection is closed
/// silently.
///
/// Time is the event loop's `now` (the monotonic clock; an `EmbeddedEventLoop`'s virtual time
/// in tests).
final class ConnectionDeadlineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case awaitingRequest
        case readingHead
        /// The body's pace, and the instant its idle deadline passes.
        case readingBody(RequestBodyPace, idleUntil: NIODeadline)
        /// The gateway holds the reads: no deadline; bytes already under way still count.
        case bodyHeld(RequestBodyPace)
        case processing

        var isAwaitingRequest: Bool {
            if case .awaitingRequest = self { return true }
            return false
        }
    }

    private let deadlines: ClientDeadlines
    private var phase = Phase.awaitingRequest
    /// When the connection must be closed, if nothing changes first; `nil`: no client deadline now.
    private var deadline: NIODeadline?
    /// The one timer of this connection and when it fires. It is moved only when ``deadline``
    /// becomes earlier than it: a later or cleared deadline is noticed when it fires, which
    /// then re-arms for the rest. So a keep-alive request costs no timer operation at all,
    /// where scheduling and cancelling per phase cost three of each.
    ///
    /// A scheduled callback with this handler as its target, not a scheduled task: on NIO's
    /// event loops it costs one entry in the loop's timer queue, where a task took a promise and
    /// three closures (about 0.3 KiB held by every idle keep-alive connection).
    private var timer: NIOScheduledCallback?
    private var timerFiresAt: NIODeadline?
    /// The context the timer acts on; set only while the timer is pending (no cycle otherwise).
    private var timerContext: ChannelHandlerContext?
    /// A deadline changed inside a read burst: the timer is brought in line at `channelReadComplete`
    /// (a request whose head and end arrive in one read never needs the head deadline's timer).
    private var timerStale = false
    /// Between a `channelRead` and its `channelReadComplete`. A phase change reported outside
    /// a read (a pipelined request's head, released when the previous response ended) must
    /// bring the timer in line at once: no `channelReadComplete` may follow.
    private var inReadBurst = false
    /// The final response of the current request started (no 408 can be written then).
    private var responseStarted = false

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

    init(deadlines: ClientDeadlines) {
        self.deadlines = deadlines
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context.eventLoop.now + deadlines.keepAlive, context: context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context.eventLoop.now + deadlines.keepAlive, context: context) }
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
        let bytes = unwrapInboundIn(data).readableBytes
        switch phase {
        case .awaitingRequest:
            phase = .readingHead
            arm(context.eventLoop.now + deadlines.requestHead, context: context, inReadBurst: true)
        case .readingBody(var pace, _):
            pace.receive(bytes)
            readBody(pace, idleUntil: context.eventLoop.now + deadlines.bodyIdle, context: context, inReadBurst: true)
        case .bodyHeld(var pace):
            pace.receive(bytes)   // parts of reads already under way when the hold began
            phase = .bodyHeld(pace)
        case .readingHead, .processing:
            break
        }
        context.fireChannelRead(data)
    }

    /// The drain: when the listener stops accepting, a connection between requests (no byte of
    /// a next request read) closes now; one with a request under way closes after its response.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case DrainEvent.stopAccepting? = event as? DrainEvent, phase.isAwaitingRequest {
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
            // Counted from the next read on: body bytes that came in the head's own read (or, for
            // a pipelined head released later, were read before it) earn nothing, so a large head
            // buys no time. A client that keeps up the rate after that first read is never cut;
            // only one that sends a burst and then falls below the rate for longer than the grace.
            let now = context.eventLoop.now
            readBody(RequestBodyPace(rules: deadlines.body, start: now), idleUntil: now + deadlines.bodyIdle,
                     context: context, inReadBurst: inReadBurst)
        case .requestBodyHeld:
            guard case .readingBody(var pace, _) = phase else { break }
            pace.hold(at: context.eventLoop.now)
            phase = .bodyHeld(pace)
            deadline = nil
        case .requestBodyResumed:
            guard case .bodyHeld(var pace) = phase else { break }
            let now = context.eventLoop.now
            pace.resume(at: now)
            readBody(pace, idleUntil: now + deadlines.bodyIdle, context: context, inReadBurst: inReadBurst)
        case .responseStarted:
            responseStarted = true
        case .requestComplete:
            phase = .processing
            deadline = nil
        case .responseComplete:
            phase = .awaitingRequest
            responseStarted = false
            arm(context.eventLoop.now + deadlines.keepAlive, context: context)
        }
        promise?.succeed(())
    }

    /// Enters (or stays in) reading the body: the deadline is the earlier of the idle one and the pace's.
    private func readBody(_ pace: RequestBodyPace, idleUntil: NIODeadline, context: ChannelHandlerContext, inReadBurst: Bool) {
        phase = .readingBody(pace, idleUntil: idleUntil)
        if let paced = pace.deadline, paced.at < idleUntil {
            arm(paced.at, context: context, inReadBurst: inReadBurst)
        } else {
            arm(idleUntil, context: context, inReadBurst: inReadBurst)
        }
    }

    /// The deadline passed: 408 (unless the response started) and a ``ClientDeadlineExpired``
    /// for a slow head or body, then close.
    private func expire(context: ChannelHandlerContext) {
        guard let stage = expiredStage(at: context.eventLoop.now) else {
            context.close(promise: nil)   // between requests: closed silently
            return
        }
        if !responseStarted {
            var buffer = context.channel.allocator.buffer(capacity: Self.requestTimeoutResponse.utf8.count)
            buffer.writeString(Self.requestTimeoutResponse)
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        }
        context.fireUserInboundEventTriggered(ClientDeadlineExpired(stage: stage, responseStarted: responseStarted))
        context.close(promise: nil)
    }

    /// Which deadline of the current phase passed at `now`: the earliest one; `nil` between requests.
    private func expiredStage(at now: NIODeadline) -> ClientDeadlineExpired.Stage? {
        func milliseconds(_ amount: TimeAmount) -> Int64 { amount.nanoseconds / 1_000_000 }
        switch phase {
        case .readingHead:
            return .head(milliseconds: milliseconds(deadlines.requestHead))
        case .readingBody(let pace, let idleUntil):
            guard let paced = pace.deadline, paced.at < idleUntil else {
                return .bodyIdle(milliseconds: milliseconds(deadlines.bodyIdle))
            }
            switch paced.limit {
            case .wholeBody:
                return .bodyTimeout(milliseconds: milliseconds(pace.rules.wholeBody ?? .zero))
            case .minimumRate:
                return .bodyRate(minBytesPerSecond: pace.rules.minBytesPerSecond, graceMilliseconds: milliseconds(pace.rules.grace),
                                 receivedBytes: pace.receivedBytes, elapsedMilliseconds: milliseconds(pace.elapsed(at: now)))
            }
        case .awaitingRequest, .bodyHeld, .processing:
            return nil
        }
    }

    /// Sets the deadline to `instant`. Within a read burst the timer follows at
    /// `channelReadComplete`; otherwise at once.
    private func arm(_ instant: NIODeadline, context: ChannelHandlerContext, inReadBurst: Bool = false) {
        deadline = instant
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
        do {
            timer = try context.eventLoop.assumeIsolated().scheduleCallback(at: instant, handler: self)
        } catch {
            return   // the event loop is shutting down: its channels close with it
        }
        timerFiresAt = instant
        timerContext = context
    }

    private func stopTimer() {
        timer?.cancel()
        timer = nil
        timerFiresAt = nil
        timerContext = nil
        deadline = nil
    }
}

extension ConnectionDeadlineHandler: NIOScheduledCallbackHandler {
    /// The timer fired: expire if the deadline passed, else re-arm for it (it moved later since).
    func handleScheduledCallback(eventLoop: some EventLoop) {
        let context = timerContext
        timer = nil
        timerFiresAt = nil
        timerContext = nil
        guard let context, let deadline else { return }   // cleared since: nothing to enforce
        if deadline <= context.eventLoop.now {
            if context.channel.isActive { expire(context: context) } else { context.channel.close(promise: nil) }
        } else {
            schedule(at: deadline, context: context)   // moved later since
        }
    }
}
