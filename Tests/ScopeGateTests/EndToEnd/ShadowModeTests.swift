import Foundation
import XCTest

/// Shadow mode (`"enforce": "shadow"`) through a real gateway: a request the rule would deny
/// reaches the backend, with exactly one `would_deny` line and count, and claim headers only
/// from a token that verified.
final class ShadowModeTests: XCTestCase {
    private var fixture: GatewayFixture!

    static let routes = """
        , {"prefix": "/reports", "backend": "appointments", "enforce": "shadow",
           "methods": {"GET": ["read:reports"], "PUT": {"scopes": ["write:reports"], "enforce": "enforce"}}},
          {"prefix": "/appointments/drafts", "backend": "appointments",
           "methods": {"GET": ["read:appointments"], "POST": {"scopes": ["write:drafts"], "enforce": "shadow"}}}
        """
    static let topLevel = #", "forwarding": {"claim_headers": {"sub": "X-Auth-Subject", "scope": "X-Auth-Scopes"}}"#

    override func setUp() async throws {
        fixture = try await GatewayFixture.start(extraRoutes: Self.routes, extraTopLevel: Self.topLevel)
    }
    override func tearDown() async throws { try await fixture?.shutdown() }

    private func echoedHeaders(_ response: RawHTTPResponse) throws -> [(String, String)] {
        (try response.json()["headers"] as? [[String]] ?? []).map { ($0[0].lowercased(), $0[1]) }
    }

    private func logEvents(_ event: String) throws -> [[String: Any]] {
        try fixture.logLines().compactMap { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["event"] as? String == event ? object : nil
        }
    }

    private func metrics() throws -> String {
        let client = try RawHTTPClient(port: try XCTUnwrap(fixture.gateway.adminPort))
        try client.send("GET /metrics HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n")
        return try client.readResponse().bodyText
    }

    func testARequestTheRuleWouldDenyIsForwardedLoggedAndCountedOnce() async throws {
        let lacking = try await fixture.token(["scope": "read:appointments"])
        let before = fixture.appointments.requestCount
        let response = try fixture.request("GET", "/reports/q1?x=1", token: lacking, headers: ["X-Request-Id: shadow-1"])
        XCTAssertEqual(response.status, 200, "forwarded anyway")
        XCTAssertEqual(response.header("WWW-Authenticate"), nil)
        XCTAssertEqual(fixture.appointments.requestCount, before + 1)
        let echoed = try response.json()
        XCTAssertEqual(echoed["path"] as? String, "/reports/q1")
        let headers = try echoedHeaders(response)
        // The token verified: its claim headers and the token header go on, as when allowed.
        XCTAssertTrue(headers.contains { $0 == ("x-auth-subject", "alice") }, "\(headers)")
        XCTAssertTrue(headers.contains { $0.0 == "authorization" })

        let wouldDeny = try logEvents("would_deny")
        let lines = try fixture.logLines()
        XCTAssertEqual(wouldDeny.count, 1, "\(lines)")
        XCTAssertEqual(wouldDeny.first?["reason"] as? String, "insufficient_scope")
        XCTAssertEqual(wouldDeny.first?["status"] as? Int, 403)
        XCTAssertEqual(wouldDeny.first?["route"] as? String, "/reports")
        XCTAssertEqual(wouldDeny.first?["sub"] as? String, "alice")
        XCTAssertEqual(wouldDeny.first?["required_scopes"] as? [String], ["read:reports"])
        XCTAssertEqual(try logEvents("denial").count, 0)
        let metrics = try metrics()
        XCTAssertTrue(metrics.contains(#"scopegate_would_deny_total{reason="insufficient_scope",route="/reports"} 1"#), metrics)
        XCTAssertFalse(metrics.contains(#"scopegate_denials_total{reason="insufficient_scope""#), metrics)

        // Allowed by the rule: forwarded with no would_deny.
        let reader = try await fixture.token(["scope": "read:reports"])
        XCTAssertEqual(try fixture.request("GET", "/reports/q1", token: reader).status, 200)
        XCTAssertEqual(try logEvents("would_deny").count, 1)
    }

    func testAnInvalidTokenIsNeverTurnedIntoClaimHeaders() async throws {
        let expired = try await fixture.token(["exp": Int(GatewayFixture.now.timeIntervalSince1970) - 600, "sub": "mallory"])
        let forged = String(try await fixture.token(["sub": "mallory"]).dropLast(4)) + "AAAA"
        for (name, token) in [("expired", expired), ("bad signature", forged)] {
            let response = try fixture.request("GET", "/reports/q1", token: token,
                                               headers: ["X-Auth-Subject: mallory", "X-Auth-Scopes: read:reports"])
            XCTAssertEqual(response.status, 200, name)
            let headers = try echoedHeaders(response)
            XCTAssertFalse(headers.contains { $0.0 == "x-auth-subject" || $0.0 == "x-auth-scopes" }, "\(name): \(headers)")
            // The backend gets the request as it would without the gateway: the token header too.
            XCTAssertTrue(headers.contains { $0.0 == "authorization" }, name)
        }
        let reasons = try logEvents("would_deny").map { $0["reason"] as? String }
        XCTAssertEqual(reasons.count, 2)
        XCTAssertTrue(try logEvents("would_deny").allSatisfy { $0["sub"] == nil && $0["status"] as? Int == 401 })
        // No token at all: 401 would_deny, forwarded, no claim headers.
        let response = try fixture.request("GET", "/reports/q1", headers: ["X-Auth-Subject: mallory"])
        XCTAssertEqual(response.status, 200)
        XCTAssertFalse(try echoedHeaders(response).contains { $0.0 == "x-auth-subject" })
        XCTAssertEqual(try logEvents("would_deny").last?["reason"] as? String, "missing_token")
    }

    func testPerMethodEnforcementAndWhatIsNeverShadowed() async throws {
        let reader = try await fixture.token(["scope": "read:appointments"])
        let before = fixture.appointments.requestCount
        // POST is shadowed on a route whose GET is enforced; PUT is enforced on a shadow route.
        XCTAssertEqual(try fixture.request("POST", "/appointments/drafts", token: reader, body: "{}").status, 200)
        XCTAssertEqual(try fixture.request("GET", "/appointments/drafts").status, 401)
        XCTAssertEqual(try fixture.request("PUT", "/reports/q1", token: reader, body: "{}").status, 403)
        // A method the shadow route lacks: would be 405, forwarded.
        XCTAssertEqual(try fixture.request("DELETE", "/reports/q1", token: reader).status, 200)
        XCTAssertEqual(fixture.appointments.requestCount, before + 2)
        XCTAssertEqual(try logEvents("would_deny").map { $0["status"] as? Int }, [403, 405])

        // Never shadowed: a malformed token header, two tokens, a bad target, no route.
        XCTAssertEqual(try fixture.request("GET", "/reports/q1", headers: ["Authorization: Bearer a b"]).status, 400)
        XCTAssertEqual(try fixture.request("GET", "/reports/q1", token: reader, headers: ["Authorization: Bearer x"]).status, 400)
        XCTAssertEqual(try fixture.request("GET", "/reports/a%2Fb", token: reader).status, 400)
        XCTAssertEqual(try fixture.request("GET", "/REPORTS/q1", token: reader).status, 404)
        XCTAssertEqual(fixture.appointments.requestCount, before + 2, "none of these reached a backend")
        XCTAssertEqual(try logEvents("would_deny").count, 2)
        XCTAssertEqual(try logEvents("denial").count, 6)
    }

    func testExplainSaysWhatTheShadowedRuleWouldDeny() async throws {
        let now = String(Int(GatewayFixture.now.timeIntervalSince1970))
        let lacking = try await fixture.token(["scope": "read:appointments"])
        let explained = try ScopeGateBinary.run(["explain", "--config", fixture.configPath, "--now", now, "--json",
                                                 "--token", lacking, "GET", "/reports/q1"])
        XCTAssertEqual(explained.status, 0, "forwarded: " + explained.stdout)
        let report = try JSONSerialization.jsonObject(with: Data(explained.stdout.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual(report["allowed"] as? Bool, true)
        XCTAssertEqual(report["status"] as? Int, 200)
        let wouldDeny = try XCTUnwrap(report["would_deny"] as? [String: Any], explained.stdout)
        XCTAssertEqual(wouldDeny["status"] as? Int, 403)
        XCTAssertEqual(wouldDeny["reason"] as? String, "insufficient_scope")
        XCTAssertTrue((report["description"] as? String ?? "").hasPrefix("shadow mode"), explained.stdout)
        let text = try ScopeGateBinary.run(["explain", "--config", fixture.configPath, "--now", now, "GET", "/reports/q1"])
        XCTAssertTrue(text.stdout.contains("would_deny:") && text.stdout.contains("401 missing_token"), text.stdout)
        // Allowed by the rule itself: would_deny is null.
        let reader = try await fixture.token(["scope": "read:reports"])
        let allowed = try ScopeGateBinary.run(["explain", "--config", fixture.configPath, "--now", now, "--json",
                                               "--token", reader, "GET", "/reports/q1"])
        let allowedReport = try JSONSerialization.jsonObject(with: Data(allowed.stdout.utf8)) as? [String: Any] ?? [:]
        XCTAssertTrue(allowedReport["would_deny"] is NSNull, allowed.stdout)
    }
}
