import ScopeGateCore

/// `routes`: route lookup for one normalised path, as ``AccessPolicy/decide(_:now:)`` does it:
/// ``RouteTable/match(path:)`` (longest whole-segment prefix), then
/// ``RouteTable/caseVariant(of:matched:)`` (a longer route that matches when case is ignored).
/// Table: ``BenchGateway`` (50 routes), then the same with ``templatedRouteCount`` templated
/// routes beside them. One operation is one path; figures in ns per path.
enum RouteBench {
    /// Normalised paths and the prefix they must match (`nil`: no route, 404).
    static let deep: [(String, String?)] = [
        ("/api/v1/appointments/export/csv/2026/11/week-48", "/api/v1/appointments/export/csv"),
        ("/api/v2/calendar/batch/7f3a/items/12", "/api/v2/calendar/batch"),
        ("/admin/users/roles/42/grants/read", "/admin/users/roles"),
        ("/api/v1/patients/search/by-name/smith/page/2", "/api/v1/patients/search"),
    ]
    static let shallow: [(String, String?)] = [
        ("/api/v1/billing", "/api/v1/billing"), ("/admin", "/admin"), ("/public/docs/", "/public/docs"),
        ("/static/app.js", "/static"), ("/feeds/ics", "/feeds"),
    ]
    /// Includes `/Admin/users/1`: no exact match, but a case variant of `/admin/users` (also a 404).
    static let none: [(String, String?)] = [
        ("/", nil), ("/favicon.ico", nil), ("/api/v3/appointments/17", nil), ("/api/v1/unknown/a/b/c", nil),
        ("/wp-login.php", nil), ("/Admin/users/1", nil),
    ]

    /// With ``templatedRouteCount`` templated routes beside the 50 literal ones (as an OpenAPI
    /// import would add): `/api/v3/r{k}/{id}` and `/api/v3/r{k}/{id}/items/{item}`.
    static let templatedRouteCount = 400
    static let templated: [(String, String?)] = [
        ("/api/v3/r17/8c1f/items/3", "/api/v3/r17/{id}/items/{item}"),
        ("/api/v3/r199/42", "/api/v3/r199/{id}"),
        ("/api/v3/r5/42/other", "/api/v3/r5/{id}"),
        ("/api/v1/appointments/export/csv/2026/11/week-48", "/api/v1/appointments/export/csv"),
        ("/api/v3/unknown/1", nil),
    ]

    static func templatedConfig() -> GatewayConfig {
        var config = BenchGateway.config(api: BenchTokens.api(.rs256, cache: .init()))
        let backend = config.routes[0].backend
        for index in 0..<(templatedRouteCount / 2) {
            config.routes.append(RouteConfig(prefix: "/api/v3/r\(index)/{id}", backend: backend, methods: ["GET": .public]))
            config.routes.append(RouteConfig(prefix: "/api/v3/r\(index)/{id}/items/{item}", backend: backend, methods: ["GET": .public]))
        }
        return config
    }

    static func run(seconds: Double) {
        measure(RouteTable(config: BenchGateway.config(api: BenchTokens.api(.rs256, cache: .init()))),
                section: "routes: RouteTable.match + caseVariant per normalised path, 50 routes (ns per path)",
                lines: [("deep hit (6-8 segments, 4 paths)", deep), ("shallow hit (1-3 segments, 5 paths)", shallow),
                        ("no route (6 paths, 1 case variant)", none), ("mix of the 15 paths", deep + shallow + none)],
                seconds: seconds)
        measure(RouteTable(config: templatedConfig()),
                section: "routes: the same with \(templatedRouteCount) templated routes beside the 50 (ns per path)",
                lines: [("templated and literal hits, a miss (5 paths)", templated), ("mix of the 15 literal paths", deep + shallow + none)],
                seconds: seconds)
    }

    private static func measure(_ table: RouteTable, section: String, lines: [(String, [(String, String?)])], seconds: Double) {
        Report.section(section)
        for (label, paths) in lines {
            for (path, expected) in paths {
                let matched = table.match(path: path)
                let found = table.caseVariant(of: path, matched: matched) == nil ? matched?.prefix : nil
                precondition(found == expected, "route for \(path): \(found ?? "none"), expected \(expected ?? "none")")
            }
            let inputs = paths.map(\.0)
            Report.row(label, Timing.measure(opsPerRound: inputs.count, seconds: seconds) { rounds in
                for _ in 0..<rounds {
                    for path in inputs {
                        let matched = table.match(path: path)
                        blackHole(matched)
                        blackHole(table.caseVariant(of: path, matched: matched))
                    }
                }
            })
        }
    }
}
