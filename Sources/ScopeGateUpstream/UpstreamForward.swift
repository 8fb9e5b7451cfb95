import NIOCore
import ScopeGateCore

/// Receives what one ``UpstreamForward`` reports: its response as the ``UpstreamResponseDelegate``
/// calls of a single transfer, and, before those, each failed attempt it repeats on another instance.
///
/// Threading and order as for ``UpstreamResponseDelegate``: every call happens on the forward's
/// event loop; ``upstreamDidFail(_:afterHead:)`` is the final failure, once every retry the
/// rule allowed was spent; after ``UpstreamForward/cancel()`` returns there is no call at all.
public protocol UpstreamForwardDelegate: UpstreamResponseDelegate {
    /// The attempt on `instance` failed with `error`, before any response, and the forward
    /// repeats the request on another instance (``UpstreamRetryRule``): the next attempt starts
    /// when this returns (unless the forward was cancelled meanwhile). Nothing of the failed
    /// attempt reached the delegate.
    func upstreamWillRetry(after error: UpstreamError, on instance: BackendPool.Instance)
}

/// One request forwarded to one backend: it takes an instance from the backend's
/// ``BackendPool``, hands the request to the ``CurlEngine``, and repeats a failed attempt on
/// another instance when ``UpstreamRetryRule`` allows it and an untried instance is left. The
/// caller sees one forward: the delegate calls of the attempt that answered (or the final
/// failure), plus ``UpstreamForwardDelegate/upstreamWillRetry(after:on:)`` for each attempt repeated.
///
/// Passive health is reported here, exactly once per attempt (``BackendPool/finish(_:outcome:)``):
/// `.responded` when the attempt finished or failed after its response head, `.connectFailed`
/// for a connect failure, `.other` for any other failure, a cancellation, or an instance
/// acquired and never used (the forward dropped before ``start(on:delegate:)``). So the pool's
/// in-flight counts are exact whatever ends the forward.
///
/// Threading: not thread-safe; every call on the event loop given to ``start(on:delegate:)``
/// (the transfer's delegate calls come there too). It may be dropped on any thread.
public final class UpstreamForward {
    /// What is forwarded, whichever instance takes it.
    public struct Request: Sendable {
        /// The method token, sent as-is.
        public var method: String
        /// The path and query to send, appended to the instance's `scheme://host[:port]`.
        public var pathAndQuery: String
        /// End-to-end headers to send, in order (see ``UpstreamRequest/headers``).
        public var headers: [(name: String, value: String)]
        /// `nil`: no body (see ``UpstreamRequest/body``).
        public var body: UpstreamRequestBody?
        /// A `Host` to send instead of the URL's authority (see ``UpstreamRequest/hostHeader``).
        public var hostHeader: String?

        public init(method: String, pathAndQuery: String, headers: [(name: String, value: String)] = [],
                    body: UpstreamRequestBody? = nil, hostHeader: String? = nil) {
            self.method = method
            self.pathAndQuery = pathAndQuery
            self.headers = headers
            self.body = body
            self.hostHeader = hostHeader
        }
    }

    private enum Phase {
        case notStarted
        case running(any EventLoop, any UpstreamForwardDelegate)
        case ended
    }

    private let request: Request
    private let backend: BackendConfig
    private let pool: BackendPool
    private let engine: CurlEngine
    private var phase = Phase.notStarted
    /// Retries still allowed (`backends.<name>.retries`).
    private var retriesLeft: Int
    /// Instances already tried (a retry goes to another one).
    private var tried: Set<Int> = []
    /// The attempt counted in flight in the pool and not yet finished.
    private var attempt: BackendPool.Instance?
    /// The transfer of the attempt under way.
    private(set) var transfer: UpstreamTransfer?
    /// The attempt under way received its response head.
    private var headReceived = false
    /// The caller asked to stop receiving (its client cannot take more): applies to every attempt.
    private var receivePaused = false

    /// The instance of the latest attempt (kept once it ended, for the failure's log line).
    public private(set) var instance: BackendPool.Instance

    /// Takes the first instance from `pool` (counted in flight from now on); `nil` when the
    /// pool has none to give. `backend` supplies the retries, timeouts, TLS and HTTP/2 settings.
    public init?(_ request: Request, backend: BackendConfig, pool: BackendPool, engine: CurlEngine) {
        guard let first = pool.acquire() else { return nil }
        self.request = request
        self.backend = backend
        self.pool = pool
        self.engine = engine
        self.retriesLeft = backend.retries
        self.attempt = first
        self.instance = first
    }

    deinit {
        // Acquired and never started (the request was answered or abandoned before its start).
        if let attempt { pool.finish(attempt, outcome: .other) }
    }

    /// Starts the first attempt; `delegate` is called on `eventLoop` only and held until the
    /// forward ends or is cancelled. Only the first call after ``init(_:backend:pool:engine:)``
    /// does anything (none after ``cancel()``).
    public func start(on eventLoop: any EventLoop, delegate: any UpstreamForwardDelegate) {
        guard case .notStarted = phase, let attempt else { return }
        phase = .running(eventLoop, delegate)
        startAttempt(on: attempt, eventLoop: eventLoop)
    }

    /// Stops the forward: the transfer under way is cancelled and its attempt reported as
    /// `.other`. Idempotent. Called on the event loop, no delegate call follows once it returns.
    public func cancel() {
        phase = .ended
        let transfer = self.transfer
        self.transfer = nil
        transfer?.cancel()
        endAttempt(.other)
    }

    // MARK: Request body and response pacing (passed to the attempt under way)

    /// Queues a part of a streamed body (see ``UpstreamTransfer/sendBodyPart(_:)``). Returns
    /// false when the queue is full. Dropped (returning true) before the start and after the end.
    @discardableResult
    public func sendBodyPart(_ part: ByteBuffer) -> Bool {
        transfer?.sendBodyPart(part) ?? true
    }

    /// Marks the end of a streamed body (see ``UpstreamTransfer/finishBody()``).
    public func finishBody() {
        transfer?.finishBody()
    }

    /// Asks the transfer to stop receiving; kept for a later attempt too. Idempotent.
    public func pauseReceiving() {
        receivePaused = true
        transfer?.pauseReceiving()
    }

    /// Undoes ``pauseReceiving()``. Idempotent.
    public func resumeReceiving() {
        receivePaused = false
        transfer?.resumeReceiving()
    }

    // MARK: Attempts

    /// Hands one attempt to the engine, on `instance` (already counted in flight).
    private func startAttempt(on instance: BackendPool.Instance, eventLoop: any EventLoop) {
        self.instance = instance
        tried.insert(instance.index)
        headReceived = false
        let target = UpstreamTLS.attempt(instance: instance.url, pathAndQuery: request.pathAndQuery, tls: backend.tls)
        let upstream = UpstreamRequest(
            method: request.method,
            url: target.url,
            headers: request.headers,
            body: request.body,
            connectTimeoutMilliseconds: backend.connectTimeoutMilliseconds,
            timeoutMilliseconds: backend.timeoutMilliseconds,
            responseHeaderTimeoutMilliseconds: backend.responseHeaderTimeoutMilliseconds,
            idleTimeoutMilliseconds: backend.idleTimeoutMilliseconds,
            tls: target.tls,
            http2: backend.http2,
            hostHeader: request.hostHeader
        )
        let transfer = engine.execute(upstream, on: eventLoop, delegate: self)
        self.transfer = transfer
        if receivePaused { transfer.pauseReceiving() }
    }

    /// Reports the attempt under way (if any) to the pool. Idempotent.
    private func endAttempt(_ outcome: BackendPool.Outcome) {
        guard let attempt else { return }
        self.attempt = nil
        pool.finish(attempt, outcome: outcome)
    }

    /// The instance to repeat a failed attempt on, counted in flight: `nil` unless
    /// ``UpstreamRetryRule`` allows a retry and an instance not tried yet is available.
    private func retryInstance(after error: UpstreamError, afterHead: Bool) -> BackendPool.Instance? {
        guard UpstreamRetryRule.permitsRetry(method: request.method, hasBody: request.body != nil, error: error,
                                             afterHead: afterHead, retriesLeft: retriesLeft) else { return nil }
        return pool.acquire(excluding: tried)
    }

    private var delegate: (any UpstreamForwardDelegate)? {
        if case .running(_, let delegate) = phase { return delegate }
        return nil
    }
}

/// The forward is the delegate of each attempt's transfer; one transfer is live at a time (the
/// next starts only after the previous one's failure was delivered).
extension UpstreamForward: UpstreamResponseDelegate {
    public func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {
        headReceived = true
        delegate?.upstreamDidReceiveHead(head)
    }

    public func upstreamDidReceiveBodyPart(_ part: ByteBuffer) {
        delegate?.upstreamDidReceiveBodyPart(part)
    }

    public func upstreamDidFinish() {
        let delegate = self.delegate
        phase = .ended
        transfer = nil
        endAttempt(.responded)
        delegate?.upstreamDidFinish()
    }

    public func upstreamDidFail(_ error: UpstreamError, afterHead: Bool) {
        guard case .running(let eventLoop, let delegate) = phase, let failed = attempt else { return }
        let responded = afterHead || headReceived
        var outcome = BackendPool.Outcome.other
        if responded {
            outcome = .responded
        } else if case .connectFailed = error {
            outcome = .connectFailed
        }
        transfer = nil
        endAttempt(outcome)
        if let next = retryInstance(after: error, afterHead: responded) {
            retriesLeft -= 1
            attempt = next   // counted in flight: a cancel from inside the call below releases it
            delegate.upstreamWillRetry(after: error, on: failed)
            guard case .running = phase else { return }
            startAttempt(on: next, eventLoop: eventLoop)
            return
        }
        phase = .ended
        delegate.upstreamDidFail(error, afterHead: afterHead)
    }

    public func upstreamWantsMoreBody() {
        delegate?.upstreamWantsMoreBody()
    }

    public func upstreamDidDeliverEvents() {
        delegate?.upstreamDidDeliverEvents()
    }
}
