import Foundation
import XCTest

/// Connection handling: client deadlines (slowloris), half-close, HTTP/1.0 framing,
/// `Upgrade`, and what a public route passes on.
final class ConnectionTests: XCTestCase {
    private var fixture: GatewayFixture!

    override func tearDown() async throws { try await fixture?.shutdown() }

    func testIdleConnectionIsClosedAfterTheKeepAliveTimeout() async throws {
        fixture = try await GatewayFixture.start(listen: #", "keep_alive_timeout_ms": 300"#)
        let client = try RawHTTPClient(port: fixture.port)
        XCTAssertTrue(client.isClosedByServer(), "closed by the gateway before the client's 10 s read timeout")
    }

    func testTricklingRequestHeadIsCutAtTheHeadDeadline() async throws {
        fixture = try await GatewayFixture.start(listen: #", "request_head_timeout_ms": 300"#)
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("GET /calendar/holidays HTTP/1.1\r\nHost: t\r\n")   // never finished
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 408)
        XCTAssertEqual(try response.json()["reason"] as? String, "request_timeout")
        XCTAssertTrue(client.isClosedByServer())
        XCTAssertEqual(fixture.backendRequestCount, 0)
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines[0].contains(#""status":408"#) && lines[0].contains(#""reason":"request_timeout""#), lines[0])
        XCTAssertTrue(lines[0].contains(#""method":"-""#), lines[0])
    }

    func testIdleKeepAliveConnectionIsClosedWithoutAnAnswerOrALogLine() async throws {
        fixture = try await GatewayFixture.start(listen: #", "keep_alive_timeout_ms": 300"#)
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("GET /calendar/holidays HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        XCTAssertTrue(client.isClosedByServer())   // no 408 bytes: isClosedByServer reads EOF first
        XCTAssertEqual(try fixture.logLines(), [])
    }

    func testStalledRequestBodyIsCutAtTheBodyIdleDeadline() async throws {
        fixture = try await GatewayFixture.start(listen: #", "body_idle_timeout_ms": 300"#)
        let token = try await fixture.token(["scope": "write:appointments"])
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("POST /appointments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\nContent-Length: 10\r\n\r\nhello")
        XCTAssertEqual(try client.readResponse().status, 408)
        XCTAssertTrue(client.isClosedByServer())
        XCTAssertEqual(fixture.backendRequestCount, 0)
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines[0].contains(#""reason":"request_timeout""#) && lines[0].contains(#""method":"POST""#), lines[0])
        XCTAssertTrue(lines[0].contains(#""route":"/appointments""#), lines[0])
    }

    /// A pipelined request's head is released when the previous response ends, outside any
    /// read: its body idle deadline must start then (it used to wait for a read that never
    /// came, and the backend connection was held until the upstream timeout).
    func testPipelinedRequestWithAStalledBodyGets408() async throws {
        fixture = try await GatewayFixture.start(listen: #", "body_idle_timeout_ms": 300"#)
        let token = try await fixture.token(["scope": "read:appointments write:appointments"])
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("GET /appointments/1 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n\r\n"
            + "POST /appointments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\nContent-Length: 10\r\n\r\nab")
        XCTAssertEqual(try client.readResponse().status, 200)
        XCTAssertEqual(try client.readResponse().status, 408)   // the client's read times out after 10 s otherwise
        XCTAssertTrue(client.isClosedByServer())
    }

    func testHalfClosedClientStillGetsItsResponse() async throws {
        fixture = try await GatewayFixture.start()
        let token = try await fixture.token(["scope": "write:appointments"])
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("POST /appointments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\nContent-Length: 2\r\n\r\nhi")
        client.shutdownWrite()
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try response.json()["body"] as? String, "hi")
        XCTAssertTrue(client.isClosedByServer())
    }

    func testHTTP10ClientNeverGetsChunkedFraming() async throws {
        fixture = try await GatewayFixture.start()
        let token = try await fixture.token()
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("GET /appointments/1?chunked=1 HTTP/1.0\r\nAuthorization: Bearer \(token)\r\n\r\n")
        let response = try client.readResponse()   // no length: the body runs to the close
        XCTAssertEqual(response.status, 200)
        XCTAssertNil(response.header("Transfer-Encoding"))
        XCTAssertEqual(try response.json()["path"] as? String, "/appointments/1")
    }

    /// Every answer the gateway writes itself (a denial, the health answer), to an HTTP/1.0
    /// client: HTTP/1.0 like forwarded ones, framed by Content-Length, and closed unless the
    /// client asked for keep-alive, which the answer then confirms.
    func testHTTP10ClientGetsTheGatewaysOwnAnswersAsHTTP10() async throws {
        fixture = try await GatewayFixture.start()
        for target in ["/nowhere", "/appointments/1", "/healthz"] {
            let client = try RawHTTPClient(port: fixture.port)
            try client.send("GET \(target) HTTP/1.0\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.version, "HTTP/1.0", target)
            XCTAssertNotNil(response.header("Content-Length"), target)
            XCTAssertNil(response.header("Transfer-Encoding"), target)
            XCTAssertTrue(client.isClosedByServer(), target)

            let kept = try RawHTTPClient(port: fixture.port)
            try kept.send("GET \(target) HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let first = try kept.readResponse()
            XCTAssertEqual(first.version, "HTTP/1.0", target)
            XCTAssertEqual(first.header("Connection"), "keep-alive", target)
            try kept.send("GET \(target) HTTP/1.0\r\n\r\n")
            XCTAssertEqual(try kept.readResponse().status, first.status, "\(target): the kept-alive connection answers again")
            XCTAssertTrue(kept.isClosedByServer(), target)
        }
    }

    func testUpgradeRequestIsAnsweredThenTheConnectionCloses() async throws {
        fixture = try await GatewayFixture.start()
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("GET /calendar/holidays HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                        + "GET /calendar/holidays HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(client.isClosedByServer())
    }

    func testOversizedChunkedBodyGets413BeforeTheConnectionCloses() async throws {
        fixture = try await GatewayFixture.start()   // limits.max_body_bytes is 65536
        let token = try await fixture.token(["scope": "write:appointments"])
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("POST /appointments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = Array("10000\r\n".utf8) + [UInt8](repeating: 0x61, count: 0x10000) + Array("\r\n".utf8)
        for _ in 0..<4 { try? client.send(chunk) }   // 256 KiB; the gateway stops wanting it after 64 KiB
        XCTAssertEqual(try client.readResponse().status, 413)
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    func testPublicRouteDoesNotPassUncheckedCredentialsOn() async throws {
        fixture = try await GatewayFixture.start()
        let response = try fixture.request("GET", "/calendar/holidays", token: "forged.token.value")
        XCTAssertEqual(response.status, 200)
        let names = (try response.json()["headers"] as? [[String]] ?? []).map { $0[0].lowercased() }
        XCTAssertFalse(names.contains("authorization"))
    }

    func testInvalidBackendStatusIs502() async throws {
        fixture = try await GatewayFixture.start()
        let response = try fixture.request("GET", "/calendar/holidays?status=600")
        XCTAssertEqual(response.status, 502)
        XCTAssertEqual(try response.json()["reason"] as? String, "upstream_reset")
    }

    func testCredentialsInAnAbsoluteFormTargetAreRefusedAndNotLogged() async throws {
        fixture = try await GatewayFixture.start()
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("GET http://user:SECRETTOKEN123@host/calendar/x HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 400)
        let log = try fixture.logLines().joined()
        XCTAssertFalse(log.contains("SECRETTOKEN123"))
    }
}
