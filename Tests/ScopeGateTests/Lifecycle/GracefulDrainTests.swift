import Foundation
import XCTest

/// SIGTERM/SIGINT on a real `scopegate serve`: the drain's phases, what clients see, the exit.
final class GracefulDrainTests: XCTestCase {
    /// The issue's acceptance case: a request in flight to a backend answering after 3 s,
    /// SIGTERM while it is under way: the client gets the backend's 200, readiness turns 503 at
    /// once, a new request during the drain delay is served (with `Connection: close`), and the
    /// process exits 0 well before the grace runs out.
    func testInFlightRequestFinishesAndNewRequestsAreServedDuringTheDelay() async throws {
        let served = try await ServedGateway.start(
            config: { $0.config(shutdown: #""drain_delay_ms": 1500, "grace_ms": 20000"#) })
        addTeardownBlock { await served.stop() }
        let token = try await served.token(scope: "read:slow read:fast")

        let started = Date()
        let inFlight = BackgroundRequest(
            port: served.port, "GET /slow/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\n\r\n")
        try served.waitForHeads(served.slow, 1)   // the backend has it: it answers 3 s later
        served.signal(SIGTERM)
        let draining = ServedGateway.object(try served.waitForLine(#""phase":"draining""#))
        XCTAssertEqual(draining["drain_delay_ms"] as? Int, 1500)

        // Readiness is 503 at once; liveness stays 200.
        let readiness = try served.admin("/readyz")
        XCTAssertEqual(readiness.status, 503)
        XCTAssertEqual(try readiness.json()["reason"] as? String, "draining")
        XCTAssertEqual(try served.admin("/livez").status, 200)

        // The listener still serves during the drain delay, and tells the client to go elsewhere next time.
        let client = try RawHTTPClient(port: served.port)
        try client.send("GET /fast/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\n\r\n")
        let during = try client.readResponse()
        XCTAssertEqual(during.status, 200)
        XCTAssertEqual(during.header("Connection")?.lowercased(), "close")

        let response = try inFlight.response(timeout: 20)
        XCTAssertEqual(response.status, 200, "the request in flight got the backend's answer")
        XCTAssertEqual(response.header("X-Backend"), "slow")

        try served.waitForLine(#""phase":"stopped_accepting""#)
        let stopped = ServedGateway.object(try served.waitForLine(#""phase":"stopped""#))
        XCTAssertEqual(stopped["cut"] as? Int, 0)
        XCTAssertEqual(served.waitForExit(timeout: 15), 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "exited before shutdown.grace_ms ran out")
        XCTAssertTrue(served.lines.contains { $0.contains(#""event":"access""#) && $0.contains(#""path":"/slow/1""#) })
    }

    /// What is still running when the grace ends is cut, logged with its request ID, and the
    /// process still exits 0.
    func testWorkStillRunningAtTheEndOfTheGraceIsCutAndLogged() async throws {
        let served = try await ServedGateway.start(
            config: { $0.config(shutdown: #""drain_delay_ms": 0, "grace_ms": 300"#) }, backendDelay: .seconds(30))
        addTeardownBlock { await served.stop() }
        let token = try await served.token(scope: "read:slow")
        let inFlight = BackgroundRequest(
            port: served.port,
            "GET /slow/cut HTTP/1.1\r\nHost: gw\r\nX-Request-Id: cut-me-1\r\nAuthorization: Bearer \(token)\r\n\r\n")
        try served.waitForHeads(served.slow, 1)
        served.signal(SIGTERM)
        let cut = ServedGateway.object(try served.waitForLine(#""event":"shutdown_cut""#))
        XCTAssertEqual(cut["request_id"] as? String, "cut-me-1")
        XCTAssertEqual(cut["path"] as? String, "/slow/cut")
        let stopped = ServedGateway.object(try served.waitForLine(#""phase":"stopped""#))
        XCTAssertEqual(stopped["cut"] as? Int, 1)
        XCTAssertEqual(served.waitForExit(timeout: 10), 0)
        XCTAssertThrowsError(try inFlight.response(timeout: 5), "the cut connection closes without an answer")
    }

    /// A second signal ends the drain at once, long before the drain delay and the grace.
    func testASecondSignalEndsAtOnce() async throws {
        let served = try await ServedGateway.start(
            config: { $0.config(shutdown: #""drain_delay_ms": 60000, "grace_ms": 60000"#) }, backendDelay: .seconds(30))
        addTeardownBlock { await served.stop() }
        let token = try await served.token(scope: "read:slow")
        _ = BackgroundRequest(port: served.port, "GET /slow/2 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\n\r\n")
        try served.waitForHeads(served.slow, 1)
        served.signal(SIGINT)
        try served.waitForLine(#""phase":"draining""#)
        let second = Date()
        served.signal(SIGTERM)
        let cut = ServedGateway.object(try served.waitForLine(#""event":"shutdown_cut""#))
        XCTAssertEqual(cut["description"] as? String, "a second signal ended the drain")
        XCTAssertEqual(served.waitForExit(timeout: 10), 0)
        XCTAssertLessThan(Date().timeIntervalSince(second), 10)
    }

    /// Idle keep-alive connections close when the listener stops accepting; new connections are refused.
    func testIdleConnectionsCloseWhenTheListenerStops() async throws {
        let served = try await ServedGateway.start(
            config: { $0.config(shutdown: #""drain_delay_ms": 0, "grace_ms": 20000"#) }, backendDelay: .seconds(3))
        addTeardownBlock { await served.stop() }
        let token = try await served.token(scope: "read:fast read:slow")
        let idle = try RawHTTPClient(port: served.port)
        try idle.send("GET /fast/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\n\r\n")
        XCTAssertEqual(try idle.readResponse().status, 200)
        // A request in flight keeps the process alive until it ends.
        let inFlight = BackgroundRequest(port: served.port, "GET /slow/3 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\n\r\n")
        try served.waitForHeads(served.slow, 1)
        served.signal(SIGTERM)
        try served.waitForLine(#""phase":"stopped_accepting""#)
        XCTAssertThrowsError(try idle.readResponse(), "the idle connection was closed")
        XCTAssertThrowsError(try RawHTTPClient(port: served.port).send("GET /fast/2 HTTP/1.1\r\nHost: gw\r\n\r\n"))
        XCTAssertEqual(try inFlight.response(timeout: 20).status, 200)
        XCTAssertEqual(served.waitForExit(timeout: 15), 0)
    }

    /// Streaming bodies in flight finish during the grace: an upload whose second half comes
    /// after the listener closed, and a download paced by the backend.
    func testStreamingBodiesInFlightFinish() async throws {
        let served = try await ServedGateway.start(
            config: { $0.config(shutdown: #""drain_delay_ms": 0, "grace_ms": 20000"#) }, backendDelay: .zero)
        addTeardownBlock { await served.stop() }
        let token = try await served.token(scope: "read:fast")
        let half = String(repeating: "u", count: 100_000)
        let upload = try RawHTTPClient(port: served.port)
        try upload.send("GET /fast/up?digest=1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\nContent-Length: 200000\r\n\r\n" + half)
        let download = BackgroundRequest(
            port: served.port,
            "GET /fast/down?bytes=655360&chunk-delay-ms=150 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\n\r\n")
        try served.waitForHeads(served.fast, 2)
        served.signal(SIGTERM)
        try served.waitForLine(#""phase":"stopped_accepting""#)

        try upload.send(half)
        let uploaded = try upload.readResponse()
        XCTAssertEqual(uploaded.status, 200)
        XCTAssertEqual(try uploaded.json()["body_bytes"] as? Int, 200_000)
        XCTAssertEqual(uploaded.header("Connection")?.lowercased(), "close")
        let downloaded = try download.response(timeout: 20)
        XCTAssertEqual(downloaded.status, 200)
        XCTAssertEqual(downloaded.body.count, 655_360)
        let stopped = ServedGateway.object(try served.waitForLine(#""phase":"stopped""#))
        XCTAssertEqual(stopped["cut"] as? Int, 0)
        XCTAssertEqual(served.waitForExit(timeout: 15), 0)
    }
}
