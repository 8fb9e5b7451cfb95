import ScopeGateCore

/// `paths`: checking and normalising one raw request target with ``RequestTarget/parse(_:)``
/// (form check, query check, then the path normaliser: escapes, `//`, dot segments), the first
/// step of every decision. One operation is one target; figures in ns per target.
enum PathBench {
    /// Raw targets and the normalised path each must give (`nil`: rejected, 400).
    static let clean: [(String, String?)] = [
        ("/api/v1/appointments/123", "/api/v1/appointments/123"),
        ("/api/v1/calendar/feeds/ics?from=2026-01-01&to=2026-02-01", "/api/v1/calendar/feeds/ics"),
        ("/admin/users/42/roles", "/admin/users/42/roles"),
        ("/static/js/app.3f9a2c.js", "/static/js/app.3f9a2c.js"),
        ("/", "/"),
    ]
    static let rewritten: [(String, String?)] = [
        ("/api/v1/./appointments/../calendar/feeds", "/api/v1/calendar/feeds"),
        ("/api//v1///appointments/", "/api/v1/appointments/"),
        ("/api/v1/documents/%7Ealice/report%20q4.pdf", "/api/v1/documents/~alice/report%20q4.pdf"),
        ("/api/v1/%61ppointments/%2e%2E/calendar", "/api/v1/calendar"),
        ("http://gateway.example:8080/api/v1/appointments/7?fields=id,start", "/api/v1/appointments/7"),
    ]
    static let rejected: [(String, String?)] = [
        ("/api/v1/documents/..%2F..%2Fetc%2Fpasswd", nil), ("/api/v1/appointments;jsessionid=1", nil),
        ("/api/v1/documents/a\\b", nil), ("/api/v1/%zz", nil), ("*", nil), ("/api/v1/appointments#top", nil),
        ("/api/v1/caf\u{E9}", nil),
    ]

    static func run(seconds: Double) {
        Report.section("paths: RequestTarget.parse per raw target (ns per target)")
        for (label, targets) in [("clean (5 targets, 1 with query)", clean), ("dot segments, //, escapes (5 targets)", rewritten),
                                 ("rejected (7 targets)", rejected), ("mix of the 17 targets", clean + rewritten + rejected)] {
            for (raw, expected) in targets {
                let path = try? RequestTarget.parse(raw).get().path
                precondition(path == expected, "target \(raw): \(path ?? "rejected"), expected \(expected ?? "rejected")")
            }
            let inputs = targets.map(\.0)
            Report.row(label, Timing.measure(opsPerRound: inputs.count, seconds: seconds) { rounds in
                for _ in 0..<rounds {
                    for raw in inputs { blackHole(RequestTarget.parse(raw)) }
                }
            })
        }
    }
}
