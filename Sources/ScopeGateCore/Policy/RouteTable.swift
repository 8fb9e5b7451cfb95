/// Finds the route for a normalised path: the most specific prefix that matches on whole segments.
///
/// `/calendar` matches `/calendar`, `/calendar/` and `/calendar/x`, never `/calendarx`;
/// `/` matches every path. A prefix may have template variables (`/users/{id}/keys`, one whole
/// segment each); which route wins when several match is ``PathTemplate``'s specificity: more
/// segments, then a literal where the other has a variable.
///
/// Literal prefixes are looked up by walking the path's own prefixes from longest to shortest,
/// one hash lookup each, so the cost grows with the path's depth, not the route count; a table
/// without templates does only that. Templated routes are in a ``TemplateTrie``, tried beside
/// it: the deeper of the two matches wins, and at equal depth the literal one (a literal prefix
/// is at least as specific in every segment as any template with as many segments).
public struct RouteTable: Sendable {
    /// Literal prefixes. Keyed by `Substring` so that a lookup with a slice of the path allocates nothing.
    private let routesByPrefix: [Substring: Route]
    /// The same routes keyed by their prefix in ASCII lower case, for ``caseVariant(of:matched:)``.
    private let routesByFoldedPrefix: [Substring: Route]
    /// Templated routes; `nil` when there is none.
    private let templates: TemplateTrie?
    /// The same with literal segments in ASCII lower case.
    private let foldedTemplates: TemplateTrie?
    private let anyPrefixHasUpperCase: Bool
    /// The API-wide CORS (`cors`), for requests no route matched; `nil` when not configured.
    public let cors: CORSPolicy?
    /// Whether some route's CORS is handled by the gateway.
    public let hasRouteCORS: Bool

    /// Builds the table from a validated config (every route's backend exists, no two prefixes
    /// have the same shape, no two templates are ambiguous).
    public init(config: GatewayConfig) {
        var table: [Substring: Route] = [:]
        var folded: [Substring: Route] = [:]
        var templated: [Route] = []
        var all: [Route] = []
        let requestIDHeader = config.forwarding.requestIDHeader
        let apiCORS = config.cors.map { CORSPolicy($0, requestIDHeader: requestIDHeader) }
        for route in config.routes {
            guard let backend = config.backends[route.backend] else { continue }
            let cors: RouteCORSPolicy
            switch route.cors {
            case .inherit: cors = apiCORS.map { .gateway($0) } ?? .none
            case .custom(let settings): cors = .gateway(CORSPolicy(settings, requestIDHeader: requestIDHeader))
            case .backend: cors = .backend
            case .off: cors = .off
            }
            let built = Route(route, backend: backend, cors: cors)
            all.append(built)
            if built.template.hasVariables {
                templated.append(built)
            } else {
                table[Substring(route.prefix)] = built
                folded[Substring(Self.fold(route.prefix))] = built
            }
        }
        self.routesByPrefix = table
        self.routesByFoldedPrefix = folded
        self.templates = templated.isEmpty ? nil : TemplateTrie(templated, fold: false)
        self.foldedTemplates = templated.isEmpty ? nil : TemplateTrie(templated, fold: true)
        self.anyPrefixHasUpperCase = all.contains { route in
            route.template.segments.contains { if case .literal(let text) = $0 { text.utf8.contains(where: Self.isUpper) } else { false } }
        }
        self.cors = apiCORS
        self.hasRouteCORS = all.contains { if case .gateway = $0.cors { true } else { false } }
    }

    /// The matching route for `path` (already normalised by ``RequestTarget``), or `nil`.
    public func match(path: String) -> Route? {
        let literal = Self.longestMatch(path, in: routesByPrefix)
        guard let templates else { return literal }
        return Self.preferred(literal, templates.match(path))
    }

    /// A route whose prefix matches `path` when letter case is ignored in literal segments
    /// (template variables match any segment either way) and that is more specific than the
    /// exact match `matched` (or there is none), or as specific but not comparable with it:
    /// e.g. `/ADMIN/users` against a protected `/admin` and a public `/`, or `/Users/me`
    /// against `/users/me` and `/{tenant}/me`. Paths are case-sensitive (RFC 3986 §6.2.2.1),
    /// but a backend that ignores case would serve the protected route, so such a request must
    /// not be decided by the less specific route's rule. `nil` when there is no such route
    /// (`matched` itself, or a route that differs from it only in letter case, is none).
    public func caseVariant(of path: String, matched: Route?) -> Route? {
        guard anyPrefixHasUpperCase || path.utf8.contains(where: Self.isUpper) else { return nil }
        let foldedPath = Self.fold(path)
        var folded = Self.longestMatch(foldedPath, in: routesByFoldedPrefix)
        if let foldedTemplates { folded = Self.preferred(folded, foldedTemplates.match(foldedPath)) }
        guard let folded else { return nil }
        if let matched, matched.template.takesPrecedence(over: folded.template) { return nil }
        return folded
    }

    /// Of a literal and a templated match of the same path, the one that decides it: the
    /// deeper one, and at equal depth the literal one.
    private static func preferred(_ literal: Route?, _ templated: Route?) -> Route? {
        guard let templated else { return literal }
        guard let literal else { return templated }
        return templated.template.segments.count > literal.template.segments.count ? templated : literal
    }

    private static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }

    static func fold(_ text: String) -> String {
        String(decoding: text.utf8.map { isUpper($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// Tries `path` itself, then each shorter prefix ending before a `/`, then `/`. Works on
    /// UTF-8 indices (a `/` is always a character boundary) and looks up slices of `path`.
    private static func longestMatch(_ path: String, in routesByPrefix: [Substring: Route]) -> Route? {
        let slash = UInt8(ascii: "/")
        var candidate = Substring(path)
        if candidate.utf8.count > 1, candidate.utf8.last == slash { candidate = candidate[..<candidate.utf8.index(before: candidate.endIndex)] }
        while true {
            if let route = routesByPrefix[candidate] { return route }
            guard let cut = candidate.utf8.lastIndex(of: slash) else { return nil }
            if cut == candidate.startIndex {
                return candidate.utf8.count == 1 ? nil : routesByPrefix["/"]
            }
            candidate = candidate[..<cut]
        }
    }
}
