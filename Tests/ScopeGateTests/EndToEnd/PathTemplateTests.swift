import Foundation
import XCTest

/// Path templates over real sockets: templated routes decide by their own scopes, the most
/// specific route wins, the backend receives the path unchanged (or with the matched segments
/// rewritten or stripped), and the route is named by its template in the denial log.
final class PathTemplateTests: XCTestCase {
    private var fixture: GatewayFixture!

    override func tearDown() async throws { try await fixture?.shutdown() }

    static let routes = """
        , {"prefix": "/users/{id}", "backend": "appointments", "methods": {"GET": ["read:users"]}},
          {"prefix": "/users/{id}/keys", "backend": "appointments", "methods": {"GET": ["read:keys"]}},
          {"prefix": "/users/me", "backend": "appointments", "methods": {"GET": []}},
          {"prefix": "/orgs/{org}/keys", "backend": "calendar", "rewrite_prefix": "/api/keys", "methods": {"GET": ["read:keys"]}},
          {"prefix": "/orgs/{org}/files", "backend": "calendar", "strip_prefix": true, "methods": {"GET": ["read:keys"]}}
        """

    private func path(_ response: RawHTTPResponse) throws -> String? { try response.json()["path"] as? String }

    func testEachTemplateRequiresItsOwnScopeAndTheBackendGetsThePath() async throws {
        fixture = try await GatewayFixture.start(extraRoutes: Self.routes)
        let userReader = try await fixture.token(["scope": "read:users"])
        let keyReader = try await fixture.token(["scope": "read:keys"])

        let user = try fixture.request("GET", "/users/7?x=1", token: userReader)
        XCTAssertEqual(user.status, 200)
        XCTAssertEqual(try path(user), "/users/7")
        XCTAssertEqual(try fixture.request("GET", "/users/7", token: keyReader).status, 403)
        XCTAssertEqual(try fixture.request("GET", "/users/7/other", token: userReader).status, 200)   // below /users/{id}

        let keys = try fixture.request("GET", "/users/a%20b/keys/k1", token: keyReader)
        XCTAssertEqual(keys.status, 200)
        XCTAssertEqual(try path(keys), "/users/a%20b/keys/k1")
        let denied = try fixture.request("GET", "/users/7/keys", token: userReader)
        XCTAssertEqual(denied.status, 403)
        XCTAssertTrue(denied.header("WWW-Authenticate")?.contains(#"scope="read:keys""#) == true, "\(denied.header("WWW-Authenticate") ?? "none")")
        // The deeper route wins over the literal /users/me; /users/me itself wins over /users/{id}.
        XCTAssertEqual(try fixture.request("GET", "/users/me/keys", token: userReader).status, 403)
        let me = try fixture.request("GET", "/users/me", token: keyReader)
        XCTAssertEqual(me.status, 200)
        XCTAssertEqual(try path(me), "/users/me")
        // Normalised first: /users/7/x/../keys is /users/7/keys.
        XCTAssertEqual(try fixture.request("GET", "/users/7/x/../keys", token: userReader).status, 403)
        // No template matches an empty segment: /users/ is /users, which no route covers.
        XCTAssertEqual(try fixture.request("GET", "/users/", token: userReader).status, 404)
        // A case variant of the more specific templated route is not decided by /users/{id}.
        XCTAssertEqual(try fixture.request("GET", "/users/7/KEYS", token: userReader).status, 404)

        let records = try fixture.logLines().map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let forbidden = records.filter { $0["path"] as? String == "/users/7/keys" && $0["status"] as? Int == 403 }
        XCTAssertEqual(forbidden.count, 2, "\(records)")
        XCTAssertEqual(forbidden.first?["route"] as? String, "/users/{id}/keys")
    }

    func testRewriteAndStripReplaceTheMatchedSegments() async throws {
        fixture = try await GatewayFixture.start(extraRoutes: Self.routes)
        let keyReader = try await fixture.token(["scope": "read:keys"])
        let rewritten = try fixture.request("GET", "/orgs/acme/keys/k1?full=1", token: keyReader)
        XCTAssertEqual(rewritten.status, 200)
        XCTAssertEqual(try path(rewritten), "/api/keys/k1")
        XCTAssertEqual(try rewritten.json()["query"] as? String, "full=1")
        XCTAssertEqual(try path(try fixture.request("GET", "/orgs/acme/keys", token: keyReader)), "/api/keys")
        let stripped = try fixture.request("GET", "/orgs/acme/files/report.pdf", token: keyReader)
        XCTAssertEqual(stripped.status, 200)
        XCTAssertEqual(try path(stripped), "/report.pdf")
        XCTAssertEqual(try path(try fixture.request("GET", "/orgs/acme/files", token: keyReader)), "/")
        XCTAssertEqual(try fixture.request("GET", "/orgs/acme", token: keyReader).status, 404)
    }
}
