import NIOCore
import NIOHTTP1

/// Where one connection's current exchange stands: the only record of its progress.
///
/// One machine per connection, one exchange at a time (the pipelining handler in front holds
/// back the next request until this one's response has ended, RFC 9112 §9.3.2). Events come in
/// as mutating calls, each returning the one ``Action`` the handler performs; nothing else
/// changes the state. Like NIO's `HTTPServerPipelineHandler`, a transition sets the new state
/// *before* it returns, because performing the action may write, and the pipelining handler can
/// deliver the next request inside that write.
///
/// An event that cannot happen in the current state (a head while a request is under way, a
/// body part after the end, a response part before the response head) returns
/// ``Action/failConnection(_:)`` and moves to `closing`: the handler asserts in debug builds and
/// logs and closes in release ones.
///
/// Free of channel calls: it holds `Exchange` (the record of the request: head, decision,
/// transfer, counters) only by reference, and never looks inside it, so tests drive it with
/// any class.
struct ExchangeStateMachine<Exchange: AnyObject> {
    private enum State {
        /// Between requests.
        case idle
        /// Inside the decision (synchronous), at the head (`inRead`: a read is being parsed, and
        /// `channelReadComplete` follows) or when the keys arrived (no read under way).
        case deciding(Exchange, Gathered, readPending: Bool, inRead: Bool)
        /// The decision waits for the issuer's keys; reads are held, decoded parts kept.
        case awaitingKeys(Exchange, Gathered, readPending: Bool)
        /// Allowed: the request and response sides move independently.
        case forwarding(Exchange, RequestSide, ResponseSide, reads: ReadGate)
        /// The gateway's own answer is written; the rest of the request body is dropped, and
        /// at its end the connection is idle again, or closes if `close`.
        case answering(close: Bool)
        /// The connection is going away: nothing more is processed.
        case closing
        /// Never seen outside a transition (lets payloads be mutated without a copy).
        case modifying
    }

    /// Connection facts beside the exchange.
    private struct Fate {
        /// The client half-closed its side.
        var inputClosed = false
        /// The gateway drains: every response from now on closes.
        var draining = false
    }

    private var state = State.idle
    private var fate = Fate()
    /// The current exchange's own reason to close: the client asked for it, spoke HTTP/1.0
    /// without keep-alive, sent `CONNECT` or `Upgrade`, or an HTTP/1.0 response has no length.
    private var exchangeCloses = false
    /// The current request has a body (`Content-Length` above zero or chunked).
    private var expectsBody = false
    /// The current request is HTTP/1.1 with `Expect: 100-continue` (RFC 9110 §10.1.1).
    private var expectsContinue = false

    init() {}

    // MARK: Queries

    /// The exchange under way (deciding, waiting for keys, or forwarding).
    var exchange: Exchange? {
        switch state {
        case .deciding(let exchange, _, _, _), .awaitingKeys(let exchange, _, _), .forwarding(let exchange, _, _, _):
            return exchange
        case .idle, .answering, .closing, .modifying:
            return nil
        }
    }

    /// The exchange whose upstream transfer is under way or about to start.
    var forwardingExchange: Exchange? {
        if case .forwarding(let exchange, _, _, _) = state { return exchange }
        return nil
    }

    /// Whether `exchange` is the one forwarding (upstream events of any other are late).
    func isForwarding(_ exchange: Exchange) -> Bool {
        forwardingExchange === exchange
    }

    var isClosing: Bool {
        if case .closing = state { return true }
        return false
    }

    /// Whether the client has the response head, so a failure can only cut the connection.
    var responseStarted: Bool {
        if case .forwarding(_, _, .streaming, _) = state { return true }
        return false
    }

    /// Whether no response has started, so an error can still be answered with a status.
    var canAnswer: Bool {
        switch state {
        case .idle, .deciding, .awaitingKeys: return true
        case .forwarding(_, _, let response, _):
            if case .streaming = response { return false }
            return true
        case .answering, .closing, .modifying: return false
        }
    }

    /// Whether the response head about to be built says `Connection: close` (the exchange's
    /// own reason, or the drain; a half-close closes after the response without announcing it).
    var responseHeadCloses: Bool { exchangeCloses || fate.draining }

    /// Whether the current request's end was read (true between requests).
    var requestEnded: Bool {
        switch state {
        case .idle, .closing, .modifying: return true
        case .deciding(_, let gathered, _, _), .awaitingKeys(_, let gathered, _): return gathered.ended
        case .forwarding(_, let request, _, _):
            switch request {
            case .gathering(let gathered): return gathered.ended
            case .sending: return false
            case .ended: return true
            }
        case .answering: return false
        }
    }

    // MARK: Client events

    /// A request head arrived and passed the pipelining handler. `closeRequested`: the
    /// exchange's own reason to close (see ``exchangeCloses``).
    mutating func requestHead(_ exchange: Exchange, expectsBody: Bool, expectsContinue: Bool, closeRequested: Bool) -> Action {
        switch state {
        case .idle:
            state = .deciding(exchange, Gathered(), readPending: false, inRead: true)
            self.expectsBody = expectsBody
            self.expectsContinue = expectsContinue
            exchangeCloses = closeRequested
            return .none
        case .closing:
            return .drop   // RFC 9112 §9.6: nothing after a close is answered
        case .deciding, .awaitingKeys, .forwarding, .answering, .modifying:
            return fail("request head while a request is under way")
        }
    }

    /// A request body part arrived (already counted against the body limit by the handler).
    mutating func requestBodyPart(_ part: ByteBuffer) -> Action {
        switch state {
        case .awaitingKeys(let exchange, var gathered, let readPending) where !gathered.ended:
            state = .modifying
            gathered.parts.append(part)
            state = .awaitingKeys(exchange, gathered, readPending: readPending)
            return .none
        case .forwarding(let exchange, .gathering(var gathered), let response, let reads) where !gathered.ended:
            state = .modifying
            gathered.parts.append(part)
            state = .forwarding(exchange, .gathering(gathered), response, reads: reads)
            return .none
        case .forwarding(_, .sending, _, _):
            return .sendBody(part)
        case .answering, .closing:
            return .none   // dropped: the request was answered, or the connection is going away
        case .idle, .deciding, .awaitingKeys, .forwarding, .modifying:
            return fail("request body part with no request body under way")
        }
    }

    /// The request's end arrived.
    mutating func requestEnd() -> Action {
        switch state {
        case .awaitingKeys(let exchange, var gathered, let readPending) where !gathered.ended:
            state = .modifying
            gathered.ended = true
            state = .awaitingKeys(exchange, gathered, readPending: readPending)
            return .none
        case .forwarding(let exchange, .gathering(var gathered), let response, let reads) where !gathered.ended:
            state = .modifying
            gathered.ended = true
            state = .forwarding(exchange, .gathering(gathered), response, reads: reads)
            return .none
        case .forwarding(let exchange, .sending, let response, let reads):
            state = .forwarding(exchange, .ended, response, reads: reads)
            return .finishBody
        case .answering(let close):
            state = .idle
            return close ? .closeWhenWritten : .none
        case .closing:
            return .none
        case .idle, .deciding, .awaitingKeys, .forwarding, .modifying:
            return fail("request end with no request under way")
        }
    }

    /// The channel asked for a read.
    mutating func readRequested() -> Action {
        switch state {
        case .deciding(let exchange, let gathered, _, let inRead):
            state = .deciding(exchange, gathered, readPending: true, inRead: inRead)
            return .none
        case .awaitingKeys(let exchange, let gathered, _):
            state = .awaitingKeys(exchange, gathered, readPending: true)
            return .none
        case .forwarding(let exchange, let request, let response, .held):
            state = .forwarding(exchange, request, response, reads: .held(readPending: true))
            return .none
        case .idle, .forwarding, .answering, .closing:
            return .read   // closing: a lingering close reads the rest
        case .modifying:
            return fail("read requested inside a transition")
        }
    }

    /// The client half-closed: answer what is in flight, then close.
    mutating func inputClosed() -> Action {
        fate.inputClosed = true
        switch state {
        case .idle, .answering: return .closeWhenWritten
        case .deciding, .awaitingKeys, .forwarding, .closing, .modifying: return .none
        }
    }

    /// The gateway drains (or was draining when the head arrived): every response from now on closes.
    mutating func drain() {
        fate.draining = true
    }

    /// The connection goes away now (a client deadline, the drain's cut, the channel closed, a
    /// failure after the response started): held reads are released if they were held.
    mutating func cut() -> Action {
        let release = releaseOnLeaving()
        state = .closing
        return .cut(release)
    }

    // MARK: Decision

    /// The decision waits for the issuer's keys: the client's reads are held meanwhile (the
    /// gateway's wait, not the client's: phase `requestBodyHeld`).
    mutating func awaitKeys() -> Action {
        guard case .deciding(let exchange, let gathered, let readPending, _) = state else {
            return fail("key wait outside a decision")
        }
        state = .awaitingKeys(exchange, gathered, readPending: readPending)
        return .holdReads(count: false)
    }

    /// The keys `exchange` waited for arrived (reads resume: phase `requestBodyResumed`); the
    /// decision is then finished with ``allow()`` or ``answer(forceClose:)``.
    mutating func keysArrived(_ exchange: Exchange) -> Action {
        guard case .awaitingKeys(let waiting, let gathered, let readPending) = state, waiting === exchange else {
            return .drop   // answered (413) or gone meanwhile
        }
        state = .deciding(exchange, gathered, readPending: readPending, inRead: false)
        return .releaseReads(Release(phase: true, read: false))
    }

    /// The request is allowed. With a body not read to its end, decided inside a read: the
    /// upstream starts once that read was parsed (``readComplete()``). Otherwise it starts now:
    /// after a key wait no read is under way, and the kept parts were parsed whole.
    mutating func allow() -> Action {
        guard case .deciding(let exchange, let gathered, let readPending, let inRead) = state else {
            return fail("allowed outside a decision")
        }
        let bodyToCome = expectsBody && !gathered.ended
        if bodyToCome && inRead {
            state = .forwarding(exchange, .gathering(gathered), .awaitingHead, reads: .open)
            return .awaitReadComplete(writeContinue: expectsContinue)
        }
        state = .forwarding(exchange, gathered.ended ? .ended : .sending, .awaitingHead, reads: .open)
        return .startUpstream(parts: gathered.parts, finishBody: gathered.ended && expectsBody,
                              writeContinue: bodyToCome && expectsContinue, readPending: readPending)
    }

    /// The channel's read was parsed to its end (`channelReadComplete`; the pipelining handler
    /// fires it after the requests it held back, too): a start waiting for it is due.
    mutating func readComplete() -> Action {
        guard case .forwarding(let exchange, .gathering(let gathered), let response, let reads) = state else {
            return .none
        }
        state = .forwarding(exchange, gathered.ended ? .ended : .sending, response, reads: reads)
        return .startUpstream(parts: gathered.parts, finishBody: gathered.ended, writeContinue: false, readPending: false)
    }

    /// The upstream started and took the kept parts; `queueFull` if it
    /// refused more. `readPending` is the one ``Action/startUpstream(parts:finishBody:writeContinue:readPending:)`` carried.
    mutating func upstreamStarted(queueFull: Bool, readPending: Bool) -> Action {
        guard case .forwarding(let exchange, let request, let response, let reads) = state else {
            return fail("upstream started outside forwarding")
        }
        if queueFull {
            guard case .open = reads else { return .none }
            state = .forwarding(exchange, request, response, reads: .held(readPending: readPending))
            return .holdReads(count: false)
        }
        return readPending ? .read : .none
    }

    /// The gateway answers the request itself: a denial, the health answer, a preflight, a
    /// 413, a 502/504. It closes if `forceClose`, if the request's body is not read to its end
    /// (the rest would be read for nothing), or if the exchange or the connection must close.
    mutating func answer(forceClose: Bool) -> Action {
        let ended = requestEnded
        let release = releaseOnLeaving()
        switch state {
        case .idle, .deciding, .awaitingKeys, .forwarding:
            break
        case .answering, .closing, .modifying:
            return fail("answer with no request to answer")
        }
        let close = forceClose || (expectsBody && !ended) || exchangeCloses || fate.inputClosed || fate.draining
        if !ended {
            state = .answering(close: close)
            return .answer(close ? .lingeringClose : .keepAlive, release)
        }
        state = close ? .closing : .idle
        return .answer(close ? .close : .keepAlive, release)
    }

    // MARK: Upstream events (on the event loop, for the forwarding exchange)

    /// The upstream queue refused a part: hold the client's reads until it drains.
    mutating func upstreamQueueFull() -> Action {
        guard case .forwarding(let exchange, let request, let response, let reads) = state else {
            return fail("upstream queue full outside forwarding")
        }
        guard case .open = reads else { return .none }
        state = .forwarding(exchange, request, response, reads: .held(readPending: false))
        return .holdReads(count: true)
    }

    /// The upstream queue of `exchange` drained: read the client again.
    mutating func upstreamWantsMoreBody(_ exchange: Exchange) -> Action {
        guard case .forwarding(let current, let request, let response, .held(let readPending)) = state, current === exchange else {
            return .none   // not held, or late
        }
        state = .forwarding(exchange, request, response, reads: .open)
        return .releaseReads(Release(phase: true, read: readPending))
    }

    /// The response head of `exchange` was built (the handler checked status and framing);
    /// held until the first body part, the end, or the end of the engine's batch. `closes`:
    /// the head says `Connection: close` (an HTTP/1.0 response without a length ends with the
    /// connection).
    mutating func upstreamHead(_ exchange: Exchange, _ head: HTTPResponseHead, bytesLeft: Int?, closes: Bool) -> Action {
        guard case .forwarding(let current, let request, let response, let reads) = state, current === exchange else {
            return .drop
        }
        guard case .awaitingHead = response else { return fail("second upstream response head") }
        if closes { exchangeCloses = true }
        state = .forwarding(exchange, request, .headHeld(head, bytesLeft: bytesLeft), reads: reads)
        return .none
    }

    /// A response body part of `exchange` arrived.
    mutating func upstreamBodyPart(_ exchange: Exchange, _ part: ByteBuffer) -> Action {
        guard case .forwarding(let current, let request, let response, let reads) = state, current === exchange else {
            return .drop
        }
        let heldHead: HTTPResponseHead?
        let bytesLeft: Int?
        switch response {
        case .awaitingHead: return fail("upstream body part before its head")
        case .headHeld(let head, let left): heldHead = head; bytesLeft = left
        case .streaming(let left): heldHead = nil; bytesLeft = left
        }
        var left = bytesLeft
        if let bytesLeft {
            // More than the Content-Length the client was given: the rest would read as
            // another response on the client's connection.
            guard part.readableBytes <= bytesLeft else { return .failUpstream("backend sent more body than its Content-Length") }
            left = bytesLeft - part.readableBytes
        }
        state = .forwarding(exchange, request, .streaming(bytesLeft: left), reads: reads)
        return .writeBody(part, heldHead: heldHead)
    }

    /// The engine's batch for `exchange` ended: a head still held goes out now (a slow first
    /// byte, an event stream, a long poll).
    mutating func upstreamBatchEnd(_ exchange: Exchange) -> Action {
        guard case .forwarding(let current, let request, .headHeld(let head, let left), let reads) = state, current === exchange else {
            return .none
        }
        state = .forwarding(exchange, request, .streaming(bytesLeft: left), reads: reads)
        return .writeHead(head)
    }

    /// The response of `exchange` is complete. The connection closes if the request body is
    /// still arriving (an early answer: lingering), or if the exchange or the connection must.
    mutating func upstreamEnd(_ exchange: Exchange) -> Action {
        guard case .forwarding(let current, let request, let response, let reads) = state, current === exchange else {
            return .drop
        }
        let heldHead: HTTPResponseHead?
        switch response {
        case .awaitingHead: return fail("upstream end before its head")
        case .headHeld(let head, _): heldHead = head
        case .streaming: heldHead = nil
        }
        let ended = request == .ended
        let close = exchangeCloses || fate.inputClosed || !ended || fate.draining
        var release: Release?
        if case .held(let readPending) = reads { release = Release(phase: true, read: readPending) }
        // Closing: whatever the client pipelined after this request is neither answered nor
        // logged (RFC 9112 §9.6).
        state = close ? .closing : .idle
        return .endResponse(heldHead: heldHead, close ? (ended ? .close : .lingeringClose) : .keepAlive, release)
    }

    /// The upstream of `exchange` failed for good (a failed attempt the upstream pool repeats on
    /// another instance is no event here): a cut once the client has the head, else an answer (502/504).
    mutating func upstreamFailed(_ exchange: Exchange) -> Action {
        guard case .forwarding(let current, _, let response, _) = state, current === exchange else {
            return .drop
        }
        if case .streaming = response { return cut() }
        return answer(forceClose: false)
    }

    // MARK: Helpers

    /// Held reads to release when the exchange stops taking its body.
    private func releaseOnLeaving() -> Release? {
        switch state {
        case .deciding(_, _, let readPending, _): return readPending ? Release(phase: false, read: true) : nil
        case .awaitingKeys(_, _, let readPending): return Release(phase: true, read: readPending)
        case .forwarding(_, _, _, .held(let readPending)): return Release(phase: true, read: readPending)
        case .idle, .forwarding, .answering, .closing, .modifying: return nil
        }
    }

    private mutating func fail(_ message: String) -> Action {
        state = .closing
        return .failConnection(message)
    }
}

extension ExchangeStateMachine {
    /// The state's name and payload flags, for tests and the failure log.
    var description: String {
        switch state {
        case .idle: return "idle"
        case .deciding(_, let gathered, let readPending, _):
            return "deciding(parts: \(gathered.parts.count), ended: \(gathered.ended), readPending: \(readPending))"
        case .awaitingKeys(_, let gathered, let readPending):
            return "awaitingKeys(parts: \(gathered.parts.count), ended: \(gathered.ended), readPending: \(readPending))"
        case .forwarding(_, let request, let response, let reads):
            let requestName: String
            switch request {
            case .gathering(let gathered): requestName = "gathering(parts: \(gathered.parts.count), ended: \(gathered.ended))"
            case .sending: requestName = "sending"
            case .ended: requestName = "ended"
            }
            let responseName: String
            switch response {
            case .awaitingHead: responseName = "awaitingHead"
            case .headHeld(_, let left): responseName = "headHeld(bytesLeft: \(left.map(String.init) ?? "nil"))"
            case .streaming(let left): responseName = "streaming(bytesLeft: \(left.map(String.init) ?? "nil"))"
            }
            let readsName: String
            switch reads {
            case .open: readsName = "open"
            case .held(let readPending): readsName = "held(readPending: \(readPending))"
            }
            return "forwarding(\(requestName), \(responseName), reads: \(readsName))"
        case .answering(let close): return "answering(close: \(close))"
        case .closing: return "closing"
        case .modifying: return "modifying"
        }
    }
}
