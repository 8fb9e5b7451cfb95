import NIOConcurrencyHelpers
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
    public init(configuration: UpstreamEngineConfig) throws {
        try CurlGlobal.initialize()
        let statistics = UpstreamStatisticsBox()
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
        for loop in loops { loop.requestShutdown() }
        for thread in threads { thread.join() }
    }

    /// Starts `request`. `delegate` is called on `eventLoop` only (see ``UpstreamResponseDelegate``)
    /// and is held until the transfer ends or is cancelled. Never blocks beyond a short lock.
    @discardableResult
    public func execute(_ request: UpstreamRequest, on eventLoop: any EventLoop, delegate: any UpstreamResponseDelegate) -> UpstreamTransfer {
        let loop: CurlMultiLoop
        if loops.count == 1 {
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
