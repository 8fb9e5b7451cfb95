import Foundation

/// What every connection handler shares: the decision, the upstream engine, the log,
/// the limits and the clock. Immutable and `Sendable`; built once at start-up.
struct GatewayContext: Sendable {
    let policy: AccessPolicy
    let engine: CurlEngine
    /// Each backend's instances and their health, shared by every connection.
    let pools: BackendPools
    let eventLog: EventLog
    let limits: LimitsConfig
    let realm: String
    /// `listen.health_path`, or `nil` when disabled.
    let healthPath: String?
    /// Readiness: whether verification keys are loaded.
    let isReady: @Sendable () -> Bool
    /// Builds the headers of forwarded requests (`forwarding`).
    let upstreamHeaders: UpstreamHeaders
    /// `forwarding.request_id_header`.
    let requestIDHeader: String
    /// Injected clock: the instant a request's token is checked against.
    let clock: @Sendable () -> Date
    /// What the connection handlers buffered and held, for tests and the memory budget.
    let statistics: ForwardingStatistics
}
