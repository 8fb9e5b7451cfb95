import NIOConcurrencyHelpers

/// The configuration generation new requests are decided under, and whether the gateway is
/// draining. Read once per request head (one short lock); changed by a reload or a signal.
final class ActiveConfig: Sendable {
    struct Snapshot: Sendable {
        var generation: ConfigGeneration
        /// SIGTERM or SIGINT came: readiness is 503 and every response carries `Connection: close`.
        var draining: Bool
    }

    private let state: NIOLockedValueBox<Snapshot>

    init(_ generation: ConfigGeneration) {
        state = NIOLockedValueBox(Snapshot(generation: generation, draining: false))
    }

    var snapshot: Snapshot { state.withLockedValue { $0 } }
    var generation: ConfigGeneration { state.withLockedValue { $0.generation } }

    /// Replaces the generation; returns the one it replaced.
    func swap(to generation: ConfigGeneration) -> ConfigGeneration {
        state.withLockedValue { state in
            let previous = state.generation
            state.generation = generation
            return previous
        }
    }

    /// Starts the drain; `false` when it had started already.
    func startDraining() -> Bool {
        state.withLockedValue { state in
            if state.draining { return false }
            state.draining = true
            return true
        }
    }
}
