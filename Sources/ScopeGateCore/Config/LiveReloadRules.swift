/// What a reload may change while the gateway runs.
///
/// Applied live: `api` (issuers, keys, audiences, scopes, token location, cache), `backends`, `cors`,
/// `protected_resource` (the metadata document and the challenges' `resource_metadata`),
/// `routes`, `limits`, `forwarding`, `shutdown`, and the client deadlines and health path of
/// `listen` (for connections opened after the reload). Refused, with the running
/// configuration kept whole: the listening addresses and event loops, the upstream engine,
/// the admin listener and the log destinations, which are bound or opened once at start-up.
public enum LiveReloadRules {
    /// Every member of `new` that differs from `running` and cannot change without a restart,
    /// each with its JSON path; empty when `new` can be applied live.
    public static func problems(running: GatewayConfig, new: GatewayConfig) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        func check<T: Equatable>(_ path: String, _ old: T, _ new: T) {
            if old != new {
                problems.append(ConfigProblem(path: path, message: "cannot change while the gateway runs (it is bound or opened at start-up); restart to apply it. Nothing of this reload was applied"))
            }
        }
        check("listen.host", running.listener.host, new.listener.host)
        check("listen.port", running.listener.port, new.listener.port)
        check("listen.event_loops", running.listener.eventLoops, new.listener.eventLoops)
        check("upstream.threads", running.upstream.threads, new.upstream.threads)
        check("upstream.max_connections_per_backend", running.upstream.maxConnectionsPerBackend,
              new.upstream.maxConnectionsPerBackend)
        check("admin", running.admin, new.admin)
        check("log.denials", running.log.denials, new.log.denials)
        check("log.access", running.log.access, new.log.access)
        check("log.stats_interval_seconds", running.log.statsIntervalSeconds, new.log.statsIntervalSeconds)
        return problems
    }
}
