import CCurl

/// The loop itself, confined to its thread: owns the multi handle's use, the easy-handle pool
/// and the transfers in flight.
final class CurlMultiDriver {
    private let loop: CurlMultiLoop
    private var multi: UnsafeMutableRawPointer { loop.multi.raw }
    private var idle: [CurlEasyHandle] = []
    private var active: [ObjectIdentifier: CurlEasyHandle] = [:]
    private var dirty: [CurlEasyHandle] = []
    /// When the gateway's own deadlines (response head, idle) are next checked (monotonic ns).
    private var nextDeadlineCheck: UInt64 = 0
    /// How often those deadlines are checked: their resolution.
    private static let deadlineCheckInterval: UInt64 = 100_000_000

    init(loop: CurlMultiLoop) {
        self.loop = loop
    }

    /// One iteration: take the mailbox (cancellations first, so a transfer cancelled before it
    /// started is never added), add new transfers, apply pause changes, `curl_multi_perform`,
    /// remove finished handles (delivering their last events), fail transfers past the
    /// gateway's own deadlines (every 100 ms), hand every other handle's new events to its
    /// event loop in one `execute` per handle, then block in `curl_multi_poll` until socket
    /// activity, a curl timer, the next deadline check (at most 1 s) or `curl_multi_wakeup`.
    /// On shutdown, everything in flight fails.
    func run() {
        var running: Int32 = 0
        while true {
            let (started, cancelled, kicked, stopping) = loop.mailbox.withLockedValue { mailbox in
                defer { mailbox.started.removeAll(); mailbox.cancelled.removeAll(); mailbox.kicked.removeAll() }
                return (mailbox.started, mailbox.cancelled, mailbox.kicked, mailbox.isShuttingDown)
            }
            for transfer in cancelled { remove(transfer) }
            if stopping {
                for transfer in started where transfer.isLive {
                    transfer.deliver([.failed(.failed("the upstream engine is shutting down"), afterHead: false)])
                }
                break
            }
            for transfer in started where transfer.isLive { start(transfer) }
            for transfer in kicked { active[ObjectIdentifier(transfer)]?.synchronizePause() }

            _ = curl_multi_perform(multi, &running)
            collectCompletions()
            expireDeadlines()
            flushDirty()
            _ = curl_multi_poll(multi, nil, 0, active.isEmpty ? 1000 : 100, nil)
        }
        for handle in Array(active.values) {
            handle.fail(.failed("the upstream engine is shutting down"))
            finish(handle)
        }
        curl_multi_cleanup(multi)
        idle.removeAll()  // curl_easy_cleanup in deinit, after the multi handle is gone
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
            handle.statistics = loop.statistics
        }
        do {
            try handle.prepare(for: transfer)
        } catch {
            handle.fail(error as? UpstreamError ?? .failed("\(error)"))
            handle.flush()
            handle.recycle()
            idle.append(handle)
            return
        }
        let code = curl_multi_add_handle(multi, handle.raw)
        guard code == CURLM_OK else {
            handle.fail(.failed("curl_multi_add_handle failed: \(String(cString: curl_multi_strerror(code)))"))
            handle.flush()
            handle.recycle()
            idle.append(handle)
            return
        }
        active[ObjectIdentifier(transfer)] = handle
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
            handle.complete(with: result)
            finish(handle)
        }
    }

    /// Removes a completed handle, delivers its last events and returns it to the pool.
    private func finish(_ handle: CurlEasyHandle) {
        if let transfer = handle.transfer { active.removeValue(forKey: ObjectIdentifier(transfer)) }
        _ = curl_multi_remove_handle(multi, handle.raw)
        handle.flush()
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

    private func flushDirty() {
        for handle in dirty { handle.flush() }
        dirty.removeAll(keepingCapacity: true)
    }
}
