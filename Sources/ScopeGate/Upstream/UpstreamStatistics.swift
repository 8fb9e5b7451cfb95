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

    public init() {}
}

/// The shared, lock-protected counters behind ``CurlEngine/statistics``.
final class UpstreamStatisticsBox: Sendable {
    private let box = NIOLockedValueBox(UpstreamStatistics())

    var snapshot: UpstreamStatistics { box.withLockedValue { $0 } }

    func update(_ body: (inout UpstreamStatistics) -> Void) {
        box.withLockedValue { body(&$0) }
    }
}
