import Foundation

extension RemoteJWKSSource {
    /// Counters for health checks and metrics.
    public struct Statistics: Sendable, Equatable {
        /// Fetch cycles started (by the loop, ``refreshNow()`` or a refetch); calls that joined
        /// a cycle in flight are not counted.
        public var fetches = 0
        /// Fetch cycles that failed.
        public var failures = 0
        /// Unknown-`kid` refetches that started a cycle.
        public var unknownKeyRefetches = 0
        /// Unknown-`kid` refetches refused because of the cooldown.
        public var refusedRefetches = 0
        /// When (by the injected clock) the last cycle succeeded; `nil` if none has.
        public var lastSuccess: Date?
        /// When the last cycle failed; `nil` if none has.
        public var lastFailure: Date?
        /// The last failure's text; `nil` if no cycle has failed.
        public var lastError: String?

        public init() {}
    }
}
