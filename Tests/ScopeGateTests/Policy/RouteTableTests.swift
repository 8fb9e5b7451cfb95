import XCTest
@testable import ScopeGateCore

final class RouteTableTests: XCTestCase {
    private func table(_ prefixes: [String]) -> RouteTable {
        let backend = BackendConfig(name: "b", url: "http://127.0.0.1:1")
        let routes = prefixes.map { RouteConfig(prefix: $0, backend: "b", methods: ["GET": .public]) }
        let config = GatewayConfig(
            api: APIConfig(audience: "a", issuers: [IssuerConfig(issuer: "i", audiences: ["a"], jwks: .file(path: "k"))]),
            backends: ["b": backend], routes: routes)
        return RouteTable(config: config)
    }

    func testLongestWholeSegmentPrefixWins() {
        let routes = table(["/calendar", "/calendar/admin", "/appointments"])
        let cases: [(path: String, prefix: String?)] = [
            ("/calendar", "/calendar"),
            ("/calendar/", "/calendar"),
            ("/calendar/x", "/calendar"),
            ("/calendarx", nil),
            ("/calendar/admin", "/calendar/admin"),
            ("/calendar/admin/", "/calendar/admin"),
            ("/calendar/admin/users", "/calendar/admin"),
            ("/calendar/administrator", "/calendar"),
            ("/Calendar", nil),
            ("/appointments/1/notes", "/appointments"),
            ("/", nil),
            ("/other", nil),
        ]
        for testCase in cases {
            XCTAssertEqual(routes.match(path: testCase.path)?.prefix, testCase.prefix, testCase.path)
        }
    }

    func testRootRouteCatchesEverythingElse() {
        let routes = table(["/", "/calendar"])
        XCTAssertEqual(routes.match(path: "/")?.prefix, "/")
        XCTAssertEqual(routes.match(path: "/calendarx")?.prefix, "/")
        XCTAssertEqual(routes.match(path: "/calendar/x")?.prefix, "/calendar")
        XCTAssertEqual(routes.match(path: "/a/b/c")?.prefix, "/")
    }

    func testCaseVariantsOfALongerRouteAreFlagged() {
        let routes = table(["/", "/admin", "/Reports"])
        let cases: [(path: String, variant: String?)] = [
            ("/admin/x", nil),             // exact match is the longest anyway
            ("/ADMIN/x", "/admin"),        // exact match "/" is shorter than the case-folded "/admin"
            ("/Admin", "/admin"),
            ("/reports/q1", "/Reports"),
            ("/Reports/q1", nil),
            ("/other", nil),
            ("/OTHER", nil),               // no longer route hides behind it
        ]
        for testCase in cases {
            let matched = routes.match(path: testCase.path)
            XCTAssertEqual(routes.caseVariant(of: testCase.path, matched: matched)?.prefix, testCase.variant, testCase.path)
        }
    }

    // MARK: Path templates

    func testTemplateVariablesMatchOneWholeSegment() {
        let routes = table(["/users", "/users/{id}", "/users/me", "/users/{id}/keys", "/files/{name}"])
        let cases: [(path: String, prefix: String?)] = [
            ("/users", "/users"),
            ("/users/", "/users"),
            ("/users/7", "/users/{id}"),
            ("/users/7/", "/users/{id}"),
            ("/users/7/other", "/users/{id}"),           // a route covers everything below it
            ("/users/me", "/users/me"),                   // a literal beats a variable at equal depth
            ("/users/me/x", "/users/me"),
            ("/users/7/keys", "/users/{id}/keys"),
            ("/users/7/keys/k1", "/users/{id}/keys"),
            ("/users/me/keys", "/users/{id}/keys"),       // more segments beat a literal
            ("/users/7/keysx", "/users/{id}"),            // whole segments only
            ("/users/a%20b/keys", "/users/{id}/keys"),    // any bytes, escapes included
            ("/usersx/7", nil),
            ("/files", nil),                              // a variable needs a segment
            ("/files/", nil),
            ("/files/a.json", "/files/{name}"),
            ("/Users/7", nil),
            ("/", nil),
        ]
        for testCase in cases {
            XCTAssertEqual(routes.match(path: testCase.path)?.prefix, testCase.prefix, testCase.path)
        }
    }

    func testLeadingVariablesAndTheRootRoute() {
        let routes = table(["/", "/{tenant}", "/{tenant}/admin", "/public/admin", "/{tenant}/{section}/{item}"])
        let cases: [(path: String, prefix: String)] = [
            ("/", "/"),
            ("/acme", "/{tenant}"),
            ("/acme/x", "/{tenant}"),
            ("/acme/admin", "/{tenant}/admin"),
            ("/public/admin", "/public/admin"),
            ("/public/admin/x", "/{tenant}/{section}/{item}"),   // three segments beat two
            ("/acme/admin/x", "/{tenant}/{section}/{item}"),
            ("/a/b/c/d", "/{tenant}/{section}/{item}"),
        ]
        for testCase in cases {
            XCTAssertEqual(routes.match(path: testCase.path)?.prefix, testCase.prefix, testCase.path)
        }
    }

    func testCaseVariantsWithTemplatesFoldLiteralSegmentsOnly() {
        let routes = table(["/", "/users/{id}", "/users/{id}/Keys", "/Reports/{year}"])
        let cases: [(path: String, variant: String?)] = [
            ("/users/ALICE", nil),                    // a variable's segment is not folded: it matched exactly
            ("/users/7/Keys", nil),
            ("/users/7/keys", "/users/{id}/Keys"),    // exact match /users/{id} is less specific
            ("/USERS/7/KEYS/x", "/users/{id}/Keys"),  // exact match / is less specific
            ("/USERS/7", "/users/{id}"),
            ("/reports/2026", "/Reports/{year}"),
            ("/Reports/2026", nil),
            ("/other/THING", nil),
        ]
        for testCase in cases {
            let matched = routes.match(path: testCase.path)
            XCTAssertEqual(routes.caseVariant(of: testCase.path, matched: matched)?.prefix, testCase.variant, testCase.path)
        }
    }

    func testUpstreamPathReplacesAsManySegmentsAsTheTemplateHas() {
        let backend = BackendConfig(name: "b", url: "http://127.0.0.1:1")
        func route(_ prefix: String, _ upstream: String?) -> Route {
            Route(RouteConfig(prefix: prefix, backend: "b", methods: ["GET": .public], upstreamPrefix: upstream), backend: backend)
        }
        let cases: [(prefix: String, upstream: String?, path: String, expected: String)] = [
            ("/users/{id}/keys", "/api/keys", "/users/7/keys/k1", "/api/keys/k1"),
            ("/users/{id}/keys", "/api/keys", "/users/7/keys", "/api/keys"),
            ("/users/{id}/keys", "/api/keys", "/users/7/keys/", "/api/keys/"),
            ("/users/{id}/keys", "/", "/users/a%2Fb/keys/k1", "/k1"),
            ("/users/{id}/keys", "/", "/users/7/keys", "/"),
            ("/users/{id}/keys", nil, "/users/7/keys/k1", "/users/7/keys/k1"),
            ("/{tenant}", "/v1", "/acme/x/y", "/v1/x/y"),
            ("/calendar", "/v1", "/calendar/x", "/v1/x"),
            ("/calendar", "/", "/calendar/x", "/x"),
            ("/", "/v1", "/x", "/v1/x"),
            ("/", "/", "/x", "/x"),
            ("/a/{b}", "/v1", "/a", "/v1"),                  // fewer segments than the template: no trap
        ]
        for testCase in cases {
            XCTAssertEqual(route(testCase.prefix, testCase.upstream).upstreamPath(for: testCase.path), testCase.expected,
                           "\(testCase.prefix) -> \(testCase.upstream ?? "nil"): \(testCase.path)")
        }
    }

    /// The trie against the definition (``PathTemplate/matches(path:)`` and specificity, route by
    /// route) on a generated set of valid routes (no duplicate shape, no ambiguous pair, as the
    /// decoder requires) and every path of up to four segments over their alphabet.
    func testTrieAgreesWithBruteForceOnGeneratedRoutes() {
        var generator = SplitMix64(seed: 0x5C0_9E6A7E)
        let alphabet = ["a", "b", "c"]
        for round in 0..<8 {
            var prefixes: [String] = []
            var templates: [PathTemplate] = []
            while prefixes.count < 30 {
                let depth = Int(generator.next() % 4)
                let segments = (0..<depth).map { index in
                    generator.next() % 3 == 0 ? "{v\(index)}" : alphabet[Int(generator.next() % UInt64(alphabet.count))]
                }
                let prefix = "/" + segments.joined(separator: "/")
                let template = PathTemplate(prefix)
                if templates.contains(where: { $0.shape == template.shape || $0.ambiguity(with: template) != nil }) { continue }
                prefixes.append(prefix)
                templates.append(template)
            }
            let routes = table(prefixes)
            var paths = ["/"]
            var frontier = [""]
            for _ in 0..<4 {
                frontier = frontier.flatMap { base in (alphabet + ["d"]).map { base + "/" + $0 } }
                paths += frontier + frontier.map { $0 + "/" }
            }
            for path in paths {
                let matching = templates.filter { $0.matches(path: path) }
                let expected = matching.first { candidate in matching.allSatisfy { candidate.takesPrecedence(over: $0) } }
                XCTAssertEqual(matching.isEmpty, expected == nil, "round \(round): no most specific route for \(path) among \(matching)")
                let expectedPrefix = expected.map { found in prefixes[templates.firstIndex(of: found)!] }
                XCTAssertEqual(routes.match(path: path)?.prefix, expectedPrefix, "round \(round): \(path) with \(prefixes)")
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so that a failure reproduces.
private struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
