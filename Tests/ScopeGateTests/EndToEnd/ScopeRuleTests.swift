import Foundation
import XCTest

/// Any-of scope alternatives and the `*` method entry, through a real gateway.
final class ScopeRuleTests: XCTestCase {
    private var fixture: GatewayFixture!

    override func setUp() async throws {
        fixture = try await GatewayFixture.start(extraRoutes: """
            , {"prefix": "/appointments/reports", "backend": "appointments",
               "methods": {"GET": [["read:reports", "export:reports"], ["admin:appointments", "read:appointments"]]}},
              {"prefix": "/appointments/files", "backend": "appointments",
               "methods": {"GET": ["read:appointments"], "*": ["write:files"]}}
            """)
    }
    override func tearDown() async throws { try await fixture?.shutdown() }

    func testAnyOfAlternatives() async throws {
        let cases: [(scope: String, status: Int)] = [
            ("read:reports export:reports", 200),
            ("read:reports", 403),
            ("admin:appointments read:appointments", 200),
            ("admin:appointments", 403),
            ("read:appointments", 403),
            ("", 403),
        ]
        for testCase in cases {
            let token = try await fixture.token(["scope": testCase.scope])
            XCTAssertEqual(try fixture.request("GET", "/appointments/reports/q1", token: token).status, testCase.status, testCase.scope)
        }
        // The 403 names the alternative closest to what the token has.
        let token = try await fixture.token(["scope": "read:appointments"])
        let response = try fixture.request("GET", "/appointments/reports/q1", token: token)
        XCTAssertTrue((response.header("WWW-Authenticate") ?? "").hasSuffix("scope=\"admin:appointments read:appointments\""),
                      response.header("WWW-Authenticate") ?? "")
        let last = try XCTUnwrap(try fixture.logLines().last)
        XCTAssertTrue(last.contains(#""required_any_of":[["read:reports","export:reports"],["admin:appointments","read:appointments"]]"#), last)
    }

    func testStarCoversUnlistedMethodsOnly() async throws {
        let reader = try await fixture.token(["scope": "read:appointments"])
        let writer = try await fixture.token(["scope": "write:files"])
        XCTAssertEqual(try fixture.request("GET", "/appointments/files/a", token: reader).status, 200)
        XCTAssertEqual(try fixture.request("GET", "/appointments/files/a", token: writer).status, 403, "GET has its own rule")
        XCTAssertEqual(try fixture.request("PUT", "/appointments/files/a", token: writer, body: "x").status, 200)
        XCTAssertEqual(try fixture.request("PATCH", "/appointments/files/a", token: writer, body: "x").status, 200)
        XCTAssertEqual(try fixture.request("PUT", "/appointments/files/a", token: reader, body: "x").status, 403)
    }
}
