import NIOCore

/// Where one upstream transfer's flow stands: the request body on its way to libcurl, the
/// response bytes on their way to the delegate, and what libcurl has paused. The only record of
/// that flow: nothing else decides to pause or resume the transfer.
///
/// Two sides feed it, on two threads (the machine sits in ``UpstreamTransfer``'s lock): the
/// exchange, on the transfer's event loop, sends body parts, finishes the body, paces the
/// response, reports delivered bytes and cancels; libcurl, inside its callbacks on the curl
/// loop, reads the body, writes response bytes and, once kicked, applies the pause the machine
/// wants (``synchronize()``). Each event is a mutating call that returns what its owner does;
/// the machine does no I/O and reads no clock. Like NIO's `HTTPServerPipelineHandler`, a
/// transition records the new state *before* it returns, because performing its action may
/// re-enter: `curl_easy_pause` can call the write callback before it returns.
///
/// libcurl's pause is tracked as a fact, not only as a wish ("applied", see ``curlPaused``): a
/// callback that returns a pause applies it at once; a change asked for on the event loop (the
/// client's writability, bytes drained, a body part for a starved upload) returns
/// ``Action/kick`` and is applied by the curl loop's next ``synchronize()``, whose
/// ``Action/setCurlPause(_:)`` is the only `curl_easy_pause` call.
///
/// An event that cannot happen (a body part or a body read for a transfer without a request
/// body, response bytes before the response head, a second head, more bytes delivered than
/// received, a streamed body rewound) returns a `fail` outcome and moves to `failed`: the owner
/// asserts in debug builds; in release builds every later callback aborts and the curl loop
/// ends the transfer with an error (fail closed).
struct TransferStateMachine {
    private enum State {
        /// Under way: the request body and the response move independently.
        case transferring(Upload, Receive)
        /// The exchange let go (``cancel()``): the queued body is dropped, a read aborts (a body
        /// cut short must never reach the backend as a whole one) and response bytes are refused
        /// until the curl loop removes the handle. `curlPaused`: what libcurl has paused meanwhile.
        case cancelled(curlPaused: CurlPause)
        /// An impossible event happened: every callback aborts, and the curl loop ends the
        /// transfer at its next ``synchronize()``.
        case failed(String, curlPaused: CurlPause)
        /// Never seen outside a transition (lets a queue be changed without a copy).
        case modifying
    }

    /// The request body, as libcurl's read callback sees it.
    private enum Upload {
        /// No request body.
        case none
        /// A streamed body whose end is not known yet. `demandOwed`: ``send(_:)`` reported a
        /// full queue, so the exchange waits for a ``Read/copied(_:bodyDemand:)`` with the demand.
        case open(BodyQueue, curl: CurlSide, demandOwed: Bool)
        /// Every byte is queued (``finish()`` was called, or a `.bytes` body, whole from the
        /// start and rewindable): libcurl reads the rest, then the end.
        case finishing(BodyQueue, curl: CurlSide, demandOwed: Bool)
        /// The read callback returned the end.
        case sent
    }

    private enum Receive {
        /// No final response head yet (the client may already have asked for a pause).
        case awaitingHead(ReceivePause)
        /// `inFlight`: bytes the write callback took that the delegate has not been handed yet (≥ 0).
        case receiving(inFlight: Int, ReceivePause)
    }

    private var state: State

    /// A transfer about to start: `body` as the request carries it.
    init(body: UpstreamRequestBody?) {
        let upload: Upload
        switch body {
        case nil: upload = .none
        case .stream: upload = .open(BodyQueue(), curl: .reading, demandOwed: false)
        case .bytes(let bytes): upload = .finishing(BodyQueue(bytes), curl: .reading, demandOwed: false)
        }
        state = .transferring(upload, .awaitingHead(.flowing))
    }

    // MARK: Queries

    /// What libcurl has paused now (applied, not merely wanted). The owner keeps the held-time
    /// clock and the pause statistics by comparing this before and after each curl-side event.
    var curlPaused: CurlPause {
        switch state {
        case .transferring(let upload, let receive):
            var paused: CurlPause = []
            switch upload {
            case .open(_, let curl, _), .finishing(_, let curl, _): if curl != .reading { paused.insert(.send) }
            case .none, .sent: break
            }
            switch receive {
            case .awaitingHead(let pause), .receiving(_, let pause): if pause.isApplied { paused.insert(.receive) }
            }
            return paused
        case .cancelled(let paused), .failed(_, let paused):
            return paused
        case .modifying:
            return []
        }
    }

    /// Whether libcurl still has request-body bytes or the body's end to read.
    var isSendingBody: Bool {
        if case .transferring(.open, _) = state { return true }
        if case .transferring(.finishing, _) = state { return true }
        return false
    }

    /// Request-body bytes queued for libcurl (0 once cancelled).
    var bufferedRequestBytes: Int {
        switch state {
        case .transferring(.open(let queue, _, _), _), .transferring(.finishing(let queue, _, _), _): return queue.bytes
        case .transferring, .cancelled, .failed, .modifying: return 0
        }
    }

    /// Response bytes taken from libcurl and not yet delivered (0 once cancelled).
    var bufferedResponseBytes: Int {
        if case .transferring(_, .receiving(let inFlight, _)) = state { return inFlight }
        return 0
    }

    // MARK: Exchange events (the transfer's event loop)

    /// A request-body part to queue. Returns whether the queue has room for more (``Room/full``
    /// at ``UpstreamBufferLimits/requestBodyHighWater`` bytes: a demand is then owed) and
    /// ``Action/kick`` when libcurl's send side is paused for want of bytes. A part after the
    /// end or the cancellation is dropped (with ``Room/ok``).
    mutating func send(_ part: ByteBuffer) -> (Room, Action) {
        switch state {
        case .transferring(.open(var queue, let curl, let demandOwed), let receive):
            state = .modifying
            queue.append(part)
            let room: Room = queue.bytes < UpstreamBufferLimits.requestBodyHighWater ? .ok : .full
            let wake = curl == .starved && queue.bytes > 0
            state = .transferring(.open(queue, curl: wake ? .waking : curl, demandOwed: demandOwed || room == .full), receive)
            return (room, wake ? .kick : .none)
        case .transferring(.none, _):
            return (.ok, fail("request body part for a transfer without a request body"))
        case .transferring(.finishing, _), .transferring(.sent, _), .cancelled, .failed:
            return (.ok, .none)
        case .modifying:
            return (.ok, fail("request body part inside a transition"))
        }
    }

    /// The end of a streamed body. Idempotent, and nothing for a transfer without a body (the
    /// exchange ends every request, a GET too); ``Action/kick`` when libcurl waits for it.
    mutating func finish() -> Action {
        switch state {
        case .transferring(.open(let queue, let curl, let demandOwed), let receive):
            let wake = curl == .starved
            state = .transferring(.finishing(queue, curl: wake ? .waking : curl, demandOwed: demandOwed), receive)
            return wake ? .kick : .none
        case .transferring, .cancelled, .failed, .modifying:
            return .none
        }
    }

    /// The client stopped (`true`) or started again (`false`) taking response bytes. Idempotent;
    /// ``Action/kick`` when libcurl's receive pause must change.
    mutating func setClientPaused(_ paused: Bool) -> Action {
        switch state {
        case .transferring(let upload, .awaitingHead(let pause)):
            let (next, action) = pause.settingClient(paused)
            state = .transferring(upload, .awaitingHead(next))
            return action
        case .transferring(let upload, .receiving(let inFlight, let pause)):
            let (next, action) = pause.settingClient(paused)
            state = .transferring(upload, .receiving(inFlight: inFlight, next))
            return action
        case .cancelled, .failed, .modifying:
            return .none
        }
    }

    /// `bytes` (≥ 0) of response body were handed to the delegate. ``Action/kick`` when that
    /// drained a buffer pause to ``UpstreamBufferLimits/responseLowWater``.
    mutating func delivered(_ bytes: Int) -> Action {
        switch state {
        case .transferring(let upload, .receiving(let inFlight, let pause)):
            guard bytes >= 0, bytes <= inFlight else { return fail("\(bytes) response bytes delivered, \(inFlight) in flight") }
            let left = inFlight - bytes
            guard case .paused(var causes) = pause, causes.contains(.buffer), left <= UpstreamBufferLimits.responseLowWater else {
                state = .transferring(upload, .receiving(inFlight: left, pause))
                return .none
            }
            causes.remove(.buffer)
            state = .transferring(upload, .receiving(inFlight: left, causes.isEmpty ? .resuming : .paused(causes)))
            return causes.isEmpty ? .kick : .none
        case .transferring(_, .awaitingHead):
            return fail("response bytes delivered before the response head")
        case .cancelled, .failed, .modifying:
            return .none
        }
    }

    /// The exchange let go: the queued body is dropped. Idempotent.
    mutating func cancel() {
        switch state {
        case .transferring, .failed: state = .cancelled(curlPaused: curlPaused)
        case .cancelled, .modifying: break
        }
    }

    // MARK: libcurl events (the curl loop)

    /// The final response head was parsed (interim 1xx heads are not reported).
    mutating func headReceived() -> Action {
        switch state {
        case .transferring(let upload, .awaitingHead(let pause)):
            state = .transferring(upload, .receiving(inFlight: 0, pause))
            return .none
        case .transferring(_, .receiving):
            return fail("a second final response head")
        case .cancelled, .failed, .modifying:
            return .none
        }
    }

    /// libcurl's read callback: copies queued body bytes into `destination` (not empty).
    /// A read always means libcurl is reading, whatever pause the machine had recorded.
    mutating func read(into destination: UnsafeMutableRawBufferPointer) -> Read {
        switch state {
        case .transferring(.open(var queue, _, let demandOwed), let receive):
            state = .modifying
            let copied = queue.copy(into: destination)
            guard copied > 0 else {
                state = .transferring(.open(queue, curl: .starved, demandOwed: demandOwed), receive)
                return .pause
            }
            let demand = demandOwed && queue.bytes <= UpstreamBufferLimits.requestBodyLowWater
            state = .transferring(.open(queue, curl: .reading, demandOwed: demandOwed && !demand), receive)
            return .copied(copied, bodyDemand: demand)
        case .transferring(.finishing(var queue, _, let demandOwed), let receive):
            state = .modifying
            let copied = queue.copy(into: destination)
            guard copied > 0 else {
                state = .transferring(.sent, receive)
                return .end
            }
            let demand = demandOwed && queue.bytes <= UpstreamBufferLimits.requestBodyLowWater
            state = .transferring(.finishing(queue, curl: .reading, demandOwed: demandOwed && !demand), receive)
            return .copied(copied, bodyDemand: demand)
        case .transferring(.sent, _):
            return .end
        case .transferring(.none, _):
            guard case .fail(let message) = fail("request body read for a transfer without a request body") else { return .abort }
            return .fail(message)
        case .cancelled, .failed:
            return .abort
        case .modifying:
            guard case .fail(let message) = fail("request body read inside a transition") else { return .abort }
            return .fail(message)
        }
    }

    /// libcurl's write callback, with `count` (> 0) response body bytes after the final head.
    mutating func write(_ count: Int) -> Write {
        switch state {
        case .transferring(let upload, .receiving(let inFlight, let pause)):
            let over = inFlight >= UpstreamBufferLimits.responseHighWater
            switch pause {
            case .flowing, .resuming:
                // `.resuming`: libcurl writes, so its receive side is not paused whatever was recorded.
                if over {
                    state = .transferring(upload, .receiving(inFlight: inFlight, .paused(.buffer)))
                    return .pause
                }
                state = .transferring(upload, .receiving(inFlight: inFlight + count, .flowing))
                return .take
            case .pausing:
                state = .transferring(upload, .receiving(inFlight: inFlight, .paused(over ? [.client, .buffer] : .client)))
                return .pause
            case .paused(let causes):
                state = .transferring(upload, .receiving(inFlight: inFlight, .paused(over ? causes.union(.buffer) : causes)))
                return .pause
            }
        case .transferring(_, .awaitingHead):
            guard case .fail(let message) = fail("response body bytes before the response head") else { return .abort }
            return .fail(message)
        case .cancelled(let paused):
            state = .cancelled(curlPaused: paused.union(.receive))
            return .pause
        case .failed:
            return .abort
        case .modifying:
            guard case .fail(let message) = fail("response body bytes inside a transition") else { return .abort }
            return .fail(message)
        }
    }

    /// libcurl's seek callback, for a `.bytes` body sent again (from another offset) on a fresh
    /// connection: `remaining` is the body from that offset.
    mutating func rewind(to remaining: ByteBuffer) -> Rewind {
        switch state {
        case .transferring(.finishing, let receive), .transferring(.sent, let receive):
            state = .transferring(.finishing(BodyQueue(remaining), curl: .reading, demandOwed: false), receive)
            return .rewound
        case .transferring(.open, _), .transferring(.none, _), .modifying:
            guard case .fail(let message) = fail("a request body rewound that is not a whole one") else { return .refused }
            return .fail(message)
        case .cancelled, .failed:
            return .refused
        }
    }

    /// The curl loop was kicked: applies the pause the machine wants. ``Action/setCurlPause(_:)``
    /// when libcurl's pause changes (already recorded: the call may re-enter ``write(_:)``),
    /// ``Action/fail(_:)`` once an impossible event failed the transfer, else ``Action/none``.
    mutating func synchronize() -> Action {
        switch state {
        case .transferring(let upload, let receive):
            var changed = false
            var nextUpload = upload
            switch upload {
            case .open(let queue, .waking, let demandOwed):
                nextUpload = .open(queue, curl: .reading, demandOwed: demandOwed)
                changed = true
            case .finishing(let queue, .waking, let demandOwed):
                nextUpload = .finishing(queue, curl: .reading, demandOwed: demandOwed)
                changed = true
            case .none, .open, .finishing, .sent:
                break
            }
            var nextReceive = receive
            switch receive {
            case .awaitingHead(let pause):
                if let applied = pause.applying { nextReceive = .awaitingHead(applied); changed = true }
            case .receiving(let inFlight, let pause):
                if let applied = pause.applying { nextReceive = .receiving(inFlight: inFlight, applied); changed = true }
            }
            guard changed else { return .none }
            state = .transferring(nextUpload, nextReceive)
            return .setCurlPause(curlPaused)
        case .failed(let message, _):
            return .fail(message)
        case .cancelled, .modifying:
            return .none
        }
    }

    // MARK: Helpers

    private mutating func fail(_ message: String) -> Action {
        state = .failed(message, curlPaused: curlPaused)
        return .fail(message)
    }
}

extension TransferStateMachine {
    /// The state's name and payload, for tests and failure messages.
    var description: String {
        switch state {
        case .transferring(let upload, let receive):
            let uploadName: String
            switch upload {
            case .none: uploadName = "none"
            case .open(let queue, let curl, let demandOwed):
                uploadName = "open(bytes: \(queue.bytes), curl: \(curl), demandOwed: \(demandOwed))"
            case .finishing(let queue, let curl, let demandOwed):
                uploadName = "finishing(bytes: \(queue.bytes), curl: \(curl), demandOwed: \(demandOwed))"
            case .sent: uploadName = "sent"
            }
            let receiveName: String
            switch receive {
            case .awaitingHead(let pause): receiveName = "awaitingHead(\(pause))"
            case .receiving(let inFlight, let pause): receiveName = "receiving(inFlight: \(inFlight), \(pause))"
            }
            return "transferring(\(uploadName), \(receiveName))"
        case .cancelled(let paused): return "cancelled(curlPaused: \(paused))"
        case .failed(let message, let paused): return "failed(\(message), curlPaused: \(paused))"
        case .modifying: return "modifying"
        }
    }
}
