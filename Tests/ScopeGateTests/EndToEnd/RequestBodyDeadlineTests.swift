import Foundation
import XCTest

/// A client too slow with its request body (issue 13: a trickle holds a backend connection):
/// the body's minimum rate, over real sockets, against a backend that records what reached it.
/// The deadlines are tiny (100 bytes/s after 200 ms); a trickling client paces its bytes by
/// waiting for the gateway's answer, never by a fixed sleep.
final class RequestBodyDeadlineTests: XCTestCase {
    private var fixture: GatewayFixture!
    private var recorder: RecordingBackend?

    override func tearDown() async throws {
        try await fixture?.shutdown()
        try await recorder?.stop()
    }

    /// 100 bytes/s once 200 ms have passed; the idle deadline stays at its 30 s default.
    static let pace = #", "body_min_bytes_per_second": 100, "body_min_rate_grace_ms": 200"#
    static let routes = #", {"prefix": "/recorder", "backend": "recorder", "methods": {"POST": "public"}}"#
    /// The recording backend, with a whole-exchange timeout the pace must beat (the 504 of today).
    static func backend(port: Int) -> String { "\"recorder\": {\"url\": \"http://127.0.0.1:\(port)\", \"timeout_ms\": 5000}" }

    private func startWithRecorder(answer: String? = nil) async throws -> RecordingBackend {
        let recorder = try await RecordingBackend.start(answer: answer)
        self.recorder = recorder
        fixture = try await GatewayFixture.start(extraRoutes: Self.routes, listen: Self.pace, rawBackends: Self.backend(port: recorder.port))
        return recorder
    }

    /// Sends one byte every 50 ms (20 bytes/s, a fifth of the minimum) until the gateway sends
    /// something or closes; returns how many were sent.
    private func trickle(_ client: RawHTTPClient, upTo limit: Int = 100) throws -> Int {
        var sent = 0
        while !client.waitForInput(milliseconds: 50) {
            guard sent < limit else { throw RawHTTPClient.ClientError("no answer after \(sent) trickled bytes") }
            try client.send("a")
            sent += 1
        }
        return sent
    }

    func testTricklingBodyGets408AndTheBackendNeverGetsAWholeRequest() async throws {
        let recorder = try await startWithRecorder()
        let client = try RawHTTPClient(port: fixture.port)
        let started = Date()
        try client.send("POST /recorder/upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n")
        let sent = try trickle(client)
        let response = try client.readResponse()
        let elapsed = Date().timeIntervalSince(started)

        XCTAssertEqual(response.status, 408)
        XCTAssertEqual(try response.json()["reason"] as? String, "request_timeout")
        XCTAssertTrue(client.isClosedByServer())
        // Due at 200 ms + 10 ms per byte read ≈ 250 ms; today it was the backend's 504 after 5 s.
        XCTAssertLessThan(elapsed, 2, "answered after \(elapsed) s and \(sent) bytes")

        // The backend got the head and part of the body, then its connection went away.
        let seen = recorder.wait(timeout: 5) { $0.count == 1 && $0[0].closed }
        XCTAssertEqual(seen.count, 1)
        XCTAssertEqual(seen.first?.closed, true, "the upstream transfer was not aborted")
        XCTAssertEqual(seen.first?.head?.hasPrefix("POST /recorder/upload HTTP/1.1\r\n"), true)
        XCTAssertLessThan(seen.first?.bodyBytes?.count ?? 0, 1000, "the backend got a whole body")
        XCTAssertLessThanOrEqual(seen.first?.bodyBytes?.count ?? 0, sent)

        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines[0].contains(#""status":408"#) && lines[0].contains(#""reason":"request_timeout""#), lines[0])
        XCTAssertTrue(lines[0].contains(#""route":"/recorder""#), lines[0])
        XCTAssertTrue(lines[0].contains("request body slower than 100 bytes/s after a 200 ms grace"), lines[0])
    }

    /// A backend that answers before the body ended: the client already has the response's
    /// head, so no 408 can follow; the connection is cut and the denial line says so.
    func testTricklingBodyAfterAnEarlyAnswerIsCut() async throws {
        let recorder = try await startWithRecorder(answer: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("POST /recorder/upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n")
        _ = try trickle(client)   // until the early answer arrives
        let head = try client.readHead()
        XCTAssertEqual(head.status, 200)
        var body: [UInt8] = []
        try client.readBody(upTo: 7) { body += $0 }
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "partial")
        _ = try trickle(client)   // until the gateway gives up on the body
        XCTAssertTrue(client.isClosedByServer(), "cut, without a 408 after the 200")

        let seen = recorder.wait(timeout: 5) { $0.count == 1 && $0[0].closed }
        XCTAssertEqual(seen.first?.closed, true, "the upstream transfer was not aborted")
        XCTAssertLessThan(seen.first?.bodyBytes?.count ?? 0, 1000)
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines[0].contains(#""reason":"request_timeout""#), lines[0])
        XCTAssertTrue(lines[0].contains("the response had started, so the connection was cut"), lines[0])
    }

    /// 25 bytes every 50 ms (500 bytes/s, five times the minimum) for a second, four times as
    /// long as the trickle above lasted: never cut, and the backend gets the whole body.
    func testSteadyUploadAboveTheMinimumRateIsNotCut() async throws {
        _ = try await startWithRecorder()
        let token = try await fixture.token(["scope": "write:appointments"])
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("POST /appointments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\nContent-Length: 500\r\n\r\n")
        for part in 0..<20 {
            XCTAssertFalse(client.waitForInput(milliseconds: 50), "the gateway answered after \(part * 25) bytes")
            try client.send(String(repeating: "b", count: 25))
        }
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try response.json()["body_bytes"] as? Int, 500)
        XCTAssertEqual(try fixture.logLines(), [])
    }

    /// `Expect: 100-continue`: the interim 100 is not the response, so a body that then stalls
    /// still gets its 408 (it used to be a bare close: the deadline took the 100 for the answer).
    func testStalledBodyAfter100ContinueGets408() async throws {
        fixture = try await GatewayFixture.start(listen: #", "body_idle_timeout_ms": 300"#)
        let token = try await fixture.token(["scope": "write:appointments"])
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("POST /appointments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n"
                        + "Expect: 100-continue\r\nContent-Length: 10\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 100)
        try client.send("abc")
        XCTAssertEqual(try client.readResponse().status, 408)
        XCTAssertTrue(client.isClosedByServer())
        XCTAssertEqual(fixture.backendRequestCount, 0)
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines[0].contains("request body idle for 300 ms"), lines[0])
    }
}
