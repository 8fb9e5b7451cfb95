/// `cors` (and `routes[i].cors`): which browser origins may call the API, and how (the CORS
/// protocol of the WHATWG Fetch standard, §3.2).
///
/// The gateway answers preflights itself and adds the `Access-Control-*` response headers to
/// every answer for an allowed origin: forwarded responses and its own 401, 403, 404, 502, ...
/// alike, so that a single-page app can read a denial and its `WWW-Authenticate`.
public struct CORSConfig: Sendable, Equatable {
    /// `allowed_origins`: who may call. Required, at least one.
    public var allowedOrigins: [OriginPattern]
    /// `allowed_methods`: the methods a preflight may ask for; `nil` (the default): the
    /// route's own configured methods (any method for a route with `*`).
    public var allowedMethods: [String]?
    /// `allowed_headers`: request headers a preflight may ask for, compared case-insensitively.
    /// Default `["Authorization", "Content-Type"]` and the request ID header.
    public var allowedHeaders: [String]?
    /// `exposed_headers`: response headers the page may read beyond the CORS-safelisted ones.
    /// Default `["WWW-Authenticate"]` and the request ID header.
    public var exposedHeaders: [String]?
    /// `max_age_seconds`: how long a browser may cache a preflight's answer, 0...86400. Default 600.
    public var maxAgeSeconds: Int
    /// `allow_credentials`: whether pages may send cookies or HTTP authentication
    /// (`credentials: "include"`); never with a `*` origin. Default `false` (a bearer token in
    /// `Authorization` needs no credentials mode).
    public var allowCredentials: Bool

    public init(allowedOrigins: [OriginPattern], allowedMethods: [String]? = nil, allowedHeaders: [String]? = nil,
                exposedHeaders: [String]? = nil, maxAgeSeconds: Int = 600, allowCredentials: Bool = false) {
        self.allowedOrigins = allowedOrigins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.exposedHeaders = exposedHeaders
        self.maxAgeSeconds = maxAgeSeconds
        self.allowCredentials = allowCredentials
    }
}

/// `routes[i].cors`: how one route departs from the API's `cors`.
public enum RouteCORS: Sendable, Equatable {
    /// Absent: the API's `cors`, if any.
    case inherit
    /// An object: the API's `cors` with these members replaced (or, without an API-wide
    /// `cors`, these settings alone).
    case custom(CORSConfig)
    /// `"backend"`: the backend handles CORS itself: preflights are decided and forwarded as
    /// any `OPTIONS` request of the route, and its `Access-Control-*` headers pass unchanged.
    case backend
    /// `false`: no CORS for this route: no preflight answer, no `Access-Control-*` header.
    case off
}
