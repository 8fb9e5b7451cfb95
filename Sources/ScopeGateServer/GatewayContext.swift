import Foundation
import ScopeGateObservability
import ScopeGateUpstream

/// What every connection handler shares for the gateway's whole life: the active
/// configuration (swapped by reloads), the upstream engine, the log, the metrics, the open
/// connections and the clock. Immutable and `Sendable`; built once at start-up.
struct GatewayContext: Sendable {
    /// The configuration generation and the draining flag.
    let active: ActiveConfig
    let engine: CurlEngine
    let eventLog: EventLog
    let metrics: GatewayMetrics
    /// The open client connections (the drain closes and cuts them).
    let connections: ConnectionRegistry
    /// Injected clock: the instant a request's token is checked against.
    let clock: @Sendable () -> Date
    /// What the connection handlers buffered and held, for tests and the memory budget.
    let statistics: ForwardingStatistics
    /// Assigns each exchange its request ID (the client's, when usable).
    let requestIDs = RequestIDGenerator()

    /// Readiness: keys loaded for every issuer of the current configuration, and not draining.
    var readiness: Readiness {
        let snapshot = active.snapshot
        if snapshot.draining { return .notReady(reason: "draining") }
        if !snapshot.generation.verifier.isReady { return .notReady(reason: "keys_unavailable") }
        return .ready
    }
}

/// What `/readyz` and `listen.health_path` answer.
enum Readiness: Equatable {
    case ready
    case notReady(reason: String)

    /// `{"status":"ready"}` or `{"status":"not_ready","reason":"..."}`.
    var body: String {
        switch self {
        case .ready: return #"{"status":"ready"}"#
        case .notReady(let reason): return #"{"status":"not_ready","reason":""# + reason + #""}"#
        }
    }
}
