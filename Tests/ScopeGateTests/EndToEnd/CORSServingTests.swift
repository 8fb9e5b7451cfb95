import Foundation
import XCTest

/// CORS over real sockets: the gateway answers preflights itself, and every answer for an
/// allowed origin, forwarded or its own, carries the CORS headers; the backend's own
/// `Access-Control-*` headers never reach the client beside the gateway's.
final class CORSServingTests: XCTestCase {
    static let app = "http://127.0.0.1:5173"
    static let cors = #", "cors": {"allowed_origins": ["http://127.0.0.1:5173"], "max_age_seconds": 120}"#
    /// `/canned` and `/canned-off` (its CORS off) on the canned backend, `/down` on a closed port.
    static let routes = #", {"prefix": "/canned", "backend": "canned", "methods": {"GET": "public"}}, "#
        + #"{"prefix": "/canned-off", "backend": "canned", "methods": {"GET": "public"}, "cors": false}, "#
        + #"{"prefix": "/down", "backend": "down", "methods": {"GET": "public"}}"#

    func testPreflightActualRequestsAndBackendHeaders() async throws {
        // A backend that sets CORS headers of its own, which the gateway must replace.
        let canned = try await CannedResponseBackend.start(response:
            "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\n"
            + "access-control-expose-headers: X-Secret\r\nVary: Accept-Encoding\r\nContent-Length: 2\r\n\r\nok")
        let fixture = try await GatewayFixture.start(
            extraBackends: ["canned": "http://127.0.0.1:\(canned.port)", "down": "http://127.0.0.1:1"],
            extraRoutes: Self.routes, extraTopLevel: Self.cors)
        do {
            let origin = "Origin: \(Self.app)"
            // Preflight: answered by the gateway, no token, never forwarded.
            let preflight = try fixture.request("OPTIONS", "/appointments/1", headers: [
                origin, "Access-Control-Request-Method: DELETE", "Access-Control-Request-Headers: authorization,content-type"])
            XCTAssertEqual(preflight.status, 204)
            XCTAssertEqual(preflight.header("Access-Control-Allow-Origin"), Self.app)
            XCTAssertEqual(preflight.header("Access-Control-Allow-Methods"), "DELETE, GET, HEAD, POST")
            XCTAssertEqual(preflight.header("Access-Control-Allow-Headers"), "Authorization, Content-Type, X-Request-Id")
            XCTAssertEqual(preflight.header("Access-Control-Max-Age"), "120")
            XCTAssertNotNil(preflight.header("X-Request-Id"))
            XCTAssertTrue(preflight.body.isEmpty)
            // Refused preflight: an answer without the allow headers, and a denial line.
            let refused = try fixture.request("OPTIONS", "/appointments/1", headers: [
                "Origin: http://127.0.0.1:6666", "Access-Control-Request-Method: GET"])
            XCTAssertEqual(refused.status, 403)
            XCTAssertNil(refused.header("Access-Control-Allow-Origin"))
            XCTAssertEqual(try refused.json()["reason"] as? String, "cors_preflight_refused")
            XCTAssertEqual(fixture.appointments.requestCount, 0, "a preflight reached the backend")

            // Actual requests from the allowed origin: the page can read 200, 401, 403, 404 and 502.
            let token = try await fixture.token()
            let allowed = try fixture.request("GET", "/appointments/1", token: token, headers: [origin])
            XCTAssertEqual(allowed.status, 200)
            let denials = [
                try fixture.request("GET", "/appointments/1", headers: [origin]),
                try fixture.request("POST", "/appointments", token: token, headers: [origin], body: "{}"),
                try fixture.request("GET", "/nowhere", headers: [origin]),
                try fixture.request("GET", "/down/x", headers: [origin]),
            ]
            XCTAssertEqual(denials.map(\.status), [401, 403, 404, 502])
            for response in [allowed] + denials {
                XCTAssertEqual(response.headers("Access-Control-Allow-Origin"), [Self.app], "\(response.status)")
                XCTAssertEqual(response.header("Access-Control-Expose-Headers"), "WWW-Authenticate, X-Request-Id", "\(response.status)")
                XCTAssertTrue(response.headers("Vary").contains("Origin"), "\(response.status)")
            }
            XCTAssertNotNil(denials[1].header("WWW-Authenticate"))

            // Failing input (found by the browser test): the gateway's own 413, refused at the
            // head (declared length) or mid-stream (chunked), was not readable by the page.
            let writer = try await fixture.token(["scope": "write:appointments"])
            let declared = try fixture.request("POST", "/appointments", token: writer,
                                               headers: [origin, "Content-Length: 100000"])
            XCTAssertEqual(declared.status, 413)
            XCTAssertEqual(declared.headers("Access-Control-Allow-Origin"), [Self.app])
            let client = try RawHTTPClient(port: fixture.port)
            let chunk = String(repeating: "x", count: 40_000)
            try client.send("POST /appointments HTTP/1.1\r\nHost: t\r\n\(origin)\r\nAuthorization: Bearer \(writer)\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n9c40\r\n\(chunk)\r\n9c40\r\n\(chunk)\r\n0\r\n\r\n")
            let streamed = try client.readResponse()
            XCTAssertEqual(streamed.status, 413)
            XCTAssertEqual(streamed.headers("Access-Control-Allow-Origin"), [Self.app])

            // The backend's own CORS headers are replaced; its other headers pass.
            let replaced = try fixture.request("GET", "/canned", headers: [origin])
            XCTAssertEqual(replaced.status, 200)
            XCTAssertEqual(replaced.headers("Access-Control-Allow-Origin"), [Self.app])
            XCTAssertEqual(replaced.headers("Access-Control-Expose-Headers"), ["WWW-Authenticate, X-Request-Id"])
            XCTAssertTrue(replaced.headers("Access-Control-Allow-Credentials").isEmpty)
            XCTAssertEqual(Set(replaced.headers("Vary")), ["Accept-Encoding", "Origin"])
            // Found by attack: `cors: false` let the backend's own CORS headers through, as "backend" does.
            let off = try fixture.request("GET", "/canned-off", headers: [origin])
            XCTAssertEqual(off.status, 200)
            XCTAssertFalse(off.headers.contains { $0.name.lowercased().hasPrefix("access-control-") }, "\(off.headers)")
            // Another origin: no allow header at all (not even the backend's *).
            let other = try fixture.request("GET", "/canned", headers: ["Origin: http://127.0.0.1:6666"])
            XCTAssertEqual(other.status, 200)
            XCTAssertTrue(other.headers("Access-Control-Allow-Origin").isEmpty)
            XCTAssertTrue(other.headers("Access-Control-Allow-Credentials").isEmpty)
        } catch {
            try await fixture.shutdown()
            try await canned.stop()
            throw error
        }
        try await fixture.shutdown()
        try await canned.stop()
    }
}
