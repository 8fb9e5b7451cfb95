import Foundation
import NIOCore
import ScopeGateObservability

/// The graceful drain on SIGTERM or SIGINT.
extension Gateway {
    /// The graceful drain (`shutdown` of the current configuration); returns when no client
    /// connection is left, or when what was left has been cut.
    ///
    /// 1. `draining`: readiness turns 503; responses carry `Connection: close`; the listener
    ///    keeps accepting for `shutdown.drain_delay_ms`.
    /// 2. `stopped_accepting`: the listener closes, idle connections close, requests in flight
    ///    go on for at most `shutdown.grace_ms`.
    /// 3. What is left then is cut (one `shutdown_cut` line per request), and `stopped` is logged.
    ///
    /// Cancelling the calling task (a second signal) cuts at once. Each phase is one
    /// `shutdown` line. Idempotent: a second call returns at once.
    public func drain() async {
        let settings = context.active.generation.config.shutdown
        guard context.active.startDraining() else { return }
        let started = NIODeadline.now()
        metrics.recordDraining()
        eventLog.write(LifecycleEvent.shutdown(
            phase: "draining", time: Date(),
            details: [("drain_delay_ms", settings.drainDelayMilliseconds), ("grace_ms", settings.graceMilliseconds),
                      ("connections", context.connections.count)]))
        context.connections.broadcast(.draining)
        var interrupted = false
        do {
            try await Task.sleep(for: .milliseconds(settings.drainDelayMilliseconds))
        } catch {
            interrupted = true   // a second signal: stop accepting and cut now
        }
        try? await server.close()
        eventLog.write(LifecycleEvent.shutdown(phase: "stopped_accepting", time: Date(),
                                               details: [("connections", context.connections.count)]))
        context.connections.broadcast(.stopAccepting)
        var finished = false
        if !interrupted {
            let connections = context.connections
            finished = await withTaskCancellationHandler {
                await connections.waitUntilEmpty(timeout: .milliseconds(Int64(settings.graceMilliseconds)),
                                                 eventLoop: group.next())
            } onCancel: {
                connections.stopWaiting()
            }
        }
        var cut = 0
        if !finished {
            cut = context.connections.count
            let why = interrupted || Task.isCancelled
                ? "a second signal ended the drain"
                : "shutdown.grace_ms (\(settings.graceMilliseconds) ms) ended"
            context.connections.broadcast(.cut(why: why))
            // The cut connections close on their event loops; wait for that (bounded) so their lines are written.
            _ = await context.connections.waitUntilEmpty(timeout: .seconds(1), eventLoop: group.next())
        }
        eventLog.write(LifecycleEvent.shutdown(
            phase: "stopped", time: Date(),
            details: [("cut", cut), ("elapsed_ms", Int((NIODeadline.now() - started).nanoseconds / 1_000_000))]))
    }
}
