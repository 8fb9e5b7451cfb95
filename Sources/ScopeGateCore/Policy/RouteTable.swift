/// Finds the route for a normalised path: the longest prefix that matches on whole segments.
///
/// `/calendar` matches `/calendar`, `/calendar/` and `/calendar/x`, never `/calendarx`;
/// `/` matches every path. Lookup walks the path's own prefixes from longest to shortest,
/// one hash lookup each, so its cost grows with the path's depth, not the route count.
public struct RouteTable: Sendable {
    /// Keyed by `Substring` so that a lookup with a slice of the path allocates nothing.
    private let routesByPrefix: [Substring: Route]
    /// The same routes keyed by their prefix in ASCII lower case, for ``caseVariant(of:matched:)``.
    private let routesByFoldedPrefix: [Substring: Route]
    private let anyPrefixHasUpperCase: Bool
    /// The API-wide CORS (`cors`), for requests no route matched; `nil` when not configured.
    public let cors: CORSPolicy?
    /// Whether some route's CORS is handled by the gateway.
    public let hasRouteCORS: Bool

    /// Builds the table from a validated config (every route's backend exists).
    public init(config: GatewayConfig) {
        var table: [Substring: Route] = [:]
        var folded: [Substring: Route] = [:]
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
            table[Substring(route.prefix)] = Route(route, backend: backend, cors: cors)
            folded[Substring(Self.fold(route.prefix))] = table[Substring(route.prefix)]
        }
        self.routesByPrefix = table
        self.routesByFoldedPrefix = folded
        self.anyPrefixHasUpperCase = config.routes.contains { $0.prefix.utf8.contains(where: Self.isUpper) }
        self.cors = apiCORS
        self.hasRouteCORS = table.values.contains { if case .gateway = $0.cors { true } else { false } }
    }

    /// The matching route for `path` (already normalised by ``RequestTarget``), or `nil`.
    public func match(path: String) -> Route? {
        Self.longestMatch(path, in: routesByPrefix)
    }

    /// A route whose prefix matches `path` when letter case is ignored and that is longer
    /// than the exact match `matched` (or there is none): e.g. `/ADMIN/users` against a
    /// protected `/admin` and a public `/`. Paths are case-sensitive (RFC 3986 §6.2.2.1), but
    /// a backend that ignores case would serve the protected route, so such a request must
    /// not be decided by the shorter route's rule. `nil` when there is no such route.
    public func caseVariant(of path: String, matched: Route?) -> Route? {
        guard anyPrefixHasUpperCase || path.utf8.contains(where: Self.isUpper) else { return nil }
        guard let folded = Self.longestMatch(Self.fold(path), in: routesByFoldedPrefix) else { return nil }
        guard folded.prefix.utf8.count > (matched?.prefix.utf8.count ?? -1), folded.prefix != matched?.prefix else { return nil }
        return folded
    }

    private static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }

    private static func fold(_ text: String) -> String {
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
