import ScopeGateCore
import ScopeGateDemo

/// `decide`: the whole access decision the server makes per request,
/// ``AccessPolicy/decide(_:now:)`` on an ``AccessRequest`` (target check and normalisation,
/// route, method rule, bearer token from `Authorization`, verification, scopes), with the
/// verification cache on and the token already in it (warm), as for a client's second and
/// later requests. Table: ``BenchGateway`` (50 routes); token: RS256, one issuer.
/// Not included: HTTP parsing, `Host` and framing checks, the health path, logging and
/// forwarding. One operation is one request; figures in ns per request.
enum DecideBench {
    static func run(seconds: Double) async throws {
        let key = try DemoKeyPair.rsa(keyID: "bench-rs256")
        let token = try await BenchTokens.mint(key, count: 1)[0]
        let verifier = try await BenchTokens.verifier(for: key, cache: .init(maxEntries: 10_000, ttlSeconds: 300))
        let policy = AccessPolicy(config: BenchGateway.config(api: verifier.api), verifier: verifier)
        let bearer = ["Bearer " + token]
        // The token grants read:appointments, write:appointments and admin:appointments.
        let cases: [(label: String, status: Int, request: AccessRequest)] = [
            ("allow: GET, scopes checked (warm token)", 200,
             AccessRequest(method: "GET", target: "/api/v1/appointments/123?fields=id,start", tokenHeaderValues: bearer)),
            ("allow: GET, any-of scopes, deep path", 200,
             AccessRequest(method: "GET", target: "/api/v1/appointments/export/csv/2026/11", tokenHeaderValues: bearer)),
            ("allow: GET on a public route (no token)", 200,
             AccessRequest(method: "GET", target: "/public/docs/getting-started", tokenHeaderValues: [])),
            ("deny 403 insufficient_scope (warm token)", 403,
             AccessRequest(method: "GET", target: "/api/v1/billing/invoices/9", tokenHeaderValues: bearer)),
            ("deny 401 missing token", 401,
             AccessRequest(method: "GET", target: "/api/v1/appointments/123", tokenHeaderValues: [])),
            ("deny 404 no route", 404,
             AccessRequest(method: "GET", target: "/api/v3/appointments/123", tokenHeaderValues: bearer)),
            ("deny 400 invalid target", 400,
             AccessRequest(method: "GET", target: "/api/v1/documents/..%2Fsecret", tokenHeaderValues: bearer)),
        ]
        let now = BenchTokens.now
        for (_, status, request) in cases {   // also fills the cache with the token
            guard case .decided(let decision) = policy.decide(request, now: now) else {
                preconditionFailure("\(request.target): waits for keys; the bench's keys are static")
            }
            precondition(decision.status == status, "\(request.target): \(decision.status), expected \(status)")
        }
        let missesBefore = verifier.cache?.statistics.misses
        Report.section("decide: AccessPolicy.decide per request, warm cached RS256 token, 50 routes (ns per request)")
        for (label, _, request) in cases {
            Report.row(label, Timing.measure(opsPerRound: 1, seconds: seconds) { rounds in
                for _ in 0..<rounds { blackHole(policy.decide(request, now: now)) }
            })
        }
        let mixed = cases.map(\.request)
        Report.row("mix of the 7 requests", Timing.measure(opsPerRound: mixed.count, seconds: seconds) { rounds in
            for _ in 0..<rounds {
                for request in mixed { blackHole(policy.decide(request, now: now)) }
            }
        })
        precondition(verifier.cache?.statistics.misses == missesBefore, "the token left the cache: the figures are not warm")
    }
}
