import Foundation
import XCTest
@testable import ScopeGateUpstream

/// Backends with several instances: round robin, failover of connect-level failures to
/// another instance, ejection, and no retry where a retry could repeat an effect.
final class FailoverTests: XCTestCase {
    private var fixture: GatewayFixture!
    private var closedPort = 0

    override func setUp() async throws {
        closedPort = try ClosedPort.find()
        let down = "http://127.0.0.1:\(closedPort)"
        fixture = try await GatewayFixture.start(
            extraRoutes: """
            , {"prefix": "/pool", "backend": "pool", "methods": {"GET": "public", "POST": "public"}}
            , {"prefix": "/noretry", "backend": "noretry", "methods": {"GET": "public"}}
            , {"prefix": "/spread", "backend": "spread", "methods": {"GET": "public"}}
            """,
            rawBackends: """
            "pool": {"urls": ["\(down)", "http://127.0.0.1:$APPOINTMENTS_PORT"], "retries": 1, "eject_after_failures": 3},
            "noretry": {"urls": ["\(down)", "http://127.0.0.1:$APPOINTMENTS_PORT"], "retries": 0},
            "spread": {"urls": ["http://127.0.0.1:$APPOINTMENTS_PORT", "http://127.0.0.1:$CALENDAR_PORT"]}
            """)
    }

    override func tearDown() async throws { try await fixture?.shutdown() }

    private func pool(_ name: String) throws -> BackendPool {
        try XCTUnwrap(fixture.gateway.backendPools[name])
    }

    func testConnectFailuresFailOverToTheLiveInstanceUntilTheDownOneIsEjected() throws {
        for index in 0..<20 {
            let response = try fixture.request("GET", "/pool/\(index)")
            XCTAssertEqual(response.status, 200, "request \(index)")
            XCTAssertEqual(try response.json()["path"] as? String, "/pool/\(index)")
        }
        XCTAssertEqual(fixture.appointments.requestCount, 20)
        let statuses = try pool("pool").statuses
        // Round robin offers the down instance first until its third connect failure ejects
        // it (the injected clock stands still, so it stays ejected).
        XCTAssertEqual(statuses[0].attempts, 3)
        XCTAssertEqual(statuses[0].connectFailures, 3)
        XCTAssertNotNil(statuses[0].ejectedUntil)
        XCTAssertEqual(statuses[1].attempts, 20)
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 3, "\(lines)")
        for line in lines {
            XCTAssertTrue(line.contains(#""event":"upstream_failure""#), line)
            XCTAssertTrue(line.contains(#""instance":"http://127.0.0.1:\#(closedPort)""#), line)
            XCTAssertTrue(line.contains(#""retried":true"#), line)
            XCTAssertTrue(line.contains(#""reason":"upstream_connect_failed""#), line)
            XCTAssertFalse(line.contains(#""status""#), line)
        }
    }

    func testPostWithABodyIsNotRetried() throws {
        let response = try fixture.request("POST", "/pool/orders", body: #"{"item":1}"#)
        XCTAssertEqual(response.status, 502)
        XCTAssertEqual(try response.json()["reason"] as? String, "upstream_connect_failed")
        XCTAssertEqual(fixture.appointments.requestCount, 0)
        XCTAssertEqual(try pool("pool").statuses.map(\.attempts), [1, 0])
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines[0].contains(#""status":502"#), lines[0])
        XCTAssertTrue(lines[0].contains(#""instance":"http://127.0.0.1:\#(closedPort)""#), lines[0])
        XCTAssertFalse(lines[0].contains("retried"), lines[0])
    }

    func testNoRetriesMeansTheFirstConnectFailureIs502() throws {
        let failed = try fixture.request("GET", "/noretry/a")
        XCTAssertEqual(failed.status, 502)
        XCTAssertEqual(fixture.appointments.requestCount, 0)
        // The next request takes the next instance in turn.
        XCTAssertEqual(try fixture.request("GET", "/noretry/b").status, 200)
        XCTAssertEqual(fixture.appointments.requestCount, 1)
        XCTAssertEqual(try pool("noretry").statuses.map(\.attempts), [1, 1])
    }

    func testRoundRobinSpreadsRequestsOverTwoLiveInstances() throws {
        var answeredBy: [String] = []
        for index in 0..<10 {
            let response = try fixture.request("GET", "/spread/\(index)")
            XCTAssertEqual(response.status, 200)
            answeredBy.append(response.header("X-Backend") ?? "?")
        }
        XCTAssertEqual(answeredBy, Array(repeating: ["appointments", "calendar"], count: 5).flatMap { $0 })
        XCTAssertEqual(fixture.appointments.requestCount, 5)
        XCTAssertEqual(fixture.calendar.requestCount, 5)
        XCTAssertTrue(try fixture.logLines().isEmpty)
    }
}
