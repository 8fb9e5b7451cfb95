import Foundation
import ScopeGateCore
import ScopeGateObservability
@_spi(Fuzzing) import ScopeGateUpstream

/// One loaded configuration and everything built from it: the access policy (routes and the
/// token verifier with its keys), the head check, the backend pools and the upstream header
/// rules. Immutable; a reload builds a new generation and swaps it in (``ActiveConfig``).
///
/// A request takes the generation current when its head arrives and keeps it to the end: it is
/// decided and forwarded entirely under that configuration, whatever reloads happen meanwhile.
final class ConfigGeneration: Sendable {
    /// 1 for the configuration the gateway started with, +1 per applied reload.
    let number: Int
    let config: GatewayConfig
    let policy: AccessPolicy
    /// The checks on each request head before the decision (limits, `Host`, framing, overrides).
    let headCheck: RequestHeadCheck
    /// Each backend's instances and their health.
    let pools: BackendPools
    /// Builds the headers of forwarded requests (`forwarding`).
    let upstreamHeaders: UpstreamHeaders
    /// The issuers whose keys are fetched (URL or discovery).
    let remoteKeys: RemoteKeySources
    /// JWKS files that loaded with no usable key, in issuer order (see ``KeySetWarning``).
    let keyWarnings: [KeySetWarning]
    /// Each route's metric instruments, by prefix (empty when metrics are off).
    let routeMetrics: [String: RouteInstruments]
    /// The instruments of requests no route matched (`route="none"`; `nil` when metrics are off).
    let unroutedMetrics: RouteInstruments?

    var verifier: TokenVerifier { policy.verifier }
    var limits: LimitsConfig { config.limits }
    var realm: String { config.api.realm }
    /// The `resource_metadata` URL of this generation's challenges (RFC 9728 §5.1), from
    /// `protected_resource.resource`; `nil` when not configured.
    var resourceMetadataURL: String? { policy.resourceMetadata?.resource.metadataURL }
    /// `listen.health_path`, or `nil` when disabled.
    var healthPath: String? { config.listener.healthPath }
    /// `forwarding.request_id_header`.
    var requestIDHeader: String { config.forwarding.requestIDHeader }

    init(number: Int, config: GatewayConfig, verifier: TokenVerifier, pools: BackendPools, remoteKeys: RemoteKeySources,
         metrics: GatewayMetrics, keyWarnings: [KeySetWarning] = []) {
        self.number = number
        self.config = config
        self.policy = AccessPolicy(config: config, verifier: verifier)
        self.headCheck = RequestHeadCheck(maxHeaderBytes: config.limits.maxHeaderBytes, maxBodyBytes: config.limits.maxBodyBytes)
        self.pools = pools
        self.upstreamHeaders = UpstreamHeaders(forwarding: config.forwarding, tokenHeader: config.api.token.header)
        self.remoteKeys = remoteKeys
        self.keyWarnings = keyWarnings
        var routeMetrics: [String: RouteInstruments] = [:]
        for route in config.routes {
            routeMetrics[route.prefix] = metrics.instruments(route: route.prefix, backend: route.backend)
        }
        self.routeMetrics = routeMetrics
        self.unroutedMetrics = metrics.instruments(route: nil, backend: nil)
    }

    /// Writes one `jwks_no_usable_key` line per ``keyWarnings`` entry; called when this
    /// generation goes live (start-up, an applied reload).
    func logKeyWarnings(to eventLog: EventLog) {
        for warning in keyWarnings { eventLog.write(KeySetEvent.noUsableKey(warning, time: Date())) }
    }

    /// The metric instruments for requests on the route `prefix` (`nil`: none matched).
    func metrics(route prefix: String?) -> RouteInstruments? {
        guard let prefix else { return unroutedMetrics }
        return routeMetrics[prefix] ?? unroutedMetrics
    }
}
