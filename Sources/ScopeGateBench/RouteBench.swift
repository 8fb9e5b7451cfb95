import ScopeGateCore

/// `routes`: route lookup for one normalised path, as ``AccessPolicy/decide(_:now:)`` does it:
/// ``RouteTable/match(path:)`` (longest whole-segment prefix), then
/// ``RouteTable/caseVariant(of:matched:)`` (a longer route that matches when case is ignored).
/// Table: ``BenchGateway`` (50 routes). One operation is one path; figures in ns per path.
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

    static func run(seconds: Double) {
        let table = RouteTable(config: BenchGateway.config(api: BenchTokens.api(.rs256, cache: .init())))
        Report.section("routes: RouteTable.match + caseVariant per normalised path, 50 routes (ns per path)")
        for (label, paths) in [("deep hit (6-8 segments, 4 paths)", deep), ("shallow hit (1-3 segments, 5 paths)", shallow),
                               ("no route (6 paths, 1 case variant)", none), ("mix of the 15 paths", deep + shallow + none)] {
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
