import NIOConcurrencyHelpers
import NIOCore
import ScopeGateObservability

/// The open client connections of the public listener: counted (the `client_connections`
/// metric), told about the drain (``DrainEvent``), and awaited until none is left.
///
/// Threading: any thread; one short lock per change.
final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        /// Registration order (for ``closeOldest()``); entries of closed channels are skipped.
        var order: [ObjectIdentifier] = []
        /// ``closeAll()`` was called: a connection registered later is closed at once.
        var closed = false
        /// The drain waiting for the last connection to close.
        var emptyWaiter: CheckedContinuation<Bool, Never>?
    }

    private let state = NIOLockedValueBox(State())
    private let metrics: GatewayMetrics?

    /// - Parameter metrics: counts the connections in `client_connections` (the public listener's).
    init(metrics: GatewayMetrics?) {
        self.metrics = metrics
    }

    /// Connections open now.
    var count: Int { state.withLockedValue { $0.channels.count } }

    /// Registers a new connection; it leaves the registry when it closes.
    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let refused = state.withLockedValue { state -> Bool in
            if state.closed { return true }
            state.channels[id] = channel
            state.order.append(id)
            if state.order.count > 2 * state.channels.count + 64 {
                state.order.removeAll { state.channels[$0] == nil }   // amortised clean-up
            }
            return false
        }
        if refused {
            // Accepted just before the listener closed, set up after closeAll(): closed now.
            channel.close(promise: nil)
            return
        }
        metrics?.connectionOpened()
        channel.closeFuture.whenComplete { [self] _ in
            metrics?.connectionClosed()
            let waiter: CheckedContinuation<Bool, Never>? = state.withLockedValue { state in
                state.channels.removeValue(forKey: id)
                guard state.channels.isEmpty, let waiter = state.emptyWaiter else { return nil }
                state.emptyWaiter = nil
                return waiter
            }
            waiter?.resume(returning: true)
        }
    }

    /// Sends `event` into every open connection's pipeline (on its own event loop).
    func broadcast(_ event: DrainEvent) {
        for channel in state.withLockedValue({ Array($0.channels.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(event)
        }
    }

    /// Closes the connection open longest.
    func closeOldest() {
        let oldest: (any Channel)? = state.withLockedValue { state in
            while let id = state.order.first {
                state.order.removeFirst()
                if let channel = state.channels[id] { return channel }
            }
            return nil
        }
        oldest?.close(promise: nil)
    }

    /// Closes every open connection, and every one registered from now on.
    func closeAll() {
        for channel in state.withLockedValue({ state in state.closed = true; return Array(state.channels.values) }) {
            channel.close(promise: nil)
        }
    }

    /// Returns `true` once no connection is open, or `false` after `timeout` (scheduled on
    /// `eventLoop`) or when ``stopWaiting()`` is called first. One waiter at a time.
    func waitUntilEmpty(timeout: TimeAmount, eventLoop: any EventLoop) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let empty = state.withLockedValue { state -> Bool in
                if state.channels.isEmpty { return true }
                state.emptyWaiter = continuation
                return false
            }
            if empty {
                continuation.resume(returning: true)
                return
            }
            eventLoop.scheduleTask(in: timeout) { [self] in stopWaiting() }
        }
    }

    /// Ends a ``waitUntilEmpty(timeout:eventLoop:)`` under way with `false`.
    func stopWaiting() {
        let waiter: CheckedContinuation<Bool, Never>? = state.withLockedValue { state in
            defer { state.emptyWaiter = nil }
            return state.emptyWaiter
        }
        waiter?.resume(returning: false)
    }
}
