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
}
