/// A route ready for matching: its prefix, its backend and what each method requires.
public struct Route: Sendable, Equatable {
    /// Normalised path prefix as configured, e.g. `/calendar` or `/users/{id}/keys` (matched on
    /// whole segments); the route's name in logs and metrics.
    public let prefix: String
    /// ``prefix`` as segments, literal or variable.
    public let template: PathTemplate
    /// The backend allowed requests go to.
    public let backend: BackendConfig
    /// Method token (e.g. `GET`) to its rule; `*` covers every other method.
    public let methods: [String: MethodRule]
    /// The configured methods, sorted, for the `Allow` header of a 405 (RFC 9110 §10.2.1).
    public let allowedMethods: [String]
    /// What replaces `prefix` in the forwarded path (`nil`: unchanged). See ``RouteConfig/upstreamPrefix``.
    public let upstreamPrefix: String?
    /// Whether the client's token header is passed on (never on `public` methods).
    public let forwardAuthorization: Bool
    /// Whether the client's `Host` is sent instead of the backend's authority.
    public let preserveHost: Bool
    /// How the route handles CORS (`cors`, `routes[i].cors`).
    public let cors: RouteCORSPolicy
    /// `routes[i].enforce`: the route's default ``Enforcement``.
    public let enforcement: Enforcement
    /// `routes[i].methods.<METHOD>.enforce`, where given.
    private let methodEnforcement: [String: Enforcement]

    /// The path the backend receives for the normalised `path` this route matched: the path's
    /// first segments, as many as the prefix has, replaced by ``upstreamPrefix`` on a
    /// whole-segment boundary (`/calendar/x` with `/calendar` -> `/v1` gives `/v1/x`; stripped,
    /// `/x`; `/users/7/keys/k1` with `/users/{id}/keys` -> `/api/keys` gives `/api/keys/k1`).
    public func upstreamPath(for path: String) -> String {
        guard let upstreamPrefix else { return path }
        let rest = String(Self.remainder(of: path, after: template.segments.count))   // "" or "/..."
        if upstreamPrefix == "/" { return rest.isEmpty ? "/" : rest }
        return upstreamPrefix + rest
    }

    /// `path` from the `/` that ends its first `count` segments (or its end): `""` or `/...`.
    /// Never traps: a path with fewer segments gives `""`.
    static func remainder(of path: String, after count: Int) -> Substring {
        let slash = UInt8(ascii: "/")
        let utf8 = path.utf8
        var index = utf8.startIndex
        for _ in 0..<count {
            guard index < utf8.endIndex else { break }
            index = utf8[utf8.index(after: index)...].firstIndex(of: slash) ?? utf8.endIndex
        }
        return path[index...]
    }

    /// The rule for `method`: its own entry; for `HEAD` without one, `GET`'s (a HEAD is a GET
    /// without the body, RFC 9110 §9.3.2); else the `*` entry; else `nil` (405).
    public func rule(for method: String) -> MethodRule? {
        if let rule = methods[method] { return rule }
        if method == "HEAD", let rule = methods["GET"] { return rule }
        return methods["*"]
    }

    /// Whether `method`'s rule is enforced or shadowed: the `enforce` of the entry
    /// ``rule(for:)`` takes (its own, `GET`'s for a `HEAD`, or `*`'s), else the route's.
    /// A method without a rule (405) takes the route's.
    public func enforcement(for method: String) -> Enforcement {
        guard !methodEnforcement.isEmpty else { return enforcement }
        let key: String
        if methods[method] != nil { key = method }
        else if method == "HEAD", methods["GET"] != nil { key = "GET" }
        else { key = "*" }
        return methodEnforcement[key] ?? enforcement
    }

    public init(_ config: RouteConfig, backend: BackendConfig, cors: RouteCORSPolicy = .none) {
        self.prefix = config.prefix
        self.template = PathTemplate(config.prefix)
        self.backend = backend
        self.methods = config.methods
        var allowed = Set(config.methods.keys.filter { $0 != "*" })
        if allowed.contains("GET") { allowed.insert("HEAD") }
        self.allowedMethods = allowed.sorted()
        self.upstreamPrefix = config.upstreamPrefix
        self.forwardAuthorization = config.forwardAuthorization
        self.preserveHost = config.preserveHost
        self.cors = cors
        self.enforcement = config.enforcement
        self.methodEnforcement = config.methodEnforcement
    }
}
