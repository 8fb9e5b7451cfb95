import NIOConcurrencyHelpers
import NIOCore
import CCurl
import ScopeGateCore

/// The thread-safe face of one curl multi loop: a mailbox other threads drop work into.
///
/// `submit`, `cancel` and `kick` take the mailbox lock only to append, and ring the loop's
/// doorbell only when the mailbox was empty since the loop last took it: a busy loop is not
/// woken once per request.
///
/// Two ways to run it:
/// - on a dedicated thread (``run()``), which blocks in `epoll_wait`; the doorbell is
///   ``ReadinessPoller/wake()``;
/// - on an event loop (`owner`): each iteration is a task of that loop and never blocks; the
///   doorbell schedules one, and so do libcurl's timer (a scheduled task) and the
///   ``CurlSocketWaker`` thread when a socket of this loop turns ready. A transfer started from
///   its own event loop then never crosses a thread.
final class CurlMultiLoop: Sendable {
    /// A `CURLM *`, used by the loop thread only.
    struct MultiPointer: @unchecked Sendable { let raw: UnsafeMutableRawPointer }

    struct Mailbox {
        var started: [UpstreamTransfer] = []
        var cancelled: [UpstreamTransfer] = []
        /// Transfers whose pause may need to change (see ``TransferStateMachine/synchronize()``).
        var kicked: [UpstreamTransfer] = []
        var isShuttingDown = false
        /// Event-loop mode: the ``CurlSocketWaker`` saw this loop's epoll set ready since the loop
        /// last took the mailbox, so the next iteration polls the set and rearms the waker. An
        /// iteration for other work skips both: the waker is still armed, and a socket that turns
        /// ready meanwhile makes it fire.
        var socketsReady = false
        /// The doorbell rang and the loop has not taken the mailbox since.
        var wakePending = false

        /// What one iteration takes: everything queued, the mailbox left empty.
        struct Work {
            var started: [UpstreamTransfer]
            var cancelled: [UpstreamTransfer]
            var kicked: [UpstreamTransfer]
            var isShuttingDown: Bool
            var socketsReady: Bool
        }

        /// Takes what is queued and lets the next submission ring the doorbell again.
        mutating func take() -> Work {
            defer {
                started.removeAll(); cancelled.removeAll(); kicked.removeAll()
                socketsReady = false
                wakePending = false
            }
            return Work(started: started, cancelled: cancelled, kicked: kicked,
                        isShuttingDown: isShuttingDown, socketsReady: socketsReady)
        }

        /// Rings `loop`'s doorbell unless it already rang for work not yet taken.
        mutating func wake(_ loop: CurlMultiLoop) {
            if wakePending { return }
            wakePending = true
            loop.ringDoorbell()
        }
    }

    /// The event loop this curl loop runs on, nil for a dedicated thread.
    let owner: (any EventLoop)?
    /// Event-loop mode: the driver (created by the first iteration, on `owner`), the timer task
    /// and what tells the socket waker this loop's epoll set may be watched again.
    private let ownerState: NIOLoopBoundBox<OwnerState?>?
    /// A class, so an iteration changes it in place (the box holds one reference).
    private final class OwnerState {
        var driver: CurlMultiDriver?
        var timer: Scheduled<Void>?
        var timerDue: UInt64 = .max
        var stopped = false
    }
    /// Event-loop mode: rearms this loop's epoll set in the waker's (set once, before the first iteration).
    let waker: NIOLockedValueBox<(waker: CurlSocketWaker, index: Int)?> = NIOLockedValueBox(nil)
    /// Event-loop mode: true once the last iteration tore the multi handle down. A condition,
    /// not a promise: when the event loop stopped first, nothing ever completes it, and NIO
    /// traps (debug builds) on a promise dropped unfulfilled.
    private let stopped = ConditionLock(value: false)

    let multi: MultiPointer
    let configuration: UpstreamEngineConfig
    let mailbox = NIOLockedValueBox(Mailbox())
    let poller: ReadinessPoller
    let statistics: UpstreamStatisticsBox

    init(configuration: UpstreamEngineConfig, statistics: UpstreamStatisticsBox, owner: (any EventLoop)? = nil) throws {
        self.owner = owner
        self.ownerState = owner.map { NIOLoopBoundBox.makeEmptyBox(valueType: OwnerState.self, eventLoop: $0) }
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
            mailbox.wake(self)
            return true
        }
    }

    /// Asks the loop to remove `transfer`'s easy handle.
    func cancel(_ transfer: UpstreamTransfer) {
        mailbox.withLockedValue { mailbox in
            if mailbox.isShuttingDown { return }  // shutdown removes every handle anyway
            mailbox.cancelled.append(transfer)
            mailbox.wake(self)
        }
    }

    /// Asks the loop to re-evaluate `transfer`'s pause state (more request body, end of body,
    /// a client that became writable or not, response bytes drained).
    func kick(_ transfer: UpstreamTransfer) {
        mailbox.withLockedValue { mailbox in
            if mailbox.isShuttingDown { return }
            mailbox.kicked.append(transfer)
            mailbox.wake(self)
        }
    }

    /// Flags shutdown and wakes the loop; the thread then fails what is in flight and exits.
    func requestShutdown() {
        mailbox.withLockedValue { mailbox in
            if mailbox.isShuttingDown { return }
            mailbox.isShuttingDown = true
            mailbox.wake(self)
        }
    }

    /// Event-loop mode: blocks until the last iteration tore the multi handle down (after
    /// ``requestShutdown()``). On the owning event loop it would wait forever: a trap instead.
    func waitUntilStopped() {
        precondition(owner?.inEventLoop != true, "CurlEngine.shutdown() called on an event loop the engine runs on")
        stopped.lock(whenValue: true)
        stopped.unlock()
    }

    /// The thread body: runs until shutdown, then cleans the multi handle up.
    func run() {
        let driver = CurlMultiDriver(loop: self)
        driver.run()
    }

    /// The doorbell: wakes the curl thread, or schedules an iteration on the owning event loop.
    fileprivate func ringDoorbell() {
        guard let owner else { return poller.wake() }
        owner.execute { self.iterateOnOwner() }
    }

    /// Called by the ``CurlSocketWaker`` thread when a socket of this loop is ready.
    func socketsReady() {
        mailbox.withLockedValue { mailbox in
            mailbox.socketsReady = true
            mailbox.wake(self)
        }
    }

    /// Event-loop mode: one iteration, then the timer for what is due next and the waker rearmed.
    private func iterateOnOwner() {
        guard let box = ownerState, let owner else { return }
        let state: OwnerState
        if let existing = box.value {
            state = existing
        } else {
            state = OwnerState()
            box.value = state
        }
        if state.stopped { return }
        let driver: CurlMultiDriver
        if let existing = state.driver {
            driver = existing
        } else {
            driver = CurlMultiDriver(loop: self)
            driver.setUp()
            state.driver = driver
        }
        guard let polled = driver.iterate(.whenSignalled) else {
            driver.tearDown()
            state.driver = nil
            state.stopped = true
            state.timer?.cancel()
            state.timer = nil
            stopped.lock()
            stopped.unlock(withValue: true)
            return
        }
        if let due = driver.nextTimedWork {
            let now = CurlEasyHandle.now()
            if due <= now {
                mailbox.withLockedValue { $0.wake(self) }
            } else if due < state.timerDue {
                state.timer?.cancel()
                state.timerDue = due
                state.timer = owner.scheduleTask(in: .nanoseconds(Int64(due - now))) {
                    box.value?.timerDue = .max
                    box.value?.timer = nil
                    self.mailbox.withLockedValue { $0.wake(self) }
                }
            }
        }
        if polled, let (waker, index) = waker.withLockedValue({ $0 }) { waker.rearm(index) }
    }
}
