import Foundation
import XCTest

/// The headers a backend receives: the gateway's own after the client's are removed, so a
/// client can neither forge nor delete them; claims as headers; the request ID.
final class HeaderPolicyTests: XCTestCase {
    private var fixture: GatewayFixture!

    override func tearDown() async throws { try await fixture?.shutdown() }

    private func backendHeaders(_ response: RawHTTPResponse) throws -> [(name: String, value: String)] {
        (try response.json()["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) }
    }

    private func values(_ headers: [(name: String, value: String)], _ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    func testClientCannotDeleteOrForgeTheGatewaysHeaders() async throws {
        fixture = try await GatewayFixture.start()
        let token = try await fixture.token()
        let response = try fixture.request("GET", "/appointments/1", token: token, headers: [
            "Connection: X-Forwarded-For, X-Request-Id, X-Auth-Subject",
            "X-Forwarded-For: 6.6.6.6", "X-Forwarded-Proto: https", "Forwarded: for=6.6.6.6",
            "X-Auth-Subject: admin", "X_Auth_Subject: admin", "x-auth-scopes: admin:everything",
            "X-Request-Id: req-123",
        ])
        XCTAssertEqual(response.status, 200)
        let headers = try backendHeaders(response)
        XCTAssertEqual(values(headers, "X-Forwarded-For"), ["127.0.0.1"])
        XCTAssertEqual(values(headers, "X-Forwarded-Proto"), ["http"])
        XCTAssertEqual(values(headers, "X-Forwarded-Host"), ["gateway.test"])
        XCTAssertEqual(values(headers, "Forwarded"), [])
        XCTAssertEqual(values(headers, "X-Auth-Subject"), ["alice"])
        XCTAssertEqual(values(headers, "X_Auth_Subject"), [])
        XCTAssertEqual(values(headers, "X-Auth-Scopes"), ["read:appointments"])
        XCTAssertEqual(values(headers, "X-Auth-Client-Id"), ["web-app"])
        XCTAssertEqual(values(headers, "X-Request-Id"), ["req-123"])
        XCTAssertEqual(response.header("X-Request-Id"), "req-123")
    }

    func testInvalidRequestIDIsReplacedEchoedAndLogged() async throws {
        fixture = try await GatewayFixture.start()
        let token = try await fixture.token()
        let response = try fixture.request("GET", "/appointments/1", token: token, headers: ["X-Request-Id: bad id {with} spaces"])
        let generated = try XCTUnwrap(response.header("X-Request-Id"))
        XCTAssertNotEqual(generated, "bad id {with} spaces")
        XCTAssertEqual(values(try backendHeaders(response), "X-Request-Id"), [generated])

        let denied = try fixture.request("GET", "/appointments/1", headers: ["X-Request-Id: trace-42"])
        XCTAssertEqual(denied.status, 401)
        XCTAssertEqual(denied.header("X-Request-Id"), "trace-42")
        XCTAssertTrue(try fixture.logLines().last?.contains(#""request_id":"trace-42""#) ?? false)
    }

    func testTrustedProxyValuesAreKeptAndExtended() async throws {
        fixture = try await GatewayFixture.start(extraTopLevel: #", "forwarding": {"trusted_proxies": ["127.0.0.0/8"], "forwarded_header": true}"#)
        let token = try await fixture.token()
        let response = try fixture.request("GET", "/appointments/1", token: token, headers: [
            "X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https", "Forwarded: for=203.0.113.7;proto=https",
        ])
        let headers = try backendHeaders(response)
        XCTAssertEqual(values(headers, "X-Forwarded-For"), ["203.0.113.7, 127.0.0.1"])
        XCTAssertEqual(values(headers, "X-Forwarded-Proto"), ["https"])
        XCTAssertEqual(values(headers, "Forwarded"), [#"for=203.0.113.7;proto=https, for=127.0.0.1;proto=http;host="gateway.test""#])
    }

    func testClaimWithLineBreakIsRefusedNeverForwarded() async throws {
        fixture = try await GatewayFixture.start()
        let token = try await fixture.token(["sub": "alice\r\nX-Admin: true"])
        let response = try fixture.request("GET", "/appointments/1", token: token)
        XCTAssertEqual(response.status, 401)
        XCTAssertEqual(try response.json()["reason"] as? String, "invalid_claim")
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    /// Every control character but HTAB is kept out of a claim header (RFC 9110 §5.5), not
    /// only CR, LF and NUL: backends and proxies disagree on VT, FF, DEL and friends.
    func testClaimWithAnyControlCharacterIsRefusedNeverForwarded() async throws {
        fixture = try await GatewayFixture.start()
        for sub in ["al\u{0B}ice", "al\u{0C}ice", "alice\u{7F}", "alice\u{01}", "al\u{1F}ice"] {
            let token = try await fixture.token(["sub": sub])
            let response = try fixture.request("GET", "/appointments/1", token: token)
            XCTAssertEqual(response.status, 401, sub.debugDescription)
            XCTAssertEqual(try response.json()["reason"] as? String, "invalid_claim")
        }
        XCTAssertEqual(fixture.backendRequestCount, 0)
        // HTAB and non-ASCII are field-value characters: forwarded as they are.
        let token = try await fixture.token(["sub": "al\tice \u{E9}"])
        let response = try fixture.request("GET", "/appointments/1", token: token)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(values(try backendHeaders(response), "X-Auth-Subject"), ["al\tice \u{E9}"])
    }

    /// Headers a proxy vouches for (client address, identity, original request) are not passed
    /// on from an untrusted client, in any case or `_` spelling.
    func testClientAddressHeadersFromAnUntrustedClientAreDropped() async throws {
        fixture = try await GatewayFixture.start()
        let token = try await fixture.token()
        let response = try fixture.request("GET", "/appointments/1", token: token, headers: [
            "X-Real-IP: 10.0.0.1", "True-Client-IP: 10.0.0.2", "x_client_ip: 10.0.0.3", "X-Cluster-Client-IP: 10.0.0.4",
            "CF-Connecting-IP: 10.0.0.5", "Fastly-Client-IP: 10.0.0.6", "X-Real-IPs: kept",
            // Found by the second pass: proxy-vouched headers beyond the client address.
            "X-Forwarded-Port: 443", "X-Forwarded-Prefix: /admin", "X-Forwarded-User: admin", "X-Forwarded-Client-Cert: x",
            "X-Forwarded-Email: a@b", "X-Envoy-Original-Path: /admin", "X-Original-URI: /admin", "Remote-User: admin",
            "X-Remote-User: admin", "Client-IP: 10.0.0.7", "X-Originating-IP: 10.0.0.8", "X-Auth-Request-User: admin",
            "X-SSL-Client-Verify: SUCCESS", "Forwarded-For: 10.0.0.9",
        ])
        let headers = try backendHeaders(response)
        for name in ["X-Real-IP", "True-Client-IP", "x_client_ip", "X-Cluster-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP",
                     "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Forwarded-User", "X-Forwarded-Client-Cert", "X-Forwarded-Email",
                     "X-Envoy-Original-Path", "X-Original-URI", "Remote-User", "X-Remote-User", "Client-IP", "X-Originating-IP",
                     "X-Auth-Request-User", "X-SSL-Client-Verify", "Forwarded-For"] {
            XCTAssertEqual(values(headers, name), [], name)
        }
        XCTAssertEqual(values(headers, "X-Real-IPs"), ["kept"])
    }

    /// Credentials the gateway did not check are never passed on: `Proxy-Authorization` is for
    /// a proxy (RFC 9110 §11.7.2), and the gateway asks for none.
    func testProxyAuthorizationIsNotPassedOn() async throws {
        fixture = try await GatewayFixture.start()
        let token = try await fixture.token()
        let response = try fixture.request("GET", "/appointments/1", token: token, headers: [
            "Proxy-Authorization: Basic dXNlcjpwYXNz", "proxy_authorization: Basic eDp5",
        ])
        let headers = try backendHeaders(response)
        XCTAssertEqual(values(headers, "Proxy-Authorization"), [])
        XCTAssertEqual(values(headers, "proxy_authorization"), [])
        XCTAssertEqual(values(headers, "Authorization").count, 1)
    }

    func testPreserveHostSendsTheClientsHost() async throws {
        fixture = try await GatewayFixture.start(
            extraRoutes: #", {"prefix": "/appointments/site", "backend": "appointments", "preserve_host": true, "methods": {"GET": "public"}}"#)
        let preserved = try fixture.request("GET", "/appointments/site/x")
        XCTAssertEqual(values(try backendHeaders(preserved), "Host"), ["gateway.test"])
        let token = try await fixture.token()
        let usual = try fixture.request("GET", "/appointments/1", token: token)
        XCTAssertEqual(values(try backendHeaders(usual), "Host"), ["127.0.0.1:\(fixture.appointments.port)"])
    }

    func testRoutePrefixRewriteAndAuthorizationStripping() async throws {
        fixture = try await GatewayFixture.start(extraRoutes: """
            , {"prefix": "/appointments/v2", "backend": "appointments", "rewrite_prefix": "/api/v2", "methods": {"GET": ["read:appointments"]}},
              {"prefix": "/calendar/feeds", "backend": "calendar", "strip_prefix": true, "forward_authorization": false,
               "methods": {"GET": ["read:calendar"]}}
            """)
        let reader = try await fixture.token(["scope": "read:appointments read:calendar"])
        let rewritten = try fixture.request("GET", "/appointments/v2/7?x=1", token: reader)
        XCTAssertEqual(try rewritten.json()["path"] as? String, "/api/v2/7")
        XCTAssertEqual(try rewritten.json()["query"] as? String, "x=1")
        XCTAssertEqual(values(try backendHeaders(rewritten), "Authorization").count, 1)

        let stripped = try fixture.request("GET", "/calendar/feeds/ics/2027", token: reader)
        XCTAssertEqual(try stripped.json()["path"] as? String, "/ics/2027")
        XCTAssertEqual(values(try backendHeaders(stripped), "Authorization"), [])
        XCTAssertEqual(values(try backendHeaders(stripped), "X-Auth-Subject"), ["alice"])
    }
}
