import NIOConcurrencyHelpers
import CCurl

/// The thread-safe face of one curl multi loop: a mailbox other threads drop work into.
///
/// `execute`, `cancel` and `kick` take the mailbox lock only to append, then call `curl_multi_wakeup`
/// (thread-safe, curl_multi_wakeup(3)) so the loop's `curl_multi_poll` returns. Wake-ups happen
/// under the lock and only before shutdown is flagged, so none can reach a multi handle the
/// loop thread has already cleaned up.
final class CurlMultiLoop: Sendable {
    /// A `CURLM *`. Only `curl_multi_wakeup` touches it off the loop thread.
    struct MultiPointer: @unchecked Sendable { let raw: UnsafeMutableRawPointer }

    struct Mailbox {
        var started: [UpstreamTransfer] = []
        var cancelled: [UpstreamTransfer] = []
        /// Transfers whose pause state may need to change (see ``CurlEasyHandle/synchronizePause()``).
        var kicked: [UpstreamTransfer] = []
        var isShuttingDown = false
    }

    let multi: MultiPointer
    let configuration: UpstreamEngineConfig
    let mailbox = NIOLockedValueBox(Mailbox())
    let statistics: UpstreamStatisticsBox

    init(configuration: UpstreamEngineConfig, statistics: UpstreamStatisticsBox) throws {
        guard let raw = curl_multi_init() else { throw UpstreamError.failed("curl_multi_init failed") }
        self.multi = MultiPointer(raw: raw)
        self.configuration = configuration
        self.statistics = statistics
        let perHost = max(1, configuration.maxConnectionsPerBackend)
        // Queue transfers beyond the per-backend cap instead of opening more connections.
        _ = scopegate_multi_setopt_long(raw, CURLMOPT_MAX_HOST_CONNECTIONS, perHost)
        // Keep idle connections for several busy backends; curl's default (4 x handles) shrinks when idle.
        _ = scopegate_multi_setopt_long(raw, CURLMOPT_MAXCONNECTS, max(64, perHost * 8))
    }

    /// Queues `transfer` for the loop. Returns false when the loop is shutting down.
    func submit(_ transfer: UpstreamTransfer) -> Bool {
        mailbox.withLockedValue { mailbox in
            if mailbox.isShuttingDown { return false }
            mailbox.started.append(transfer)
            curl_multi_wakeup(multi.raw)
            return true
        }
    }

    /// Asks the loop to remove `transfer`'s easy handle.
    func cancel(_ transfer: UpstreamTransfer) {
        mailbox.withLockedValue { mailbox in
            if mailbox.isShuttingDown { return }  // shutdown removes every handle anyway
            mailbox.cancelled.append(transfer)
            curl_multi_wakeup(multi.raw)
        }
    }

    /// Asks the loop to re-evaluate `transfer`'s pause state (more request body, end of body,
    /// a client that became writable or not, response bytes drained).
    func kick(_ transfer: UpstreamTransfer) {
        mailbox.withLockedValue { mailbox in
            if mailbox.isShuttingDown { return }
            mailbox.kicked.append(transfer)
            curl_multi_wakeup(multi.raw)
        }
    }

    /// Flags shutdown and wakes the loop; the thread then fails what is in flight and exits.
    func requestShutdown() {
        mailbox.withLockedValue { mailbox in
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
