/// The whole gateway configuration, as decoded from `gateway.json`.
///
/// Plain data: decoding and validation live in ``ConfigLoader``, which reports
/// every problem at once with its JSON path (``ConfigError``). Every value here
/// has already been validated; consumers never re-check it.
public struct GatewayConfig: Sendable, Equatable {
    /// Where the gateway accepts HTTP/1.1 connections (`listen`).
    public var listener: ListenerConfig
    /// The one logical API the gateway protects and the issuers it trusts (`api`).
    public var api: APIConfig
    /// Named backends (`backends`), keyed by name.
    public var backends: [String: BackendConfig]
    /// Routes in file order (`routes`); matching is longest prefix, not first match.
    public var routes: [RouteConfig]
    /// Request size limits (`limits`).
    public var limits: LimitsConfig
    /// Where denial and upstream-failure events are written (`log`).
    public var log: LogConfig
    /// The libcurl upstream engine (`upstream`).
    public var upstream: UpstreamEngineConfig
    /// Headers added to forwarded requests (`forwarding`).
    public var forwarding: ForwardingConfig
    /// What happens on SIGTERM/SIGINT (`shutdown`).
    public var shutdown: ShutdownConfig
    /// The admin listener (`admin`): metrics and probes; `nil` when `"admin": null`.
    public var admin: AdminConfig?
    /// `cors`: the API-wide CORS settings; `nil` (the default): no CORS, unless a route sets its own.
    public var cors: CORSConfig?
    /// What the file sets that is valid but weakens a check (an issuer with
    /// `check_audience: false`), with its JSON path: `scopegate check` prints these as
    /// `warning:` lines and `serve` logs them at start. Empty for a config built in code.
    public var warnings: [ConfigProblem] = []
    /// `lint`: findings of ``PolicyLint`` reviewed and accepted; read by `scopegate check` only.
    public var lint: LintConfig = .init()
    /// `protected_resource`: the OAuth 2.0 Protected Resource Metadata the gateway serves and
    /// names in its challenges (RFC 9728); `nil` (the default): none.
    public var protectedResource: ProtectedResourceConfig? = nil

    public init(
        listener: ListenerConfig = .init(),
        api: APIConfig,
        backends: [String: BackendConfig],
        routes: [RouteConfig],
        limits: LimitsConfig = .init(),
        log: LogConfig = .init(),
        upstream: UpstreamEngineConfig = .init(),
        forwarding: ForwardingConfig = .init(),
        shutdown: ShutdownConfig = .init(),
        admin: AdminConfig? = .init()
    ) {
        self.listener = listener
        self.api = api
        self.backends = backends
        self.routes = routes
        self.limits = limits
        self.log = log
        self.upstream = upstream
        self.forwarding = forwarding
        self.shutdown = shutdown
        self.admin = admin
    }
}

/// `listen`: the server socket.
public struct ListenerConfig: Sendable, Equatable {
    /// `listen.host`: address to bind. Default `127.0.0.1`.
    public var host: String
    /// `listen.port`: TCP port, 0...65535 (0 picks a free port). Default 8080.
    public var port: Int
    /// `listen.event_loops`: SwiftNIO event-loop threads. Default: one per core.
    public var eventLoops: Int?
    /// `listen.health_path`: exact path answered by the gateway itself for `GET`/`HEAD`:
    /// 200 `{"status":"ready"}` when verification keys are loaded, 503 otherwise. It takes
    /// precedence over routes and is never forwarded or logged. `null` disables it. Default `/healthz`.
    public var healthPath: String?
    /// `listen.keep_alive_timeout_ms`: an idle connection between requests is closed after this, in milliseconds. Default 60000.
    public var keepAliveTimeoutMilliseconds: Int
    /// `listen.request_head_timeout_ms`: a request head must arrive whole within this of its first byte, in milliseconds. Default 10000.
    public var requestHeadTimeoutMilliseconds: Int
    /// `listen.body_idle_timeout_ms`: longest silence while reading a request body, in milliseconds. Default 30000.
    public var bodyIdleTimeoutMilliseconds: Int
    /// `listen.body_timeout_ms`: a request body must arrive whole within this of its head, in
    /// milliseconds, 0 = no such deadline. Default 0: no fixed time suits every body size (see
    /// ``ClientDeadlines``); the minimum rate below scales with the body instead.
    public var bodyTimeoutMilliseconds: Int
    /// `listen.body_min_bytes_per_second`: the least average rate, in bytes per second, at which a
    /// request body must arrive once ``bodyMinRateGraceMilliseconds`` have passed, 0 = no minimum.
    /// Default 1024.
    public var bodyMinBytesPerSecond: Int
    /// `listen.body_min_rate_grace_ms`: the time a request body gets on top of what its bytes earn
    /// at the minimum rate, in milliseconds. Default 10000.
    public var bodyMinRateGraceMilliseconds: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, eventLoops: Int? = nil, healthPath: String? = "/healthz",
                keepAliveTimeoutMilliseconds: Int = 60000, requestHeadTimeoutMilliseconds: Int = 10000,
                bodyIdleTimeoutMilliseconds: Int = 30000, bodyTimeoutMilliseconds: Int = 0,
                bodyMinBytesPerSecond: Int = 1024, bodyMinRateGraceMilliseconds: Int = 10000) {
        self.host = host
        self.port = port
        self.eventLoops = eventLoops
        self.healthPath = healthPath
        self.keepAliveTimeoutMilliseconds = keepAliveTimeoutMilliseconds
        self.requestHeadTimeoutMilliseconds = requestHeadTimeoutMilliseconds
        self.bodyIdleTimeoutMilliseconds = bodyIdleTimeoutMilliseconds
        self.bodyTimeoutMilliseconds = bodyTimeoutMilliseconds
        self.bodyMinBytesPerSecond = bodyMinBytesPerSecond
        self.bodyMinRateGraceMilliseconds = bodyMinRateGraceMilliseconds
    }
}

/// `backends.<name>`: one upstream service, served by one or more instances.
public struct BackendConfig: Sendable, Equatable {
    /// The key under `backends`.
    public var name: String
    /// `backends.<name>.url` (one instance) or `backends.<name>.urls` (several): each
    /// `http://host[:port]` or `https://host[:port]`, no path, query or userinfo, all with the
    /// same scheme. Never empty; order is the configured order.
    public var instances: [String]
    /// `backends.<name>.balance`: how an instance is chosen per attempt. Default `.roundRobin`.
    public var balance: BalanceStrategy
    /// `backends.<name>.eject_after_failures`: consecutive connect-level failures after which
    /// an instance is skipped, 1...100. Default 3.
    public var ejectAfterFailures: Int
    /// `backends.<name>.eject_seconds`: how long an ejected instance is skipped, in seconds. Default 10.
    public var ejectSeconds: Int
    /// `backends.<name>.retries`: further attempts, each on another instance, for an idempotent
    /// request without a body whose attempt failed before anything was sent (connect level). Default 1.
    public var retries: Int
    /// `backends.<name>.tls`: TLS settings for `https` instances; `nil` uses the system CA store.
    public var tls: BackendTLSConfig?
    /// `backends.<name>.http2`: speak HTTP/2 to the backend (ALPN for https, prior knowledge
    /// for http). Default `false`: HTTP/1.1.
    public var http2: Bool = false
    /// `backends.<name>.connect_timeout_ms`: TCP (and TLS) connect timeout in milliseconds. Default 2000.
    public var connectTimeoutMilliseconds: Int
    /// `backends.<name>.timeout_ms`: whole-exchange timeout in milliseconds, 0 = none. Default 30000.
    public var timeoutMilliseconds: Int
    /// `backends.<name>.response_header_timeout_ms`: longest wait for the response head, in
    /// milliseconds, counted from the end of the request body; 0 = none. Default 30000 (the
    /// default whole-exchange timeout, so it only bites when `timeout_ms` is raised or 0).
    /// Expiry before a head is a 504 `upstream_timeout`.
    public var responseHeaderTimeoutMilliseconds: Int
    /// `backends.<name>.idle_timeout_ms`: longest silence, in milliseconds, while the backend
    /// should send response bytes or accept request-body bytes (time a slow client holds the
    /// transfer paused does not count); 0 = none. Default 60000. After the response head,
    /// expiry closes the client connection.
    public var idleTimeoutMilliseconds: Int

    /// The first instance: what `explain` shows.
    public var url: String { instances[0] }

    public init(name: String, url: String, connectTimeoutMilliseconds: Int = 2000, timeoutMilliseconds: Int = 30000,
                responseHeaderTimeoutMilliseconds: Int = 30000, idleTimeoutMilliseconds: Int = 60000) {
        self.init(name: name, instances: [url], connectTimeoutMilliseconds: connectTimeoutMilliseconds,
                  timeoutMilliseconds: timeoutMilliseconds, responseHeaderTimeoutMilliseconds: responseHeaderTimeoutMilliseconds,
                  idleTimeoutMilliseconds: idleTimeoutMilliseconds)
    }

    /// - Precondition: `instances` is not empty.
    public init(name: String, instances: [String], balance: BalanceStrategy = .roundRobin, ejectAfterFailures: Int = 3,
                ejectSeconds: Int = 10, retries: Int = 1, tls: BackendTLSConfig? = nil,
                connectTimeoutMilliseconds: Int = 2000, timeoutMilliseconds: Int = 30000,
                responseHeaderTimeoutMilliseconds: Int = 30000, idleTimeoutMilliseconds: Int = 60000) {
        precondition(!instances.isEmpty, "a backend needs at least one instance")
        self.name = name
        self.instances = instances
        self.balance = balance
        self.ejectAfterFailures = ejectAfterFailures
        self.ejectSeconds = ejectSeconds
        self.retries = retries
        self.tls = tls
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.responseHeaderTimeoutMilliseconds = responseHeaderTimeoutMilliseconds
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
    }
}

/// `backends.<name>.balance`: how one instance is picked among the healthy ones.
public enum BalanceStrategy: String, Sendable, Equatable, CaseIterable {
    /// `"round_robin"`: each attempt takes the next instance in configured order.
    case roundRobin = "round_robin"
    /// `"least_in_flight"`: the instance with the fewest transfers under way (ties: round robin).
    case leastInFlight = "least_in_flight"
}

/// `backends.<name>.tls`: how the gateway talks TLS to `https` instances. Certificate
/// verification is always on; these settings only say what to trust and what to present.
public struct BackendTLSConfig: Sendable, Equatable {
    /// `tls.ca_file`: PEM bundle of CAs trusted for the backend's certificate, instead of the
    /// system store. Absolute, resolved against the config file's directory.
    public var caFile: String?
    /// `tls.client_certificate`: PEM client certificate presented to the backend (mutual TLS);
    /// set together with ``clientKey``. Absolute path.
    public var clientCertificate: String?
    /// `tls.client_key`: PEM private key of ``clientCertificate``. Absolute path.
    public var clientKey: String?
    /// `tls.server_name`: the name sent in SNI and verified against the backend's certificate
    /// (and sent as `Host`), while connecting to the instance's own address.
    public var serverName: String?

    public init(caFile: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil, serverName: String? = nil) {
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.serverName = serverName
    }
}

/// `routes[i]`: a path prefix, its backend and what each method requires.
public struct RouteConfig: Sendable, Equatable {
    /// `routes[i].prefix`: a normalised absolute path (`/calendar`); matched on whole segments.
    /// A whole segment `{name}` is a template variable matching any one segment
    /// (`/users/{id}/keys`, see ``PathTemplate`` for matching and specificity). This text, as
    /// configured, is the route's name in logs and metrics.
    public var prefix: String
    /// `routes[i].backend`: a key of `backends`.
    public var backend: String
    /// `routes[i].methods`: method token (upper case, e.g. `GET`) to its rule; the key `*`
    /// covers every method not listed by name.
    public var methods: [String: MethodRule]
    /// What replaces `prefix` at the start of the forwarded path: `nil` keeps the path as is
    /// (the default); `routes[i].strip_prefix: true` is `"/"`; `routes[i].rewrite_prefix: "/v1"`
    /// is `"/v1"`. On a templated prefix it replaces as many path segments as the prefix has;
    /// it never has variables itself.
    public var upstreamPrefix: String?
    /// `routes[i].forward_authorization`: pass the client's token header on to the backend.
    /// Default `true` (on `public` methods it is never passed on).
    public var forwardAuthorization: Bool
    /// `routes[i].preserve_host`: send the client's `Host` to the backend instead of the
    /// backend's own authority. Default `false`.
    public var preserveHost: Bool = false
    /// `routes[i].cors`: this route's CORS, resolved against the API's `cors`. Default: inherit.
    public var cors: RouteCORS = .inherit
    /// `routes[i].enforce`: whether the route's methods deny or only report (shadow mode).
    /// Default ``Enforcement/enforce``.
    public var enforcement: Enforcement = .enforce
    /// `routes[i].methods.<METHOD>.enforce`, for the methods written in the object form with an
    /// `enforce` member: overrides ``enforcement`` for that method.
    public var methodEnforcement: [String: Enforcement] = [:]

    public init(prefix: String, backend: String, methods: [String: MethodRule], upstreamPrefix: String? = nil,
                forwardAuthorization: Bool = true) {
        self.prefix = prefix
        self.backend = backend
        self.methods = methods
        self.upstreamPrefix = upstreamPrefix
        self.forwardAuthorization = forwardAuthorization
    }
}

/// What one method of one route requires.
public enum MethodRule: Sendable, Equatable {
    /// `"public"`: no token is needed (and a presented one is not checked).
    case `public`
    /// A valid token satisfying the requirement: `["a", "b"]` (all of them), `[["a"], ["b", "c"]]`
    /// (any one alternative), `[]` (any valid token).
    case scopes(ScopeRequirement)
}

/// `limits`: bounds on what a client may send.
public struct LimitsConfig: Sendable, Equatable {
    /// `limits.max_body_bytes`: largest request body accepted, in bytes; more is 413. Default 10 MiB.
    public var maxBodyBytes: Int
    /// `limits.max_header_bytes`: largest request head (request line and headers) in bytes, 1 KiB...64 KiB; more is 431. Default 16 KiB.
    public var maxHeaderBytes: Int
    /// `limits.max_token_bytes`: largest bearer token in bytes; longer is 401 `malformed_token`. Default 8192.
    public var maxTokenBytes: Int

    public init(maxBodyBytes: Int = 10 << 20, maxHeaderBytes: Int = 16 << 10, maxTokenBytes: Int = 8192) {
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxTokenBytes = maxTokenBytes
    }
}

/// `log`: the structured event log (one JSON object per line).
public struct LogConfig: Sendable, Equatable {
    /// Where lines go.
    public enum Destination: Sendable, Equatable {
        /// `"stderr"` (the default).
        case standardError
        /// A file path, opened for append; relative to the directory of `gateway.json`.
        case file(path: String)
    }
    /// `log.denials`: destination of denial and upstream-failure lines. Default `"stderr"`.
    public var denials: Destination
    /// `log.access`: destination of access lines (one per forwarded request); `nil` when
    /// `"off"`. Default `nil` (off).
    public var access: Destination?
    /// `log.stats_interval_seconds`: how often counters (verified-token cache, JWKS fetches)
    /// are written as `stats` lines to the same log, in seconds; 0 disables. Default 60.
    public var statsIntervalSeconds: Int

    public init(denials: Destination = .standardError, access: Destination? = nil, statsIntervalSeconds: Int = 60) {
        self.denials = denials
        self.access = access
        self.statsIntervalSeconds = statsIntervalSeconds
    }
}

/// `upstream`: the libcurl engine.
public struct UpstreamEngineConfig: Sendable, Equatable {
    /// `upstream.threads`: curl multi loops on threads of their own, for requests started off the
    /// gateway's event loops. Default 1. `serve` forwards on its event loops (one multi handle
    /// each), so it does not use them; kept so existing files load.
    public var threads: Int
    /// `upstream.max_connections_per_backend`: cap on open connections to one host, shared out
    /// over the event loops' curl loops (the parts add up to it). Default 64.
    public var maxConnectionsPerBackend: Int

    public init(threads: Int = 1, maxConnectionsPerBackend: Int = 64) {
        self.threads = threads
        self.maxConnectionsPerBackend = maxConnectionsPerBackend
    }
}
