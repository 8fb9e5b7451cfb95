/// The whole gateway configuration, as decoded from `gateway.json`.
///
/// Plain data: decoding and validation live in ``ConfigLoader``, which reports
/// every problem at once with its JSON path (``ConfigError``). Every value here
/// has already been validated; consumers never re-check it.
public struct GatewayConfig: Sendable, Equatable {
    /// Where the gateway accepts HTTP/1.1 connections (`listen`).
    public var listener: ListenerConfig
    /// The one logical API the gateway protects (`api`).
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

    public init(
        listener: ListenerConfig = .init(),
        api: APIConfig,
        backends: [String: BackendConfig],
        routes: [RouteConfig],
        limits: LimitsConfig = .init(),
        log: LogConfig = .init(),
        upstream: UpstreamEngineConfig = .init()
    ) {
        self.listener = listener
        self.api = api
        self.backends = backends
        self.routes = routes
        self.limits = limits
        self.log = log
        self.upstream = upstream
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

    public init(host: String = "127.0.0.1", port: Int = 8080, eventLoops: Int? = nil, healthPath: String? = "/healthz",
                keepAliveTimeoutMilliseconds: Int = 60000, requestHeadTimeoutMilliseconds: Int = 10000,
                bodyIdleTimeoutMilliseconds: Int = 30000) {
        self.host = host
        self.port = port
        self.eventLoops = eventLoops
        self.healthPath = healthPath
        self.keepAliveTimeoutMilliseconds = keepAliveTimeoutMilliseconds
        self.requestHeadTimeoutMilliseconds = requestHeadTimeoutMilliseconds
        self.bodyIdleTimeoutMilliseconds = bodyIdleTimeoutMilliseconds
    }
}

/// `api`: the OAuth2 resource server settings for the one logical API.
public struct APIConfig: Sendable, Equatable {
    /// `api.issuer`: the exact `iss` value tokens must carry (RFC 9068 §4). Required.
    public var issuer: String
    /// `api.audience`: the value `aud` must equal or contain (RFC 9068 §4). Required.
    public var audience: String
    /// `api.jwks`: where the issuer's verification keys come from. Required.
    public var jwks: JWKSSource
    /// `api.algorithms`: JWS `alg` values accepted (RFC 8725 §3.1). Default `["RS256"]`.
    public var algorithms: [JWSAlgorithm]
    /// `api.scope_claims`: claims whose values are unioned into the granted scopes.
    /// A string value is split on spaces (RFC 8693 §4.2 `scope`); an array contributes its strings.
    /// Default `["scope", "permissions"]`.
    public var scopeClaims: [String]
    /// `api.clock_skew_seconds`: leeway applied to `exp` and `nbf`, in seconds, 0...600. Default 60.
    public var clockSkewSeconds: Int
    /// `api.realm`: the `realm` in `WWW-Authenticate: Bearer` challenges (RFC 6750 §3). Default `"scopegate"`.
    public var realm: String

    public init(
        issuer: String,
        audience: String,
        jwks: JWKSSource,
        algorithms: [JWSAlgorithm] = [.rs256],
        scopeClaims: [String] = ["scope", "permissions"],
        clockSkewSeconds: Int = 60,
        realm: String = "scopegate"
    ) {
        self.issuer = issuer
        self.audience = audience
        self.jwks = jwks
        self.algorithms = algorithms
        self.scopeClaims = scopeClaims
        self.clockSkewSeconds = clockSkewSeconds
        self.realm = realm
    }
}

/// `api.jwks`: a source of verification keys (a JWK Set, RFC 7517 §5).
public enum JWKSSource: Sendable, Equatable {
    /// `{"file": "path"}`: a local JWKS file, read once at start-up. A relative path is
    /// resolved against the directory of `gateway.json`.
    case file(path: String)
}

/// A JWS algorithm the gateway can verify (RFC 7518 §3.1, RFC 8037 §3.1).
///
/// `none` and the HMAC family are deliberately absent: an asymmetric issuer's public
/// key must never become an HMAC secret (RFC 8725 §2.1, §3.1).
public enum JWSAlgorithm: String, Sendable, CaseIterable, Codable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"
    case eddsa = "EdDSA"

    /// The JWK `kty` a key must have to be used with this algorithm (RFC 7518 §6.1, RFC 8037 §2).
    public var keyType: String {
        switch self {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: return "RSA"
        case .es256, .es384, .es512: return "EC"
        case .eddsa: return "OKP"
        }
    }

    /// For EC and OKP keys, the JWK `crv` the key must have; `nil` for RSA.
    public var curve: String? {
        switch self {
        case .es256: return "P-256"
        case .es384: return "P-384"
        case .es512: return "P-521"
        case .eddsa: return "Ed25519"
        default: return nil
        }
    }
}

/// `backends.<name>`: one upstream service.
public struct BackendConfig: Sendable, Equatable {
    /// The key under `backends`.
    public var name: String
    /// `backends.<name>.url`: `http://host[:port]` or `https://host[:port]`, no path, query or userinfo.
    public var url: String
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

    public init(name: String, url: String, connectTimeoutMilliseconds: Int = 2000, timeoutMilliseconds: Int = 30000,
                responseHeaderTimeoutMilliseconds: Int = 30000, idleTimeoutMilliseconds: Int = 60000) {
        self.name = name
        self.url = url
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.responseHeaderTimeoutMilliseconds = responseHeaderTimeoutMilliseconds
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
    }
}

/// `routes[i]`: a path prefix, its backend and what each method requires.
public struct RouteConfig: Sendable, Equatable {
    /// `routes[i].prefix`: a normalised absolute path (`/calendar`); matched on whole segments.
    public var prefix: String
    /// `routes[i].backend`: a key of `backends`.
    public var backend: String
    /// `routes[i].methods`: method token (upper case, e.g. `GET`) to its rule; the key `*`
    /// covers every method not listed by name.
    public var methods: [String: MethodRule]

    public init(prefix: String, backend: String, methods: [String: MethodRule]) {
        self.prefix = prefix
        self.backend = backend
        self.methods = methods
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

    public init(denials: Destination = .standardError) {
        self.denials = denials
    }
}

/// `upstream`: the libcurl engine.
public struct UpstreamEngineConfig: Sendable, Equatable {
    /// `upstream.threads`: curl multi loops, each on its own thread. Default 1.
    public var threads: Int
    /// `upstream.max_connections_per_backend`: cap on open connections to one host. Default 64.
    public var maxConnectionsPerBackend: Int

    public init(threads: Int = 1, maxConnectionsPerBackend: Int = 64) {
        self.threads = threads
        self.maxConnectionsPerBackend = maxConnectionsPerBackend
    }
}
