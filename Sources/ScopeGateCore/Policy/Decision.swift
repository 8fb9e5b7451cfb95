/// What the gateway does with one request: forward it, or deny it.
///
/// Produced by ``AccessPolicy/decide(_:now:)`` (or, after a wait for keys,
/// ``AccessPolicy/resume(_:now:)``), the one decision shared by `scopegate serve` and
/// `scopegate explain`.
public enum Decision: Sendable {
    case allow(Allowance)
    case deny(Denial)
    /// An allowed CORS preflight, answered by the gateway itself with 204.
    case preflight(Preflight)
    /// A `GET` or `HEAD` of the protected resource metadata (RFC 9728 §3), answered by the
    /// gateway itself with 200 and the document rendered for the configuration; never forwarded.
    case resourceMetadata(ResourceMetadata)

    /// The HTTP status the client gets before any upstream is involved (200 stands for "forwarded").
    public var status: Int {
        switch self {
        case .allow: return 200
        case .deny(let denial): return denial.status
        case .preflight: return 204
        case .resourceMetadata: return 200
        }
    }
}

/// An allowed CORS preflight (WHATWG Fetch §3.2.2): answered 204 with `headers`, never forwarded.
public struct Preflight: Sendable {
    /// The matched route.
    public var route: Route
    /// The normalised path.
    public var path: String
    /// `Access-Control-Allow-*`, `Access-Control-Max-Age` and `Vary`.
    public var headers: [ResponseHeader]
}

/// An allowed request: where it goes and on whose authority.
public struct Allowance: Sendable {
    /// The matched route.
    public var route: Route
    /// The normalised target to forward.
    public var target: RequestTarget
    /// The verified token, or `nil` on a public method.
    public var token: VerifiedToken?
    /// What the route required for this method; `nil` on a public method.
    public var requirement: ScopeRequirement?
    /// The headers the backend gets for the token (`forwarding.claim_headers`), in
    /// ``ClaimHeaderMapping`` order, each a valid field value (RFC 9110 §5.5): what was allowed
    /// is what is forwarded. Empty on a public method.
    public var claimHeaders: [ClaimHeader] = []
    /// CORS headers for the response (see ``CORSPolicy``); empty when the route has no CORS.
    public var corsHeaders: [ResponseHeader] = []
    /// On a route or method in shadow mode (``Enforcement/shadow``): the denial the rule would
    /// have given (401, 403, 405 or 503), logged as `would_deny` and counted; the request is
    /// forwarded anyway. `nil` when the rule allows the request.
    public var wouldDeny: Denial?

    /// Whether the client's token header goes to the backend: when the route forwards it
    /// (`forward_authorization`) and the method is not public: with a token that verified, or
    /// on a shadowed denial, where the backend gets the request as it would without the
    /// gateway (its own check of the token is what the API relies on until the rule is enforced).
    public var forwardsTokenHeader: Bool {
        route.forwardAuthorization && (token != nil || wouldDeny != nil)
    }

    /// Whether the backend's `Access-Control-*` response headers are replaced by
    /// ``corsHeaders``: the gateway handles CORS for the route, or the route has it off.
    public var replacesBackendCORS: Bool {
        switch route.cors {
        case .gateway, .off: return true
        case .none, .backend: return false
        }
    }

    /// The first (usually only) alternative of the requirement; empty when public or any token.
    public var requiredScopes: [String] { requirement?.alternatives[0] ?? [] }

    /// What follows the instance's `scheme://host[:port]` in the upstream URL: the normalised
    /// path (with the route's prefix replaced when it strips or rewrites it) and the query.
    public var upstreamPathAndQuery: String {
        let path = route.upstreamPath(for: target.path)
        return target.query.map { "\(path)?\($0)" } ?? path
    }

    /// The absolute upstream URL on the backend's first instance (what `explain` shows; the
    /// gateway picks an instance per attempt and appends ``upstreamPathAndQuery``).
    public var upstreamURL: String {
        route.backend.url + upstreamPathAndQuery
    }
}

/// A denied request: the status, the stable reason and what the log and the client are told.
public struct Denial: Sendable, Equatable {
    package init(status: Int, reason: ReasonCode, description: String, route: String? = nil, backend: String? = nil, path: String? = nil, requiredScopes: [String] = [], requirement: ScopeRequirement? = nil, token: VerifiedToken? = nil, allowedMethods: [String] = [], bearerError: String? = nil, challenges: Bool = false, corsHeaders: [ResponseHeader] = []) {
        self.status = status
        self.reason = reason
        self.description = description
        self.route = route
        self.backend = backend
        self.path = path
        self.requiredScopes = requiredScopes
        self.requirement = requirement
        self.token = token
        self.allowedMethods = allowedMethods
        self.bearerError = bearerError
        self.challenges = challenges
        self.corsHeaders = corsHeaders
    }

    /// 400, 401, 403, 404, 405, 408, 413, 431, 501 or 503.
    public var status: Int
    /// Stable reason code.
    public var reason: ReasonCode
    /// Short human explanation, safe for clients and logs (never contains a token or query).
    public var description: String
    /// The matched route's prefix, when a route matched.
    public var route: String?
    /// The backend of the matched route, when a route matched.
    public var backend: String?
    /// The normalised path, when the target was valid.
    public var path: String?
    /// Scopes the route requires for the method: for a 403 the alternative closest to what
    /// the token granted, else the first alternative.
    public var requiredScopes: [String] = []
    /// The whole requirement, when the route and method have one.
    public var requirement: ScopeRequirement?
    /// The token, when it verified (a 403 `insufficient_scope`).
    public var token: VerifiedToken?
    /// Scopes the token granted, when the token was valid.
    public var grantedScopes: [String] { token?.grantedScopes ?? [] }
    /// `sub` of a valid token.
    public var subject: String? { token?.subject }
    /// The client claim of a valid token (by default `client_id`, else `azp`).
    public var clientID: String? { token?.clientID }
    /// For 405: the route's methods, for the `Allow` header.
    public var allowedMethods: [String] = []
    /// For 400/401/403/503 on a protected route: the RFC 6750 §3 `error` code to put in
    /// `WWW-Authenticate` (`invalid_request`, `invalid_token`, `insufficient_scope`), or `nil`
    /// for a challenge without `error` (no credentials were presented).
    public var bearerError: String?
    /// Whether a `WWW-Authenticate: Bearer` challenge goes with this response.
    public var challenges: Bool = false
    /// CORS headers for the response, so that a page on an allowed origin can read the denial.
    public var corsHeaders: [ResponseHeader] = []
}
