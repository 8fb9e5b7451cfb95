import CCurl
import NIOCore

/// The loop itself, confined to its thread: owns the multi handle's use, the easy-handle pool
/// and the transfers in flight.
final class CurlMultiDriver {
    private let loop: CurlMultiLoop
    private var multi: UnsafeMutableRawPointer { loop.multi.raw }
    private var idle: [CurlEasyHandle] = []
    private var active: [ObjectIdentifier: CurlEasyHandle] = [:]
    private var dirty: [CurlEasyHandle] = []
    /// Handles whose response was whole before their request body was sent, this iteration.
    private var answeredEarly: [CurlEasyHandle] = []
    /// The sockets of this thread's kept-alive connections.
    private let reuseGuard = ConnectionReuseGuard()
    /// When the gateway's own deadlines (response head, idle) are next checked (monotonic ns).
    private var nextDeadlineCheck: UInt64 = 0
    /// How often those deadlines are checked: their resolution.
    private static let deadlineCheckInterval: UInt64 = 100_000_000

    init(loop: CurlMultiLoop) {
        self.loop = loop
    }

    /// When libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)` (monotonic ns), if at all.
    private var curlTimerDue: UInt64?
    private var ready: [ReadinessPoller.Ready] = []
    /// Events gathered in one iteration, per event loop: sent as one task per loop. An array
    /// searched by identity: it holds one entry per event loop with events (usually one), and
    /// emptying it keeps its storage, where a dictionary's `removeAll` cost 1 % of a request.
    private var outbox: [(loop: any EventLoop, batch: [(UpstreamTransfer, [UpstreamEvent])])] = []

    /// The loop, event-driven (curl_multi_socket_action(3)): wait in epoll for the sockets
    /// libcurl watches, the doorbell, libcurl's timer or the next deadline check; act on the
    /// ready sockets; take the mailbox (cancellations first, so a transfer cancelled before
    /// it started is never added; then new transfers, then pause changes); run libcurl's
    /// timer when due; remove finished handles (delivering their last events), restart
    /// those that refused a kept-alive connection, and end those answered before their
    /// request body was sent; fail transfers past the gateway's own deadlines (every
    /// 100 ms); and hand every other handle's new events to the event loops, one `execute`
    /// per loop. On shutdown, everything in flight fails.
    func run() {
        setUp()
        while iterate(.waiting(milliseconds: waitMilliseconds())) != nil {}
        tearDown()
    }

    /// Points libcurl's socket and timer callbacks at this driver. Once, before the first iteration.
    func setUp() {
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = scopegate_multi_setopt_socket_callback(multi, curlSocketCallback)
        _ = scopegate_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me)
        _ = scopegate_multi_setopt_timer_callback(multi, curlTimerCallback)
        _ = scopegate_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me)
    }

    /// How an iteration looks at its sockets.
    enum SocketPoll {
        /// Thread mode: wait in `epoll_wait` up to `milliseconds` (0: only what is ready now)
        /// for a socket or the doorbell, then take the mailbox.
        case waiting(milliseconds: Int32)
        /// Event-loop mode: take the mailbox, and poll the sockets (without blocking) only
        /// when the socket waker saw them ready (``CurlMultiLoop/Mailbox/socketsReady``).
        case whenSignalled
    }

    /// One pass of the loop (see ``run()``). Returns nil when the loop was asked to stop
    /// (``tearDown()`` comes next), else whether the sockets were polled.
    func iterate(_ poll: SocketPoll) -> Bool? {
        var running: Int32 = 0
        let work: CurlMultiLoop.Mailbox.Work
        let polled: Bool
        switch poll {
        case .waiting(let milliseconds):
            loop.poller.wait(milliseconds: milliseconds, into: &ready)
            work = loop.mailbox.withLockedValue { $0.take() }
            polled = true
        case .whenSignalled:
            work = loop.mailbox.withLockedValue { $0.take() }
            polled = work.socketsReady
            if polled {
                loop.poller.wait(milliseconds: 0, into: &ready)
            } else {
                ready.removeAll(keepingCapacity: true)
            }
        }
        for socket in ready {
            _ = curl_multi_socket_action(multi, curl_socket_t(socket.socket), socket.mask, &running)
        }
        for transfer in work.cancelled { remove(transfer) }
        if work.isShuttingDown {
            for transfer in work.started where transfer.isLive {
                transfer.deliver([.failed(.failed("the upstream engine is shutting down"), afterHead: false)])
            }
            return nil
        }
        for transfer in work.started where transfer.isLive { start(transfer) }
        for transfer in work.kicked {
            // A transfer whose state machine failed on an impossible event ends here (fail closed).
            guard let handle = active[ObjectIdentifier(transfer)], let error = handle.synchronizePause() else { continue }
            handle.fail(error)
            finish(handle)
        }
        if let due = curlTimerDue, due <= CurlEasyHandle.now() {
            curlTimerDue = nil
            _ = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
        }
        collectCompletions()
        endAnsweredEarly()
        expireDeadlines()
        flushDirty()
        return polled
    }

    /// Fails what is in flight and cleans the multi handle up. Once, after the last iteration.
    func tearDown() {
        for handle in Array(active.values) {
            handle.fail(.failed("the upstream engine is shutting down"))
            finish(handle)
        }
        flushDirty()
        curl_multi_cleanup(multi)
        idle.removeAll()  // curl_easy_cleanup in deinit, after the multi handle is gone
    }

    /// When the loop must next run even if no socket turns ready (monotonic ns): libcurl's
    /// timer, and the next deadline check while transfers are active; nil when neither.
    var nextTimedWork: UInt64? {
        var until: UInt64? = curlTimerDue
        if !active.isEmpty { until = min(until ?? .max, nextDeadlineCheck) }
        return until
    }

    /// How long the next wait may block: until libcurl's timer, the next deadline check
    /// while transfers are active, and at most 1 s.
    private func waitMilliseconds() -> Int32 {
        let now = CurlEasyHandle.now()
        var until = now + 1_000_000_000
        if let due = nextTimedWork { until = min(until, max(now, due)) }
        if until <= now { return 0 }
        return Int32((until - now + 999_999) / 1_000_000)
    }

    /// `CURLMOPT_SOCKETFUNCTION`: watch, re-aim or forget `socket`.
    fileprivate func socketChanged(_ socket: Int32, what: Int32) {
        if what == CURL_POLL_REMOVE {
            loop.poller.forget(socket)
            return
        }
        var interest: ReadinessPoller.Interest = []
        if what & CURL_POLL_IN != 0 { interest.insert(.readable) }
        if what & CURL_POLL_OUT != 0 { interest.insert(.writable) }
        loop.poller.watch(socket, for: interest)
    }

    /// `CURLMOPT_TIMERFUNCTION`: libcurl's single timer, `-1` to delete it.
    fileprivate func timerChanged(milliseconds: Int) {
        curlTimerDue = milliseconds < 0 ? nil : CurlEasyHandle.now() + UInt64(milliseconds) * 1_000_000
    }

    private func start(_ transfer: UpstreamTransfer) {
        let handle: CurlEasyHandle
        if let pooled = idle.popLast() {
            handle = pooled
        } else {
            do {
                handle = try CurlEasyHandle()
            } catch {
                transfer.deliver([.failed(error as? UpstreamError ?? .failed("\(error)"), afterHead: false)])
                return
            }
            handle.onFirstPendingEvent = { [unowned self] in self.dirty.append($0) }
            handle.onAnsweredEarly = { [unowned self] in self.answeredEarly.append($0) }
            handle.statistics = loop.statistics
            handle.reuseGuard = reuseGuard
        }
        do {
            try handle.prepare(for: transfer)
        } catch {
            abandon(handle, error as? UpstreamError ?? .failed("\(error)"))
            return
        }
        let code = curl_multi_add_handle(multi, handle.raw)
        guard code == CURLM_OK else {
            abandon(handle, .failed("curl_multi_add_handle failed: \(String(cString: curl_multi_strerror(code)))"))
            return
        }
        active[ObjectIdentifier(transfer)] = handle
    }

    /// A handle that never reached the multi handle: its transfer fails (delivered with this
    /// iteration's events) and the handle goes back to the pool.
    private func abandon(_ handle: CurlEasyHandle, _ error: UpstreamError) {
        handle.fail(error)
        post(handle)
        handle.recycle()
        idle.append(handle)
    }

    /// Cancellation: drop the handle without telling the delegate (cancel() already detached it).
    private func remove(_ transfer: UpstreamTransfer) {
        guard let handle = active.removeValue(forKey: ObjectIdentifier(transfer)) else { return }
        _ = curl_multi_remove_handle(multi, handle.raw)
        handle.recycle()
        idle.append(handle)
    }

    private func collectCompletions() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let result = scopegate_multi_message_result(message)  // read before remove_handle
            var privateData: UnsafeMutableRawPointer? = nil
            _ = scopegate_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &privateData)
            guard let privateData else { continue }
            let handle = Unmanaged<CurlEasyHandle>.fromOpaque(privateData).takeUnretainedValue()
            if handle.complete(with: result) == .restart {
                _ = curl_multi_remove_handle(multi, handle.raw)
                handle.prepareRestart()
                let code = curl_multi_add_handle(multi, handle.raw)
                if code == CURLM_OK { continue }
                handle.fail(.failed("curl_multi_add_handle failed: \(String(cString: curl_multi_strerror(code)))"))
            }
            finish(handle)
        }
    }

    /// Ends, as finished, every transfer whose response was whole before its request body
    /// was all sent (``CurlEasyHandle/answeredEarly``): the backend answered early, and the
    /// rest of the body has no one to read it. Removing the handle before libcurl is done
    /// closes the connection, which is left in the middle of a request body.
    private func endAnsweredEarly() {
        guard !answeredEarly.isEmpty else { return }
        for handle in answeredEarly where handle.answeredEarly {
            guard let transfer = handle.transfer, active[ObjectIdentifier(transfer)] === handle else { continue }
            handle.endAnsweredEarly()
            finish(handle)
        }
        answeredEarly.removeAll(keepingCapacity: true)
    }

    /// Removes a completed handle, queues its last events and returns it to the pool.
    private func finish(_ handle: CurlEasyHandle) {
        if let transfer = handle.transfer { active.removeValue(forKey: ObjectIdentifier(transfer)) }
        _ = curl_multi_remove_handle(multi, handle.raw)
        post(handle)
        handle.recycle()
        idle.append(handle)
    }

    /// Fails, with ``UpstreamError/timeout(_:)``, every transfer past its response-head or
    /// idle deadline (see ``CurlEasyHandle/expiredDeadline(now:)``).
    private func expireDeadlines() {
        let now = CurlEasyHandle.now()
        guard now >= nextDeadlineCheck else { return }
        nextDeadlineCheck = now + Self.deadlineCheckInterval
        for handle in Array(active.values) {
            guard let error = handle.expiredDeadline(now: now) else { continue }
            handle.fail(error)
            loop.statistics.update { $0.deadlineExpiries += 1 }
            finish(handle)
        }
    }

    /// Sends what every handle queued this iteration: one `execute` per event loop, however
    /// many transfers it serves (fewer tasks, locks and wake-ups than one per transfer).
    private func flushDirty() {
        for handle in dirty { post(handle) }
        dirty.removeAll(keepingCapacity: true)
        for entry in outbox { UpstreamTransfer.deliver(entry.batch, on: entry.loop) }
        outbox.removeAll(keepingCapacity: true)
    }

    private func post(_ handle: CurlEasyHandle) {
        guard let (transfer, events) = handle.takePending() else { return }
        if let index = outbox.firstIndex(where: { $0.loop === transfer.eventLoop }) {
            outbox[index].batch.append((transfer, events))
        } else {
            outbox.append((transfer.eventLoop, [(transfer, events)]))
        }
    }
}

private func curlSocketCallback(_ easy: UnsafeMutableRawPointer?, _ socket: curl_socket_t, _ what: Int32, _ userp: UnsafeMutableRawPointer?, _ socketp: UnsafeMutableRawPointer?) -> Int32 {
    Unmanaged<CurlMultiDriver>.fromOpaque(userp!).takeUnretainedValue().socketChanged(Int32(socket), what: what)
    return 0
}

private func curlTimerCallback(_ multi: UnsafeMutableRawPointer?, _ milliseconds: Int, _ userp: UnsafeMutableRawPointer?) -> Int32 {
    Unmanaged<CurlMultiDriver>.fromOpaque(userp!).takeUnretainedValue().timerChanged(milliseconds: milliseconds)
    return 0
}
