import Foundation
import XCTest

/// Ambiguous HTTP/1.1 framing (request smuggling, RFC 9112 §6.3) and malformed heads are
/// refused before any decision, and never reach a backend.
final class FramingTests: XCTestCase {
    private var fixture: GatewayFixture!

    override func setUp() async throws { fixture = try await GatewayFixture.start() }
    override func tearDown() async throws { try await fixture?.shutdown() }

    private func send(_ raw: String) throws -> RawHTTPResponse {
        let client = try RawHTTPClient(port: fixture.port)
        try client.send(raw)
        return try client.readResponse()
    }

    func testAmbiguousFramingIs400() async throws {
        let token = try await fixture.token(["scope": "write:appointments"])
        let auth = "Authorization: Bearer \(token)\r\n"
        let cases: [(name: String, raw: String)] = [
            ("CL and TE", "POST /appointments HTTP/1.1\r\nHost: t\r\n\(auth)Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            ("two different CL", "POST /appointments HTTP/1.1\r\nHost: t\r\n\(auth)Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde"),
            ("TE not ending in chunked", "POST /appointments HTTP/1.1\r\nHost: t\r\n\(auth)Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"),
            ("obs-fold", "GET /appointments/1 HTTP/1.1\r\nHost: t\r\n\(auth)X-A: 1\r\n  folded\r\n\r\n"),
            ("space before colon", "GET /appointments/1 HTTP/1.1\r\nHost: t\r\n\(auth)Content-Length : 0\r\n\r\n"),
            ("no Host", "GET /appointments/1 HTTP/1.1\r\n\(auth)\r\n"),
            ("two Hosts", "GET /appointments/1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\(auth)\r\n"),
            ("bad method", "G(T /appointments/1 HTTP/1.1\r\nHost: t\r\n\(auth)\r\n"),
        ]
        for testCase in cases {
            let response = try send(testCase.raw)
            XCTAssertEqual(response.status, 400, testCase.name)
        }
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    /// Streamed: a body of unknown length goes to the backend chunked (RFC 9112 §7.1), never
    /// with a guessed length and never with `Expect: 100-continue`.
    func testChunkedRequestBodyIsStreamedChunked() async throws {
        let token = try await fixture.token(["scope": "write:appointments"])
        let response = try send("POST /appointments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        XCTAssertEqual(response.status, 200)
        let echo = try response.json()
        XCTAssertEqual(echo["body"] as? String, "hello world")
        let headers = (echo["headers"] as? [[String]] ?? []).map { ($0[0].lowercased(), $0[1]) }
        XCTAssertTrue(headers.contains { $0 == ("transfer-encoding", "chunked") })
        XCTAssertFalse(headers.contains { $0.0 == "content-length" || $0.0 == "expect" })
    }

    func testHTTP10WithoutHostIsAccepted() async throws {
        let token = try await fixture.token()
        let response = try send("GET /appointments/1 HTTP/1.0\r\nAuthorization: Bearer \(token)\r\n\r\n")
        XCTAssertEqual(response.status, 200)
    }
}
