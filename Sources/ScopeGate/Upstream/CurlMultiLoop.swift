import CCurl

/// The thread-safe face of one curl multi loop: a mailbox other threads drop work into.
///
/// `execute` and `cancel` take the mailbox lock only to append, then call `curl_multi_wakeup`
/// (thread-safe, curl_multi_wakeup(3)) so the loop's `curl_multi_poll` returns. Wake-ups happen
/// under the lock and only before shutdown is flagged, so none can reach a multi handle the
/// loop thread has already cleaned up.
final class CurlMultiLoop: Sendable {
    /// A `CURLM *`. Only `curl_multi_wakeup` touches it off the loop thread.
    struct MultiPointer: @unchecked Sendable { let raw: UnsafeMutableRawPointer }

    struct Mailbox {
        var started: [UpstreamTransfer] = []
        var cancelled: [UpstreamTransfer] = []
        var isShuttingDown = false
    }

    let multi: MultiPointer
    let configuration: UpstreamEngineConfig
    let mailbox = LockedBox(Mailbox())

    init(configuration: UpstreamEngineConfig) throws {
        guard let raw = curl_multi_init() else { throw UpstreamError.failed("curl_multi_init failed") }
        self.multi = MultiPointer(raw: raw)
        self.configuration = configuration
        let perHost = max(1, configuration.maxConnectionsPerBackend)
        // Queue transfers beyond the per-backend cap instead of opening more connections.
        _ = scopegate_multi_setopt_long(raw, CURLMOPT_MAX_HOST_CONNECTIONS, perHost)
        // Keep idle connections for several busy backends; curl's default (4 x handles) shrinks when idle.
        _ = scopegate_multi_setopt_long(raw, CURLMOPT_MAXCONNECTS, max(64, perHost * 8))
    }

    /// Queues `transfer` for the loop. Returns false when the loop is shutting down.
    func submit(_ transfer: UpstreamTransfer) -> Bool {
        mailbox.withLock { mailbox in
            if mailbox.isShuttingDown { return false }
            mailbox.started.append(transfer)
            curl_multi_wakeup(multi.raw)
            return true
        }
    }

    /// Asks the loop to remove `transfer`'s easy handle.
    func cancel(_ transfer: UpstreamTransfer) {
        mailbox.withLock { mailbox in
            if mailbox.isShuttingDown { return }  // shutdown removes every handle anyway
            mailbox.cancelled.append(transfer)
            curl_multi_wakeup(multi.raw)
        }
    }

    /// Flags shutdown and wakes the loop; the thread then fails what is in flight and exits.
    func requestShutdown() {
        mailbox.withLock { mailbox in
            if mailbox.isShuttingDown { return }
            mailbox.isShuttingDown = true
            curl_multi_wakeup(multi.raw)
        }
    }

    /// The thread body: runs until shutdown, then cleans the multi handle up.
    func run() {
        let driver = CurlMultiDriver(loop: self)
        driver.run()
    }
}

/// The loop itself, confined to its thread: owns the multi handle's use, the easy-handle pool
/// and the transfers in flight.
final class CurlMultiDriver {
    private let loop: CurlMultiLoop
    private var multi: UnsafeMutableRawPointer { loop.multi.raw }
    private var idle: [CurlEasyHandle] = []
    private var active: [ObjectIdentifier: CurlEasyHandle] = [:]
    private var dirty: [CurlEasyHandle] = []

    init(loop: CurlMultiLoop) {
        self.loop = loop
    }

    func run() {
        var running: Int32 = 0
        while true {
            let (started, cancelled, stopping) = loop.mailbox.withLock { mailbox in
                defer { mailbox.started.removeAll(); mailbox.cancelled.removeAll() }
                return (mailbox.started, mailbox.cancelled, mailbox.isShuttingDown)
            }
            for transfer in cancelled { remove(transfer) }
            if stopping {
                for transfer in started where transfer.isLive {
                    transfer.deliver([.failed(.failed("the upstream engine is shutting down"), afterHead: false)])
                }
                break
            }
            for transfer in started where transfer.isLive { start(transfer) }

            _ = curl_multi_perform(multi, &running)
            collectCompletions()
            flushDirty()
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
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

    private func flushDirty() {
        for handle in dirty { handle.flush() }
        dirty.removeAll(keepingCapacity: true)
    }
}
