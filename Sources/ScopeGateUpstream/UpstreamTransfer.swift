import NIOConcurrencyHelpers
import NIOCore

/// What the curl thread reports about one transfer, delivered on the transfer's event loop.
enum UpstreamEvent: Sendable {
    case head(UpstreamResponseHead)
    case body(ByteBuffer)
    /// The queued request body drained to ``UpstreamBufferLimits/requestBodyLowWater``.
    case bodyDemand
    case finished
    case failed(UpstreamError, afterHead: Bool)

    var isTerminal: Bool {
        switch self {
        case .head, .body, .bodyDemand: return false
        case .finished, .failed: return true
        }
    }
}

/// One request handed to a ``CurlEngine``: a handle to stream its body, pace its response and cancel it.
///
/// Threading: every method may be called from any thread; the body and pacing methods are
/// meant for the transfer's event loop. Called on that event loop, ``cancel()`` guarantees
/// that the delegate receives no further call once it returns; the easy handle is then
/// removed from its multi handle on the curl thread promptly.
///
/// Flow control, both ways (see ``UpstreamBufferLimits``): request-body parts are queued here
/// and read by curl's read callback, which pauses the upload when the queue is empty;
/// response bytes are counted from curl's write callback until the delegate took them, and
/// the write callback pauses receiving while that count is high or ``pauseReceiving()`` is in
/// force. Pause and resume requests reach the curl thread through its mailbox and
/// its doorbell (``ReadinessPoller/wake()``); only that thread calls `curl_easy_pause`.
public final class UpstreamTransfer: Sendable {
    /// `@unchecked`: the delegate is not `Sendable`, but it is only ever called on `eventLoop`;
    /// other threads only drop the reference, under the lock.
    struct State: @unchecked Sendable {
        /// Set until the terminal event is delivered or the transfer is cancelled.
        var delegate: (any UpstreamResponseDelegate)?
        // Request body: the event loop appends, the curl thread's read callback takes.
        var upload = CircularBuffer<ByteBuffer>()
        var uploadBytes = 0
        var uploadFinished = false
        /// The read callback found the queue empty and paused the upload: the next part must kick the loop.
        var uploadStarved = false
        /// `sendBodyPart` reported a full queue: the drain must tell the delegate.
        var uploadFull = false
        // Response: the curl thread adds at the write callback, delivery to the delegate subtracts.
        var responseBytesInFlight = 0
        /// The delegate asked to stop receiving (its client is not writable).
        var receiveHeld = false
        /// The write callback paused because too many bytes were in flight: the drain must kick the loop.
        var receiveStalled = false
        /// Whether libcurl's receive side is paused now (published by the curl thread).
        var receivePaused = false
        var peakResponseBytes = 0
        var peakRequestBytes = 0
    }

    let request: UpstreamRequest
    let eventLoop: any EventLoop
    private let loop: CurlMultiLoop?
    let state: NIOLockedValueBox<State>

    init(request: UpstreamRequest, eventLoop: any EventLoop, delegate: any UpstreamResponseDelegate, loop: CurlMultiLoop?) {
        self.request = request
        self.eventLoop = eventLoop
        self.loop = loop
        var initial = State(delegate: delegate)
        if case .bytes(let body)? = request.body {
            initial.upload.append(body)
            initial.uploadBytes = body.readableBytes
            initial.uploadFinished = true
        }
        self.state = NIOLockedValueBox(initial)
    }

    /// Stops the transfer. Idempotent; a no-op once the transfer finished or failed.
    public func cancel() {
        let released: (any UpstreamResponseDelegate)? = state.withLockedValue { state in
            defer {
                state.delegate = nil
                state.upload.removeAll()
                state.uploadBytes = 0
            }
            return state.delegate
        }
        if released != nil { loop?.cancel(self) }
        // `released` is dropped here, outside the lock, in case its deinit re-enters.
    }

    // MARK: Request body (for `.stream` bodies)

    /// Queues one part of a streamed request body. Returns false when the queue reached
    /// ``UpstreamBufferLimits/requestBodyHighWater``: the caller should stop reading its
    /// client until ``UpstreamResponseDelegate/upstreamWantsMoreBody()``. Parts sent after
    /// ``finishBody()`` or cancellation are dropped.
    @discardableResult
    public func sendBodyPart(_ part: ByteBuffer) -> Bool {
        let (kick, hasRoom) = state.withLockedValue { state -> (Bool, Bool) in
            guard state.delegate != nil, !state.uploadFinished else { return (false, true) }
            if part.readableBytes > 0 {
                state.upload.append(part)
                state.uploadBytes += part.readableBytes
                state.peakRequestBytes = max(state.peakRequestBytes, state.uploadBytes)
            }
            let kick = state.uploadStarved
            state.uploadStarved = false
            let hasRoom = state.uploadBytes < UpstreamBufferLimits.requestBodyHighWater
            if !hasRoom { state.uploadFull = true }
            return (kick, hasRoom)
        }
        if kick { loop?.kick(self) }
        return hasRoom
    }

    /// Marks the end of a streamed request body. Idempotent.
    public func finishBody() {
        let kick = state.withLockedValue { state -> Bool in
            state.uploadFinished = true
            defer { state.uploadStarved = false }
            return state.uploadStarved
        }
        if kick { loop?.kick(self) }
    }

    // MARK: Response pacing

    /// Asks the curl thread to stop receiving (the client cannot take more now). Bytes already
    /// received are still delivered. Idempotent.
    public func pauseReceiving() { setReceiveHeld(true) }

    /// Undoes ``pauseReceiving()``. Idempotent.
    public func resumeReceiving() { setReceiveHeld(false) }

    private func setReceiveHeld(_ held: Bool) {
        let changed = state.withLockedValue { state -> Bool in
            guard state.delegate != nil, state.receiveHeld != held else { return false }
            state.receiveHeld = held
            return true
        }
        if changed { loop?.kick(self) }
    }

    // MARK: Observation

    /// Whether libcurl's receiving side is paused right now.
    public var isReceivePaused: Bool { state.withLockedValue { $0.receivePaused } }
    /// Request-body bytes queued for curl now.
    public var bufferedRequestBytes: Int { state.withLockedValue { $0.uploadBytes } }
    /// Response bytes received from the backend and not yet handed to the delegate.
    public var bufferedResponseBytes: Int { state.withLockedValue { $0.responseBytesInFlight } }
    /// The most ``bufferedResponseBytes`` so far.
    public var peakBufferedResponseBytes: Int { state.withLockedValue { $0.peakResponseBytes } }
    /// The most ``bufferedRequestBytes`` so far.
    public var peakBufferedRequestBytes: Int { state.withLockedValue { $0.peakRequestBytes } }

    /// False once cancelled or completed; read by the curl thread before starting the transfer.
    var isLive: Bool { state.withLockedValue { $0.delegate != nil } }

    // MARK: Delivery

    /// Hands `events` to the delegate on the event loop, in order (called on the curl thread).
    func deliver(_ events: [UpstreamEvent]) {
        eventLoop.execute { self.dispatch(events) }
    }

    /// Hands several transfers' events to their common event loop in one task (every transfer
    /// in `batch` must belong to `eventLoop`). Called by a curl loop at the end of an iteration:
    /// a loop that runs on `eventLoop` itself (its own task, never inside a delegate call)
    /// dispatches at once.
    static func deliver(_ batch: [(UpstreamTransfer, [UpstreamEvent])], on eventLoop: any EventLoop) {
        if eventLoop.inEventLoop {
            for (transfer, events) in batch { transfer.dispatch(events) }
            return
        }
        eventLoop.execute {
            for (transfer, events) in batch { transfer.dispatch(events) }
        }
    }

    private func dispatch(_ events: [UpstreamEvent]) {
        var last: (any UpstreamResponseDelegate)?
        defer { last?.upstreamDidDeliverEvents() }
        for event in events {
            let terminal = event.isTerminal
            let bodyBytes: Int
            if case .body(let part) = event { bodyBytes = part.readableBytes } else { bodyBytes = 0 }
            let (delegate, kick) = state.withLockedValue { state -> ((any UpstreamResponseDelegate)?, Bool) in
                defer { if terminal { state.delegate = nil } }
                state.responseBytesInFlight -= bodyBytes
                var kick = false
                if state.receiveStalled && state.responseBytesInFlight <= UpstreamBufferLimits.responseLowWater {
                    state.receiveStalled = false
                    kick = true
                }
                return (state.delegate, kick)
            }
            if kick, delegate != nil { loop?.kick(self) }
            guard let delegate else { last = nil; return }  // cancelled, possibly by the previous call
            last = terminal ? nil : delegate
            switch event {
            case .head(let head): delegate.upstreamDidReceiveHead(head)
            case .body(let part): delegate.upstreamDidReceiveBodyPart(part)
            case .bodyDemand: delegate.upstreamWantsMoreBody()
            case .finished: delegate.upstreamDidFinish()
            case .failed(let error, let afterHead): delegate.upstreamDidFail(error, afterHead: afterHead)
            }
        }
    }
}
