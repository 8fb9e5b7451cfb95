import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import ScopeGateCore

/// Forwards requests to backends with libcurl's multi interface and streams the responses
/// back onto the caller's event loop.
///
/// Threading: `configuration.threads` dedicated threads (at least one), each running one
/// `CURLM` with its own connection cache, so connections to a backend are kept alive and
/// reused by later requests on the same thread. ``execute(_:on:delegate:)`` only appends to a
/// lock-protected mailbox and wakes the chosen thread, so it is safe on an event loop;
/// results come back through `eventLoop.execute`, which is FIFO per event loop. Requests are
/// spread over the threads round-robin.
public final class CurlEngine: Sendable {
    private let loops: [CurlMultiLoop]
    private let threads: [CurlThread]
    /// Event-loop mode: the curl loop of each event loop given at start.
    private let ownedLoops: [ObjectIdentifier: CurlMultiLoop]
    private let waker: CurlSocketWaker?
    private let isShutDown = NIOLockedValueBox(false)
    private let next = NIOLockedValueBox(0)
    private let statisticsBox: UpstreamStatisticsBox

    /// Pauses, peaks of buffered bytes and deadline expiries so far, over all curl threads.
    public var statistics: UpstreamStatistics { statisticsBox.snapshot }

    /// Returns once the engine's counters satisfy `condition` (e.g. a transfer is paused),
    /// resumed by the update that makes it true.
    public func waitForStatistics(_ condition: @escaping @Sendable (UpstreamStatistics) -> Bool) async {
        await statisticsBox.wait(until: condition)
    }

    /// Initialises libcurl (once per process) and starts the curl threads.
    ///
    /// Throws ``UpstreamError/failed(_:)`` when libcurl cannot be initialised or a thread cannot start.
    ///
    /// With `eventLoops` (and `SCOPEGATE_UPSTREAM_MODE=event-loop` in the environment, while the
    /// two modes are compared), each of those event loops also runs a curl loop of its own:
    /// requests started from one of them stay on it (``CurlMultiLoop``).
    public init(configuration: UpstreamEngineConfig, eventLoops: [any EventLoop] = []) throws {
        try CurlGlobal.initialize()
        let statistics = UpstreamStatisticsBox()
        var owned: [ObjectIdentifier: CurlMultiLoop] = [:]
        var waker: CurlSocketWaker?
        if !eventLoops.isEmpty, ProcessEnvironment.upstreamMode == "event-loop" {
            let perLoop = eventLoops.map { try? CurlMultiLoop(configuration: configuration, statistics: statistics, owner: $0) }
            let made = perLoop.compactMap { $0 }
            guard made.count == eventLoops.count else { throw UpstreamError.failed("cannot create the event loops' curl loops") }
            waker = try CurlSocketWaker(loops: made)
            for (eventLoop, loop) in zip(eventLoops, made) { owned[ObjectIdentifier(eventLoop)] = loop }
        }
        self.ownedLoops = owned
        self.waker = waker
        var loops: [CurlMultiLoop] = []
        var threads: [CurlThread] = []
        do {
            for index in 0..<max(1, configuration.threads) {
                let loop = try CurlMultiLoop(configuration: configuration, statistics: statistics)
                loops.append(loop)
                threads.append(try CurlThread(name: "sg-curl-\(index)") { loop.run() })
            }
        } catch {
            for loop in loops { loop.requestShutdown() }
            for thread in threads { thread.join() }
            throw error
        }
        self.loops = loops
        self.threads = threads
        self.statisticsBox = statistics
    }

    deinit {
        shutdown()
    }

    /// Stops the curl threads: transfers in flight fail with ``UpstreamError/failed(_:)``
    /// (delivered on their event loops), later ``execute(_:on:delegate:)`` calls fail at once,
    /// and the threads are joined. Idempotent. Blocks: do not call it on an event loop.
    public func shutdown() {
        let first = isShutDown.withLockedValue { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        for loop in ownedLoops.values { loop.requestShutdown() }
        for loop in ownedLoops.values { try? loop.stoppedPromise?.futureResult.wait() }
        waker?.shutdown()
        for loop in loops { loop.requestShutdown() }
        for thread in threads { thread.join() }
    }

    /// Starts `request`. `delegate` is called on `eventLoop` only (see ``UpstreamResponseDelegate``)
    /// and is held until the transfer ends or is cancelled. Never blocks beyond a short lock.
    @discardableResult
    public func execute(_ request: UpstreamRequest, on eventLoop: any EventLoop, delegate: any UpstreamResponseDelegate) -> UpstreamTransfer {
        let loop: CurlMultiLoop
        if let owned = ownedLoops[ObjectIdentifier(eventLoop)] {
            loop = owned
        } else if loops.count == 1 {
            loop = loops[0]
        } else {
            loop = loops[next.withLockedValue { index in
                defer { index = (index + 1) % loops.count }
                return index
            }]
        }
        let transfer = UpstreamTransfer(request: request, eventLoop: eventLoop, delegate: delegate, loop: loop)
        if !loop.submit(transfer) {
            transfer.deliver([.failed(.failed("the upstream engine is shut down"), afterHead: false)])
        }
        return transfer
    }
}

/// What the environment selects (for comparing the two upstream modes in one build).
enum ProcessEnvironment {
    static let upstreamMode: String = {
        guard let value = getenv("SCOPEGATE_UPSTREAM_MODE") else { return "thread" }
        return String(cString: value)
    }()
}
