import Foundation
import XCTest

/// Backends whose bytes do not form one well-framed final response to the request (issue 13):
/// an unsolicited `101`, interim responses nobody asked for, a body after a `HEAD` or `204`
/// response, bytes after a response, an answer before the request body was sent, and a
/// connection closed between keep-alive requests. Each backend is byte-exact
/// (``ScriptedBackend``); the backend's timeouts in these configs are failure bounds only,
/// never waited out by a passing test.
final class ResponseBoundaryTests: XCTestCase {
    private var fixture: GatewayFixture?
    private var backend: ScriptedBackend?

    override func tearDown() async throws { try await stop() }

    static let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    /// What a backend must never get to append to a client's connection: a second response.
    static let smuggled = "HTTP/1.1 200 OK\r\nX-Smuggled: yes\r\nContent-Length: 5\r\n\r\nEVIL!"

    /// Starts `script` as the backend of `/scripted` (GET, HEAD and POST, public).
    private func start(_ script: @escaping @Sendable (_ connection: Int, _ request: Int) -> [ScriptedBackend.Step])
        async throws -> (GatewayFixture, ScriptedBackend) {
        let backend = try await ScriptedBackend.start(script)
        self.backend = backend
        let fixture = try await GatewayFixture.start(
            extraRoutes: #", {"prefix": "/scripted", "backend": "scripted", "methods": {"GET": "public", "POST": "public"}}"#,
            listen: #", "body_idle_timeout_ms": 20000"#,
            rawBackends: "\"scripted\": {\"url\": \"http://127.0.0.1:\(backend.port)\", \"timeout_ms\": 20000, "
                + "\"response_header_timeout_ms\": 3000, \"idle_timeout_ms\": 20000}")
        self.fixture = fixture
        return (fixture, backend)
    }

    private func stop() async throws {
        try await fixture?.shutdown()
        try await backend?.stop()
        fixture = nil
        backend = nil
    }

    /// Waits (at most 5 s, a failure bound) until the gateway closed the backend's connection
    /// number `connection`; a failure is recorded, not thrown, so a table goes on to its next case.
    private func assertClosedByGateway(_ backend: ScriptedBackend, connection: Int = 1, _ name: String,
                                       file: StaticString = #filePath, line: UInt = #line) async {
        do {
            try await backend.wait(seconds: 5) { $0.closedByGateway.contains(connection) }
        } catch {
            XCTFail("\(name): the gateway did not close backend connection \(connection): \(error)", file: file, line: line)
        }
    }

    private func assertOneUpstreamFailure(_ fixture: GatewayFixture, status: Int, reason: String, _ name: String,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 1, "\(name): \(lines)", file: file, line: line)
        guard let first = lines.first else { return }
        for part in [#""event":"upstream_failure""#, #""status":\#(status)"#, #""reason":"\#(reason)""#] {
            XCTAssertTrue(first.contains(part), "\(name): \(first)", file: file, line: line)
        }
    }

    /// A `101` to a request that asked for no upgrade (the gateway never forwards `Upgrade`):
    /// libcurl takes whatever follows as the body of the `101` and never reads a final head,
    /// so the gateway used to wait for the response-head timeout and answer 504. Now 502 at
    /// once, the backend connection closed, one `upstream_failure` line; the client's
    /// connection goes on.
    func testUnsolicitedSwitchingProtocolsIs502AtOnce() async throws {
        let answers = [
            ("101 then another protocol's bytes", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u{1}\u{5}hello"),
            ("101 then silence", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"),
            ("101 status line alone", "HTTP/1.1 101 Switching Protocols\r\n"),
        ]
        for (name, answer) in answers {
            let (fixture, backend) = try await start { connection, _ in connection == 1 ? [.send(answer)] : [.send(Self.ok)] }
            let client = try RawHTTPClient(port: fixture.port)
            try client.send("GET /scripted/1 HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 502, name)
            XCTAssertEqual(try response.json()["reason"] as? String, "upstream_reset", name)
            try client.send("GET /scripted/2 HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readResponse().bodyText, "ok", name)
            await assertClosedByGateway(backend, name)
            XCTAssertEqual(backend.observation.connections, 2, name)
            try assertOneUpstreamFailure(fixture, status: 502, reason: "upstream_reset", name)
            try await stop()
        }
    }

    /// Three digits below 100 are no HTTP status: 502 at once. (libcurl refuses them itself
    /// today; the head parser refuses any line that is no status line where one must be, so
    /// a libcurl that passed one on could not make the exchange wait.)
    func testStatusCodeBelow100Is502AtOnce() async throws {
        for code in ["099", "000"] {
            let (fixture, backend) = try await start { _, _ in [.send("HTTP/1.1 \(code) Odd\r\nContent-Length: 2\r\n\r\nok")] }
            let response = try fixture.request("GET", "/scripted/x")
            XCTAssertEqual(response.status, 502, code)
            XCTAssertEqual(try response.json()["reason"] as? String, "upstream_reset", code)
            await assertClosedByGateway(backend, code)
            try assertOneUpstreamFailure(fixture, status: 502, reason: "upstream_reset", code)
            try await stop()
        }
    }

    /// RFC 9110 §15.2: a client must parse 1xx responses it did not expect; `100` to a request
    /// without `Expect`, `102` and `103` are read and dropped (the gateway acts as the origin
    /// server towards its client and sends no interim responses), the final one is relayed
    /// without the interim fields, and the connection is reused.
    func testUnsolicitedInterimResponsesAreSkipped() async throws {
        let interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
            + "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        let (fixture, backend) = try await start { _, _ in
            [.send(interim + "HTTP/1.1 200 OK\r\nX-Final: 1\r\nContent-Length: 2\r\n\r\nok")]
        }
        let client = try RawHTTPClient(port: fixture.port)
        for round in 1...2 {
            try client.send("GET /scripted/\(round) HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 200, "round \(round)")
            XCTAssertEqual(response.bodyText, "ok", "round \(round)")
            XCTAssertEqual(response.header("X-Final"), "1", "round \(round)")
            XCTAssertNil(response.header("Link"), "round \(round)")
        }
        XCTAssertEqual(backend.observation.connections, 1)
        XCTAssertEqual(try fixture.logLines(), [])
    }

    /// RFC 9112 §6.3: a response to HEAD, and a 204, end at their head; any other response
    /// at the end of its length. Bytes after that are no part of it, and a client "MUST NOT
    /// process, cache, or forward such extra data as a separate response". libcurl drops
    /// what arrives in the same read (and closes the connection for a response with a body),
    /// but bytes arriving later stayed in the kept-alive connection and became the next
    /// request's response: here a smuggled `X-Smuggled` response. Now a kept-alive
    /// connection with bytes waiting is closed before it is reused, and the next request goes
    /// on a fresh one.
    func testBytesAfterAResponseAreNeverReadAsTheNextResponse() async throws {
        let headOfSmuggled = "HTTP/1.1 200 OK\r\nContent-Length: \(Self.smuggled.utf8.count)\r\n\r\n"
        let cases: [(name: String, method: String, status: Int, answer: [ScriptedBackend.Step], fresh: Bool)] = [
            ("HEAD, a body sent after the head", "HEAD", 200, [.send(headOfSmuggled), .hold(Self.smuggled)], true),
            ("HEAD, a body in the head's write", "HEAD", 200, [.send(headOfSmuggled + Self.smuggled)], false),
            ("GET, bytes sent after the response", "GET", 200, [.send(Self.ok), .hold(Self.smuggled)], true),
            ("GET, bytes in the response's write", "GET", 200, [.send(Self.ok + Self.smuggled)], true),
            ("204 with a body sent after it", "GET", 204, [.send("HTTP/1.1 204 No Content\r\n\r\n"), .hold(Self.smuggled)], true),
        ]
        for testCase in cases {
            let (fixture, backend) = try await start { connection, request in
                connection == 1 && request == 1 ? testCase.answer : [.send(Self.ok)]
            }
            let client = try RawHTTPClient(port: fixture.port)
            try client.send("\(testCase.method) /scripted/1 HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readResponse(head: testCase.method == "HEAD").status, testCase.status, testCase.name)
            try await backend.release()   // the late bytes are in the gateway's socket before the next request
            try client.send("GET /scripted/2 HTTP/1.1\r\nHost: t\r\n\r\n")
            let next = try client.readResponse()
            XCTAssertEqual(next.status, 200, testCase.name)
            XCTAssertEqual(next.bodyText, "ok", testCase.name)
            XCTAssertNil(next.header("X-Smuggled"), testCase.name)
            if testCase.fresh {
                XCTAssertEqual(backend.observation.connections, 2, testCase.name)
                await assertClosedByGateway(backend, testCase.name)
            }
            // Refused at reuse when the bytes came later; libcurl closed it itself otherwise.
            let refusedAtReuse = testCase.answer.contains { if case .hold = $0 { return true } else { return false } }
            XCTAssertEqual(fixture.gateway.upstreamStatistics.refusedConnections, refusedAtReuse ? 1 : 0, testCase.name)
            XCTAssertEqual(try fixture.logLines(), [], testCase.name)
            try await stop()
        }
    }

    /// RFC 9110 §10.1.1 and RFC 9112 §9.3 let a server answer before it read the request body
    /// (then read the rest or close). The gateway relays that answer; once it is whole the exchange is over: the rest of the body is not sent
    /// (the backend connection, left in the middle of a request, is closed) and the client
    /// connection closes after the response (a lingering close reads and drops what the
    /// client still sends). It used to go on waiting for the client's body (and, had the
    /// client sent it to a backend that stopped reading, for the backend's idle timeout).
    /// 60000 bytes are announced (under the fixture's `max_body_bytes`), 10 sent.
    func testAnAnswerBeforeTheRequestBodyEndsTheExchange() async throws {
        let cases: [(name: String, status: Int, answer: [ScriptedBackend.Step])] = [
            ("200, then the backend reads no more", 200, [.send(Self.ok), .stopReading]),
            ("200, the backend reads on", 200, [.send(Self.ok)]),
            ("413, then the backend reads no more", 413, [.send("HTTP/1.1 413 Content Too Large\r\nContent-Length: 2\r\n\r\nno"), .stopReading]),
            ("204, then the backend reads no more", 204, [.send("HTTP/1.1 204 No Content\r\n\r\n"), .stopReading]),
        ]
        for testCase in cases {
            let (fixture, backend) = try await start { _, _ in testCase.answer }
            // Reads time out after 5 s: far below the body and backend idle timeouts (20 s).
            let client = try RawHTTPClient(port: fixture.port, timeout: 5)
            try client.send("POST /scripted/upload HTTP/1.1\r\nHost: t\r\nContent-Length: 60000\r\n\r\n0123456789")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, testCase.status, testCase.name)
            XCTAssertTrue(client.isClosedByServer(), "\(testCase.name): the exchange ended with the response")
            try await backend.resumeReading()
            await assertClosedByGateway(backend, testCase.name)
            XCTAssertEqual(fixture.gateway.upstreamStatistics.earlyAnswers, 1, testCase.name)
            XCTAssertEqual(try fixture.logLines(), [], testCase.name)
            try await stop()
        }
    }

    /// A kept-alive backend connection closed (or reset) between two requests, or in the
    /// middle of the next response, with the client pipelining: the next request is retried on
    /// a fresh connection or answered 502, never left waiting, and the one after it works; a
    /// response cut after it started cuts the client's connection (a truncated body is never
    /// passed off as whole).
    func testABackendConnectionClosedBetweenRequestsIsRetriedOrAnswered() async throws {
        let get = "GET /scripted/2 HTTP/1.1\r\nHost: t\r\n\r\n"
        let cases: [(name: String, first: [ScriptedBackend.Step], second: [ScriptedBackend.Step], request: String, cut: Bool)] = [
            ("closed after the first response", [.send(Self.ok), .close], [.send(Self.ok)], get, false),
            ("closed when the next request arrives", [.send(Self.ok)], [.close], get, false),
            ("reset when the next request arrives", [.send(Self.ok)], [.reset], get, false),
            ("closed in the next response's head", [.send(Self.ok)], [.send("HTTP/1.1 200 OK\r\nContent-Le"), .close], get, false),
            ("closed when a POST with a body arrives", [.send(Self.ok)], [.close],
             "POST /scripted/2 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello", false),
            ("closed in the next response's body", [.send(Self.ok)], [.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok"), .close],
             get, true),
        ]
        for testCase in cases {
            let (fixture, _) = try await start { connection, request in
                guard connection == 1 else { return [.send(Self.ok)] }
                return request == 1 ? testCase.first : testCase.second
            }
            let client = try RawHTTPClient(port: fixture.port, timeout: 5)
            try client.send("GET /scripted/1 HTTP/1.1\r\nHost: t\r\n\r\n" + testCase.request
                            + "GET /scripted/3 HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readResponse().bodyText, "ok", testCase.name)
            if testCase.cut {
                // 10 bytes announced, 2 sent: the client's connection closes after them.
                XCTAssertThrowsError(try client.readResponse(), testCase.name) { error in
                    XCTAssertEqual("\(error)", "connection closed mid-body", testCase.name)
                }
            } else {
                let second = try client.readResponse()
                XCTAssertTrue([200, 502].contains(second.status), "\(testCase.name): \(second.status)")
                if second.status == 200 {
                    XCTAssertEqual(second.bodyText, "ok", testCase.name)
                    XCTAssertEqual(try fixture.logLines(), [], testCase.name)
                } else {
                    // The backend closed the connection: upstream_reset, whatever libcurl's error
                    // (a streamed body cannot be sent again: "necessary data rewind wasn't possible").
                    XCTAssertEqual(try second.json()["reason"] as? String, "upstream_reset", testCase.name)
                    try assertOneUpstreamFailure(fixture, status: 502, reason: "upstream_reset", testCase.name)
                }
                XCTAssertEqual(try client.readResponse().bodyText, "ok", testCase.name)
            }
            try await stop()
        }
    }
}
