import NIOConcurrencyHelpers

/// What the connection handlers buffered and held, over all connections: the server half of
/// the per-request memory budget (the engine's half is ``UpstreamStatistics``).
public final class ForwardingStatistics: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// The most response bytes one connection's channel held unwritten (its write buffer).
        public var peakUnwrittenResponseBytes = 0
        /// How often client reads were held because the upstream request-body queue was full.
        public var heldClientReads = 0
    }

    private let box = NIOLockedValueBox(Snapshot())

    public init() {}

    public var snapshot: Snapshot { box.withLockedValue { $0 } }

    func recordUnwrittenResponseBytes(_ bytes: Int) {
        box.withLockedValue { $0.peakUnwrittenResponseBytes = max($0.peakUnwrittenResponseBytes, bytes) }
    }

    func recordHeldReads() {
        box.withLockedValue { $0.heldClientReads += 1 }
    }
}
