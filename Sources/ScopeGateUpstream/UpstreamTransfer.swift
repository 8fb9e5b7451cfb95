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
/// Flow control, both ways (see ``UpstreamBufferLimits``), is one ``TransferStateMachine``
/// under the transfer's lock: request-body parts are queued there and read by curl's read
/// callback, which pauses the upload when the queue is empty; response bytes are counted from
/// curl's write callback until the delegate took them, and the write callback pauses receiving
/// while that count is high or ``pauseReceiving()`` is in force. A change the event loop asks
/// for reaches the curl loop through its mailbox and its doorbell (``CurlMultiLoop/kick(_:)``);
/// only that loop calls `curl_easy_pause`.
public final class UpstreamTransfer: Sendable {
    /// `@unchecked`: the delegate is not `Sendable`, but it is only ever called on `eventLoop`;
    /// other threads only drop the reference, under the lock.
    struct State: @unchecked Sendable {
        /// Set until the terminal event is delivered or the transfer is cancelled.
        var delegate: (any UpstreamResponseDelegate)?
        /// The request body's queue, the response bytes in flight and libcurl's pause.
        var flow: TransferStateMachine
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
        self.state = NIOLockedValueBox(State(delegate: delegate, flow: TransferStateMachine(body: request.body)))
    }

    /// Stops the transfer. Idempotent; a no-op once the transfer finished or failed.
    public func cancel() {
        let released: (any UpstreamResponseDelegate)? = state.withLockedValue { state in
            defer { state.delegate = nil }
            state.flow.cancel()
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
        let (room, action) = state.withLockedValue { state -> (TransferStateMachine.Room, TransferStateMachine.Action) in
            guard state.delegate != nil else { return (.ok, .none) }
            defer { state.peakRequestBytes = max(state.peakRequestBytes, state.flow.bufferedRequestBytes) }
            return state.flow.send(part)
        }
        perform(action)
        return room == .ok
    }

    /// Marks the end of a streamed request body. Idempotent.
    public func finishBody() {
        perform(state.withLockedValue { $0.flow.finish() })
    }

    // MARK: Response pacing

    /// Asks the curl thread to stop receiving (the client cannot take more now). Bytes already
    /// received are still delivered. Idempotent.
    public func pauseReceiving() { setClientPaused(true) }

    /// Undoes ``pauseReceiving()``. Idempotent.
    public func resumeReceiving() { setClientPaused(false) }

    private func setClientPaused(_ paused: Bool) {
        perform(state.withLockedValue { state in
            guard state.delegate != nil else { return .none }
            return state.flow.setClientPaused(paused)
        })
    }

    /// Performs an event-loop side action of the machine (outside the lock).
    private func perform(_ action: TransferStateMachine.Action) {
        switch action {
        case .none, .setCurlPause:
            // `setCurlPause` comes from `synchronize()` only, on the curl loop.
            break
        case .kick:
            loop?.kick(self)
        case .fail(let message):
            assertionFailure("upstream transfer state machine: \(message)")
            loop?.kick(self)  // the curl loop's synchronize() ends the transfer with an error
        }
    }

    // MARK: Observation

    /// Whether libcurl's receiving side is paused right now.
    public var isReceivePaused: Bool { state.withLockedValue { $0.flow.curlPaused.contains(.receive) } }
    /// Request-body bytes queued for curl now.
    public var bufferedRequestBytes: Int { state.withLockedValue { $0.flow.bufferedRequestBytes } }
    /// Response bytes received from the backend and not yet handed to the delegate.
    public var bufferedResponseBytes: Int { state.withLockedValue { $0.flow.bufferedResponseBytes } }
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
            let (delegate, action) = state.withLockedValue { state -> ((any UpstreamResponseDelegate)?, TransferStateMachine.Action) in
                defer { if terminal { state.delegate = nil } }
                let action = bodyBytes > 0 ? state.flow.delivered(bodyBytes) : .none
                return (state.delegate, action)
            }
            if delegate != nil { perform(action) }
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
