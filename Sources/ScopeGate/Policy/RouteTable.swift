/// Finds the route for a normalised path: the longest prefix that matches on whole segments.
///
/// `/calendar` matches `/calendar`, `/calendar/` and `/calendar/x`, never `/calendarx`;
/// `/` matches every path. Lookup walks the path's own prefixes from longest to shortest,
/// one hash lookup each, so its cost grows with the path's depth, not the route count.
public struct RouteTable: Sendable {
    private let routesByPrefix: [String: Route]

    /// Builds the table from a validated config (every route's backend exists).
    public init(config: GatewayConfig) {
        var table: [String: Route] = [:]
        for route in config.routes {
            guard let backend = config.backends[route.backend] else { continue }
            table[route.prefix] = Route(route, backend: backend)
        }
        self.routesByPrefix = table
    }

    /// The matching route for `path` (already normalised by ``RequestTarget``), or `nil`.
    public func match(path: String) -> Route? {
        var candidate = Substring(path)
        if candidate.count > 1, candidate.hasSuffix("/") { candidate = candidate.dropLast() }
        while true {
            if let route = routesByPrefix[String(candidate)] { return route }
            guard let slash = candidate.lastIndex(of: "/") else { return nil }
            if slash == candidate.startIndex {
                return candidate == "/" ? nil : routesByPrefix["/"]
            }
            candidate = candidate[..<slash]
        }
    }
}
