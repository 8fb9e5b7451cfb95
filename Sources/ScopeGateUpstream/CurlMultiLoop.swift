import NIOConcurrencyHelpers
import CCurl
import ScopeGateCore

/// The thread-safe face of one curl multi loop: a mailbox other threads drop work into.
///
/// `submit`, `cancel` and `kick` take the mailbox lock only to append, and ring the loop's
/// doorbell (``ReadinessPoller/wake()``) only when the mailbox was empty since the loop last
/// took it: a busy loop is not woken once per request.
final class CurlMultiLoop: Sendable {
    /// A `CURLM *`, used by the loop thread only.
    struct MultiPointer: @unchecked Sendable { let raw: UnsafeMutableRawPointer }

    struct Mailbox {
        var started: [UpstreamTransfer] = []
        var cancelled: [UpstreamTransfer] = []
        /// Transfers whose pause state may need to change (see ``CurlEasyHandle/synchronizePause()``).
        var kicked: [UpstreamTransfer] = []
        var isShuttingDown = false
        /// The doorbell rang and the loop has not taken the mailbox since.
        var wakePending = false

        /// Rings `poller`'s doorbell unless it already rang for work not yet taken.
        mutating func wake(_ poller: ReadinessPoller) {
            if wakePending { return }
            wakePending = true
            poller.wake()
        }
    }

    let multi: MultiPointer
    let configuration: UpstreamEngineConfig
    let mailbox = NIOLockedValueBox(Mailbox())
    let poller: ReadinessPoller
    let statistics: UpstreamStatisticsBox

    init(configuration: UpstreamEngineConfig, statistics: UpstreamStatisticsBox) throws {
        self.poller = try ReadinessPoller()
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
            mailbox.wake(poller)
            return true
        }
    }

    /// Asks the loop to remove `transfer`'s easy handle.
    func cancel(_ transfer: UpstreamTransfer) {
        mailbox.withLockedValue { mailbox in
            if mailbox.isShuttingDown { return }  // shutdown removes every handle anyway
            mailbox.cancelled.append(transfer)
            mailbox.wake(poller)
        }
    }

    /// Asks the loop to re-evaluate `transfer`'s pause state (more request body, end of body,
    /// a client that became writable or not, response bytes drained).
    func kick(_ transfer: UpstreamTransfer) {
        mailbox.withLockedValue { mailbox in
            if mailbox.isShuttingDown { return }
            mailbox.kicked.append(transfer)
            mailbox.wake(poller)
        }
    }

    /// Flags shutdown and wakes the loop; the thread then fails what is in flight and exits.
    func requestShutdown() {
        mailbox.withLockedValue { mailbox in
            if mailbox.isShuttingDown { return }
            mailbox.isShuttingDown = true
            mailbox.wake(poller)
        }
    }

    /// The thread body: runs until shutdown, then cleans the multi handle up.
    func run() {
        let driver = CurlMultiDriver(loop: self)
        driver.run()
    }
}
