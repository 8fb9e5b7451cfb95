import NIOConcurrencyHelpers
import NIOCore
import ScopeGateCore

/// Forwards requests to backends with libcurl's multi interface and streams the responses
/// back onto the caller's event loop.
///
/// Two ways to run, chosen at start:
/// - **On the event loops** (`eventLoops` given: `serve`): each event loop runs a `CURLM` of its
///   own (``CurlMultiLoop`` in event-loop mode), with its own connection cache, and a request
///   started on one of them is set up, sent, received and delivered on that loop without
///   crossing a thread; one ``CurlSocketWaker`` thread only wakes a loop whose sockets are
///   ready. `max_connections_per_backend` is shared out over the loops, never exceeded in all
///   (below the number of event loops, only that many of them run a curl loop). A request
///   started on another event loop goes to one of the curl loops round-robin (its events are
///   then delivered with `eventLoop.execute`). Measured on the peer bench (2 event loops, 64 connections): 1.27x
///   the requests per second of one curl thread, 0.91x its CPU per request.
/// - **On dedicated threads** (no `eventLoops`: the JWKS fetcher, tests): `configuration.threads`
///   threads (at least one), each running one `CURLM`; ``execute(_:on:delegate:)`` only appends
///   to a lock-protected mailbox and wakes the chosen thread, results come back through
///   `eventLoop.execute` (FIFO per event loop). Requests are spread over the threads round-robin.
public final class CurlEngine: Sendable {
    /// The loops requests are spread over when their event loop has none of its own.
    private let loops: [CurlMultiLoop]
    private let threads: [CurlThread]
    /// Event-loop mode: the curl loop of each event loop given at start.
    private let ownedLoops: [ObjectIdentifier: CurlMultiLoop]
    private let waker: CurlSocketWaker?
    private let isShutDown = NIOLockedValueBox(false)
    private let next = NIOLockedValueBox(0)
    private let statisticsBox: UpstreamStatisticsBox

    /// Pauses, peaks of buffered bytes and deadline expiries so far, over all curl loops.
    public var statistics: UpstreamStatistics { statisticsBox.snapshot }

    /// The descriptors the engine opened itself (epoll sets and eventfds), for tests.
    var descriptors: [Int32] { loops.flatMap(\.poller.descriptors) + (waker?.descriptors ?? []) }

    /// Returns once the engine's counters satisfy `condition` (e.g. a transfer is paused),
    /// resumed by the update that makes it true. For the tests: `package`, not library API.
    package func waitForStatistics(_ condition: @escaping @Sendable (UpstreamStatistics) -> Bool) async {
        await statisticsBox.wait(until: condition)
    }

    /// Initialises libcurl (once per process) and starts the curl loops: one per event loop of
    /// `eventLoops` and the socket waker's thread, or, without event loops, `configuration.threads`
    /// dedicated threads.
    ///
    /// Throws ``UpstreamError/failed(_:)`` when libcurl cannot be initialised or a thread,
    /// an epoll set or an eventfd cannot be made.
    public init(configuration: UpstreamEngineConfig, eventLoops: [any EventLoop] = []) throws {
        try CurlGlobal.initialize()
        let statistics = UpstreamStatisticsBox()
        self.statisticsBox = statistics
        if !eventLoops.isEmpty {
            // Each loop has its own connection cache: the cap on one backend is shared out so
            // that the shares add up to it (the first loops take the remainder). Every loop needs
            // at least one connection, so a cap below the number of event loops runs that many
            // curl loops only, and the other event loops' requests go to them as from elsewhere.
            let cap = max(1, configuration.maxConnectionsPerBackend)
            let served = Array(eventLoops.prefix(cap))
            let made = try served.enumerated().map { index, eventLoop in
                var perLoop = configuration
                perLoop.maxConnectionsPerBackend = Self.share(of: cap, loop: index, loops: served.count)
                return try CurlMultiLoop(configuration: perLoop, statistics: statistics, owner: eventLoop)
            }
            var owned: [ObjectIdentifier: CurlMultiLoop] = [:]
            for (eventLoop, loop) in zip(served, made) { owned[ObjectIdentifier(eventLoop)] = loop }
            self.waker = try CurlSocketWaker(loops: made)
            self.ownedLoops = owned
            self.loops = made
            self.threads = []
            return
        }
        self.ownedLoops = [:]
        self.waker = nil
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
    }

    deinit {
        stop(waiting: false)
    }

    /// Loop `loop`'s part of `cap` connections shared out over `loops` loops (`loops <= cap`):
    /// the parts add up to `cap` and differ by one at most.
    static func share(of cap: Int, loop: Int, loops: Int) -> Int {
        cap / loops + (loop < cap % loops ? 1 : 0)
    }

    /// Stops the curl loops: transfers in flight fail with ``UpstreamError/failed(_:)``
    /// (delivered on their event loops), later ``execute(_:on:delegate:)`` calls fail at once,
    /// and the threads are joined. Idempotent. Blocks: do not call it on an event loop, and
    /// call it before the event loops it was given stop.
    public func shutdown() {
        stop(waiting: true)
    }

    /// `waiting: false` (deinit): the loops are asked to stop, not waited for (their event
    /// loops may be gone already).
    private func stop(waiting: Bool) {
        let first = isShutDown.withLockedValue { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        for loop in loops { loop.requestShutdown() }
        if waiting {
            for loop in loops where loop.owner != nil { loop.waitUntilStopped() }
        }
        waker?.shutdown()
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
