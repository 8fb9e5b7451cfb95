import NIOConcurrencyHelpers

/// What the engine holds and how often it paused, for tests, metrics and the memory budget.
public struct UpstreamStatistics: Sendable, Equatable {
    /// Transfers whose receiving side is paused now (a slow client or undelivered bytes).
    public var receivePausedTransfers = 0
    /// Transfers whose sending side is paused now (the client's request body is late).
    public var sendPausedTransfers = 0
    /// Receive pauses so far.
    public var receivePauses = 0
    /// Send pauses so far.
    public var sendPauses = 0
    /// The most response bytes any one transfer held between curl and its delegate.
    public var peakBufferedResponseBytes = 0
    /// The most request-body bytes any one transfer held queued for curl.
    public var peakBufferedRequestBytes = 0
    /// Transfers failed by the gateway's own response-head or idle deadline.
    public var deadlineExpiries = 0
    /// Kept-alive connections refused for reuse (and closed) because the backend had sent
    /// bytes on them after a response; each cost a transfer a restart.
    public var refusedConnections = 0
    /// Responses that were whole before their request body was all sent (the backend
    /// answered early): the transfer ended there, its connection closed (unless libcurl
    /// finished sending the body in that same step).
    public var earlyAnswers = 0

    public init() {}
}

/// The shared, lock-protected counters behind ``CurlEngine/statistics``, with waiters that
/// are resumed by the update that makes their condition true (no polling).
final class UpstreamStatisticsBox: Sendable {
    private struct Waiter {
        var condition: @Sendable (UpstreamStatistics) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var statistics = UpstreamStatistics()
        var waiters: [Waiter] = []
    }

    private let box = NIOLockedValueBox(State())

    var snapshot: UpstreamStatistics { box.withLockedValue { $0.statistics } }

    func update(_ body: (inout UpstreamStatistics) -> Void) {
        let ready = box.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            body(&state.statistics)
            guard !state.waiters.isEmpty else { return [] }
            var ready: [CheckedContinuation<Void, Never>] = []
            let statistics = state.statistics
            state.waiters.removeAll { waiter in
                guard waiter.condition(statistics) else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once `condition` holds (at once when it already does).
    func wait(until condition: @escaping @Sendable (UpstreamStatistics) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let holds = box.withLockedValue { state -> Bool in
                if condition(state.statistics) { return true }
                state.waiters.append(Waiter(condition: condition, continuation: continuation))
                return false
            }
            if holds { continuation.resume() }
        }
    }
}
