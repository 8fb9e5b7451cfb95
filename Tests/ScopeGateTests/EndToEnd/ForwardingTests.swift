import Foundation
import XCTest

/// Allowed requests reach the right backend unchanged, and its answer comes back unchanged.
final class ForwardingTests: XCTestCase {
    private var fixture: GatewayFixture!

    override func setUp() async throws { fixture = try await GatewayFixture.start() }
    override func tearDown() async throws { try await fixture?.shutdown() }

    func testAllowedGetReachesItsBackendWithPathAndQuery() async throws {
        let token = try await fixture.token()
        let response = try fixture.request("GET", "/appointments/42?view=full&x=%2F", token: token, headers: ["Accept: application/json", "X-Custom: 1"])
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("X-Backend"), "appointments")
        let echo = try response.json()
        XCTAssertEqual(echo["backend"] as? String, "appointments")
        XCTAssertEqual(echo["method"] as? String, "GET")
        XCTAssertEqual(echo["path"] as? String, "/appointments/42")
        XCTAssertEqual(echo["query"] as? String, "view=full&x=%2F")
        let headers = (echo["headers"] as? [[String]] ?? []).map { ($0[0].lowercased(), $0[1]) }
        XCTAssertTrue(headers.contains { $0 == ("x-custom", "1") })
        XCTAssertTrue(headers.contains { $0 == ("accept", "application/json") })
        XCTAssertEqual(fixture.appointments.requestCount, 1)
        XCTAssertEqual(fixture.calendar.requestCount, 0)
    }

    func testAllowedPostWithBodyReachesItsBackend() async throws {
        let token = try await fixture.token(["scope": "write:appointments"])
        let body = #"{"when":"2027-01-20T10:00:00Z","who":"bob"}"#
        let response = try fixture.request("POST", "/appointments", token: token, headers: ["Content-Type: application/json"], body: body)
        XCTAssertEqual(response.status, 200)
        let echo = try response.json()
        XCTAssertEqual(echo["method"] as? String, "POST")
        XCTAssertEqual(echo["path"] as? String, "/appointments")
        XCTAssertEqual(echo["body"] as? String, body)
        XCTAssertEqual(echo["body_bytes"] as? Int, body.utf8.count)
        let headers = (echo["headers"] as? [[String]] ?? []).map { ($0[0].lowercased(), $0[1]) }
        XCTAssertTrue(headers.contains { $0 == ("content-type", "application/json") })
        XCTAssertTrue(headers.contains { $0 == ("content-length", String(body.utf8.count)) })
    }

    func testSecondPrefixGoesToTheSecondBackend() async throws {
        let token = try await fixture.token(["scope": "read:calendar"], key: fixture.ec)
        let response = try fixture.request("GET", "/calendar/2027/01", token: token)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try response.json()["backend"] as? String, "calendar")
        XCTAssertEqual(fixture.calendar.requestCount, 1)
        XCTAssertEqual(fixture.appointments.requestCount, 0)
    }

    func testBackendStatusHeadersAndBodyComeBackUnchanged() async throws {
        let token = try await fixture.token()
        let response = try fixture.request("GET", "/appointments/x?status=201&set-header=X-Trace:abc", token: token)
        XCTAssertEqual(response.status, 201)
        XCTAssertEqual(response.header("X-Trace"), "abc")
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        XCTAssertEqual(try response.json()["path"] as? String, "/appointments/x")
    }

    func testHeadFollowsTheGetRuleAndHasNoBody() async throws {
        let token = try await fixture.token()
        let response = try fixture.request("HEAD", "/appointments/1", token: token)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("X-Backend"), "appointments")
        XCTAssertEqual(try fixture.request("HEAD", "/appointments/1").status, 401)
        // No stray body bytes: the next response on the same connection parses cleanly.
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("HEAD /appointments/1 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n\r\n"
                        + "GET /appointments/2 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n\r\n")
        XCTAssertEqual(try client.readResponse(head: true).status, 200)
        let next = try client.readResponse()
        XCTAssertEqual(next.status, 200)
        XCTAssertEqual(try next.json()["path"] as? String, "/appointments/2")
        let scopeless = try await fixture.token(["scope": "profile"])
        XCTAssertEqual(try fixture.request("HEAD", "/appointments/1", token: scopeless).status, 403)
    }

    func testPublicRouteNeedsNoToken() async throws {
        let response = try fixture.request("GET", "/calendar/holidays/2027")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try response.json()["backend"] as? String, "calendar")
    }

    func testNormalisedPathIsWhatTheBackendReceives() async throws {
        let token = try await fixture.token()
        let response = try fixture.request("GET", "//appointments/./a/../b%7E", token: token)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try response.json()["path"] as? String, "/appointments/b~")
    }

    /// After a response that closes the connection nothing the client pipelined behind it is
    /// processed, answered or logged (RFC 9112 §9.6): no second request reaches a backend and
    /// the parser's complaint about bytes after `Connection: close` is not a "malformed" denial.
    func testNothingPipelinedAfterAClosingRequestIsAnsweredOrLogged() async throws {
        let token = try await fixture.token()
        for (first, version) in [("Connection: close\r\n", "HTTP/1.1"), ("", "HTTP/1.0")] {
            let client = try RawHTTPClient(port: fixture.port)
            try client.send("GET /appointments/1 \(version)\r\nHost: t\r\n\(first)Authorization: Bearer \(token)\r\n\r\n"
                + "GET /appointments/2 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(try response.json()["path"] as? String, "/appointments/1")
            XCTAssertTrue(client.isClosedByServer(), version)
        }
        XCTAssertEqual(fixture.backendRequestCount, 2)
        XCTAssertEqual(try fixture.logLines(), [])
    }

    /// Failing input (issue 13): a denied request pipelined before one with `Connection: close`
    /// was logged but never answered; the connection just closed. Every request read is
    /// answered, in order, before the close.
    func testEveryPipelinedRequestBeforeAClosingOneIsAnswered() async throws {
        let token = try await fixture.token()
        let cases: [(first: String, second: String, statuses: [Int])] = [
            ("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n", "GET /nowhere/2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", [404, 404]),
            ("GET /appointments/1 HTTP/1.1\r\nHost: t\r\n\r\n",
             "GET /appointments/2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer \(token)\r\n\r\n", [401, 200]),
            ("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n",
             "GET /appointments/2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer \(token)\r\n\r\n", [404, 200]),
            ("GET /appointments/1 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n\r\n",
             "GET /nowhere HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", [200, 404]),
        ]
        for testCase in cases {
            let client = try RawHTTPClient(port: fixture.port)
            try client.send(testCase.first + testCase.second)
            var statuses: [Int] = []
            while statuses.count < 2, let response = try? client.readResponse() { statuses.append(response.status) }
            XCTAssertEqual(statuses, testCase.statuses, testCase.first + testCase.second)
            XCTAssertTrue(client.isClosedByServer())
        }
    }

    func testKeepAliveAndPipelinedRequestsAreAnsweredInOrder() async throws {
        let token = try await fixture.token()
        let client = try RawHTTPClient(port: fixture.port)
        var batch = ""
        for target in ["/appointments/1", "/nowhere", "/appointments/2", "/appointments/3?status=202"] {
            batch += "GET \(target) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n\r\n"
        }
        try client.send(batch)
        let first = try client.readResponse()
        let second = try client.readResponse()
        let third = try client.readResponse()
        let fourth = try client.readResponse()
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(try first.json()["path"] as? String, "/appointments/1")
        XCTAssertEqual(second.status, 404)
        XCTAssertEqual(third.status, 200)
        XCTAssertEqual(try third.json()["path"] as? String, "/appointments/2")
        XCTAssertEqual(fourth.status, 202)
        // Still open: a fifth request on the same connection works.
        try client.send("GET /appointments/5 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
    }

    func testHopByHopHeadersAreNotForwarded() async throws {
        let token = try await fixture.token()
        let response = try fixture.request("GET", "/appointments/1", token: token,
                                           headers: ["Connection: keep-alive, X-Secret-Hop", "X-Secret-Hop: 1", "Keep-Alive: timeout=5",
                                                     "TE: trailers", "Upgrade: websocket", "Proxy-Connection: keep-alive"])
        XCTAssertEqual(response.status, 200)
        let names = Set((try response.json()["headers"] as? [[String]] ?? []).map { $0[0].lowercased() })
        for hop in ["connection", "x-secret-hop", "keep-alive", "te", "upgrade", "proxy-connection"] {
            XCTAssertFalse(names.contains(hop), hop)
        }
    }

    /// The framing headers the engine sets itself never come from the client, in any spelling a
    /// backend might fold into them (`_` for `-`, as CGI-style servers do): before, the
    /// underscore spelling of `Transfer-Encoding` was forwarded.
    func testFramingHeadersInTheUnderscoreSpellingAreNotForwarded() async throws {
        let token = try await fixture.token()
        let response = try fixture.request("GET", "/appointments/1", token: token,
                                           headers: ["Transfer_Encoding: chunked", "Content_Length: 12", "X-Kept: 1"])
        XCTAssertEqual(response.status, 200)
        let names = Set((try response.json()["headers"] as? [[String]] ?? []).map { $0[0].lowercased() })
        XCTAssertTrue(names.contains("x-kept"), "\(names)")
        for framing in ["transfer_encoding", "content_length", "transfer-encoding", "content-length"] {
            XCTAssertFalse(names.contains(framing), framing)
        }
    }

    func testHealthEndpointAnswersWithoutToken() throws {
        let response = try fixture.request("GET", "/healthz")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try response.json()["status"] as? String, "ready")
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    func testUnreachableBackendIs502AndLogged() async throws {
        try await fixture.shutdown()
        let closedPort = try ClosedPort.find()
        fixture = try await GatewayFixture.start(
            extraBackends: ["down": "http://127.0.0.1:\(closedPort)"],
            extraRoutes: #", {"prefix": "/down", "backend": "down", "methods": {"GET": "public"}}"#)
        let response = try fixture.request("GET", "/down/x")
        XCTAssertEqual(response.status, 502)
        XCTAssertEqual(try response.json()["reason"] as? String, "upstream_connect_failed")
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].contains("\"event\":\"upstream_failure\""), lines[0])
        XCTAssertTrue(lines[0].contains("\"reason\":\"upstream_connect_failed\""), lines[0])
    }
}

/// The backend's framing, made unambiguous before it reaches the client (RFC 9112 §6.3): a
/// backend cannot append a second response to the client's connection (response splitting,
/// found by an adversarial pass: `Content-Length: 2` beside `Transfer-Encoding: chunked`
/// forwarded the length while libcurl framed the body by the chunks).
final class ResponseFramingTests: XCTestCase {
    private var fixture: GatewayFixture?
    private var backend: CannedResponseBackend?

    override func tearDown() async throws {
        try await fixture?.shutdown()
        try await backend?.stop()
    }

    private func start(_ response: String) async throws -> GatewayFixture {
        let backend = try await CannedResponseBackend.start(response: response)
        self.backend = backend
        let fixture = try await GatewayFixture.start(
            extraRoutes: #", {"prefix": "/canned", "backend": "canned", "methods": {"GET": "public"}}"#,
            rawBackends: "\"canned\": {\"url\": \"http://127.0.0.1:\(backend.port)\", \"timeout_ms\": 3000}")
        self.fixture = fixture
        return fixture
    }

    func testTransferEncodingWinsOverContentLengthAndNothingIsSmuggled() async throws {
        let smuggled = "okHTTP/1.1 200 OK\r\nX-Smuggled: yes\r\nContent-Length: 5\r\n\r\nEVIL!"
        let chunk = String(smuggled.utf8.count, radix: 16)
        let fixture = try await start("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "\(chunk)\r\n\(smuggled)\r\n0\r\n\r\n")
        let client = try RawHTTPClient(port: fixture.port)
        for round in 1...2 {
            try client.send("GET /canned/\(round) HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 200, "round \(round)")
            XCTAssertNil(response.header("Content-Length"), "round \(round)")
            XCTAssertNil(response.header("X-Smuggled"), "round \(round)")
            XCTAssertEqual(response.bodyText, smuggled, "round \(round): the chunk is body, all of it")
        }
    }

    /// A head whose body comes later reaches the client before the body (an event stream, a
    /// long poll): it used to wait for the first body byte.
    func testHeadGoesOutBeforeASlowBody() async throws {
        let backend = try await CannedResponseBackend.start(
            response: "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
            held: "6\r\nevent1\r\n0\r\n\r\n")
        self.backend = backend
        let fixture = try await GatewayFixture.start(
            extraRoutes: #", {"prefix": "/canned", "backend": "canned", "methods": {"GET": "public"}}"#,
            rawBackends: "\"canned\": {\"url\": \"http://127.0.0.1:\(backend.port)\", \"timeout_ms\": 20000}")
        self.fixture = fixture
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("GET /canned/stream HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readHead()   // times out (10 s) if the head waits for the body
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Type"), "text/event-stream")
        backend.release()
        var body: [UInt8] = []
        _ = try client.readBody(upTo: 16) { body += $0 }   // re-chunked: "6\r\nevent1\r\n0\r\n\r\n"
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "6\r\nevent1\r\n0\r\n\r\n")
    }

    /// A malformed first chunk in the same packet as the head: the head was never written,
    /// so the client gets a 502, not a bare close.
    func testBadFirstChunkBeforeAnyByteReachedTheClientIs502() async throws {
        let fixture = try await start("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n")
        let response = try fixture.request("GET", "/canned/x")
        XCTAssertEqual(response.status, 502)
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines[0].contains(#""status":502"#), lines[0])
    }

    func testContradictoryOrMalformedContentLengthIs502() async throws {
        for lengths in [["2", "60"], ["2, 60"], ["+2"], ["2abc"], ["2 0"]] {
            let lines = lengths.map { "Content-Length: \($0)\r\n" }.joined()
            let fixture = try await start("HTTP/1.1 200 OK\r\n\(lines)\r\nokEXTRA-BYTES-UP-TO-SIXTY")
            let response = try fixture.request("GET", "/canned/x")
            XCTAssertEqual(response.status, 502, "\(lengths)")
            try await fixture.shutdown()
            try await backend?.stop()
            self.fixture = nil
            self.backend = nil
        }
    }
}

/// A loopback port with nothing listening: bound, then closed.
enum ClosedPort {
    static func find() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
