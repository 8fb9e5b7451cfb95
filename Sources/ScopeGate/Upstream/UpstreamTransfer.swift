import NIOConcurrencyHelpers
import NIOCore

/// What the curl thread reports about one transfer, delivered on the transfer's event loop.
enum UpstreamEvent: Sendable {
    case head(UpstreamResponseHead)
    case body(ByteBuffer)
    case finished
    case failed(UpstreamError, afterHead: Bool)

    var isTerminal: Bool {
        switch self {
        case .head, .body: return false
        case .finished, .failed: return true
        }
    }
}

/// One request handed to a ``CurlEngine``: a handle to cancel it.
///
/// Threading: ``cancel()`` may be called from any thread. Called on the transfer's event loop,
/// it guarantees that the delegate receives no further call once it returns; the easy handle
/// is then removed from its multi handle on the curl thread promptly, closing or releasing the
/// connection as libcurl sees fit.
public final class UpstreamTransfer: Sendable {
    /// `@unchecked`: the delegate is not `Sendable`, but it is only ever called on `eventLoop`;
    /// other threads only drop the reference, under the lock.
    private struct State: @unchecked Sendable {
        /// Set until the terminal event is delivered or the transfer is cancelled. Only ever
        /// *called* on `eventLoop`; it is stored under the lock so `cancel()` can drop it.
        var delegate: (any UpstreamResponseDelegate)?
    }

    let request: UpstreamRequest
    let eventLoop: any EventLoop
    private let loop: CurlMultiLoop?
    private let state: NIOLockedValueBox<State>

    init(request: UpstreamRequest, eventLoop: any EventLoop, delegate: any UpstreamResponseDelegate, loop: CurlMultiLoop?) {
        self.request = request
        self.eventLoop = eventLoop
        self.loop = loop
        self.state = NIOLockedValueBox(State(delegate: delegate))
    }

    /// Stops the transfer. Idempotent; a no-op once the transfer finished or failed.
    public func cancel() {
        let released: (any UpstreamResponseDelegate)? = state.withLockedValue { state in
            defer { state.delegate = nil }
            return state.delegate
        }
        if released != nil { loop?.cancel(self) }
        // `released` is dropped here, outside the lock, in case its deinit re-enters.
    }

    /// False once cancelled or completed; read by the curl thread before starting the transfer.
    var isLive: Bool { state.withLockedValue { $0.delegate != nil } }

    /// Hands `events` to the delegate on the event loop, in order (called on the curl thread).
    func deliver(_ events: [UpstreamEvent]) {
        eventLoop.execute { self.dispatch(events) }
    }

    private func dispatch(_ events: [UpstreamEvent]) {
        for event in events {
            let terminal = event.isTerminal
            let delegate: (any UpstreamResponseDelegate)? = state.withLockedValue { state in
                defer { if terminal { state.delegate = nil } }
                return state.delegate
            }
            guard let delegate else { return }  // cancelled, possibly by the previous call
            switch event {
            case .head(let head): delegate.upstreamDidReceiveHead(head)
            case .body(let part): delegate.upstreamDidReceiveBodyPart(part)
            case .finished: delegate.upstreamDidFinish()
            case .failed(let error, let afterHead): delegate.upstreamDidFail(error, afterHead: afterHead)
            }
        }
    }
}
