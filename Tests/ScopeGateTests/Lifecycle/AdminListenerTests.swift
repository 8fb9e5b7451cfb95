import Foundation
import NIOConcurrencyHelpers
import XCTest
@testable import ScopeGateServer

/// The admin listener of a real `scopegate serve`: `/metrics` (checked by Prometheus's own
/// `promtool`), `/livez`, `/readyz`, and the access log.
final class AdminListenerTests: XCTestCase {
    private static func configWithDownBackend(_ served: ServedGateway) -> String {
        served.config()
            .replacingOccurrences(of: #""fast": {"url""#, with: #""down": {"url": "http://127.0.0.1:1", "retries": 0}, "fast": {"url""#)
            .replacingOccurrences(of: #""routes": ["#, with: #""routes": [{"prefix": "/down", "backend": "down", "methods": {"GET": []}},"#)
    }

    func testMetricsMoveWithRequestsDenialsAndUpstreamFailuresAndPassPromtool() async throws {
        let served = try await ServedGateway.start(config: Self.configWithDownBackend, backendDelay: .zero)
        addTeardownBlock { await served.stop() }
        let token = try await served.token(scope: "read:fast")
        XCTAssertEqual(try served.admin("/livez").status, 200)

        let client = try RawHTTPClient(port: served.port)
        for target in ["/fast/1?secret=query", "/fast/2"] {
            try client.send("GET \(target) HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\n\r\n")
            XCTAssertEqual(try client.readResponse().status, 200)
        }
        try client.send("GET /fast/3 HTTP/1.1\r\nHost: gw\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 401)
        try client.send("GET /slow/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 403)
        try client.send("GET /down/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 502)
        try client.send("GET /metrics HTTP/1.1\r\nHost: gw\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 404, "the public listener does not serve metrics")
        let refused = try RawHTTPClient(port: served.port)
        try refused.send("FOO /fast/1 HTTP/1.1\r\nHost: gw\r\n\r\n")
        XCTAssertEqual(try refused.readResponse().status, 400)
        try served.waitForLine(#""path":"/metrics""#)
        try served.waitForLine(#""reason":"invalid_request""#)   // the last denial is logged: every count is in

        let response = try served.admin("/metrics")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") ?? false)
        let text = String(decoding: response.body, as: UTF8.self)
        for line in [
            #"scopegate_requests_total{route="/fast",method="GET",code="2xx"} 2"#,
            #"scopegate_requests_total{route="/fast",method="GET",code="4xx"} 1"#,
            #"scopegate_requests_total{route="/slow",method="GET",code="4xx"} 1"#,
            #"scopegate_requests_total{route="/down",method="GET",code="5xx"} 1"#,
            #"scopegate_requests_total{route="none",method="GET",code="4xx"} 1"#,
            #"scopegate_requests_total{route="none",method="other",code="4xx"} 1"#,
            #"scopegate_denials_total{reason="missing_token",route="/fast"} 1"#,
            #"scopegate_denials_total{reason="insufficient_scope",route="/slow"} 1"#,
            #"scopegate_denials_total{reason="route_not_found",route="none"} 1"#,
            #"scopegate_upstream_failures_total{backend="down",kind="upstream_connect_failed"} 1"#,
            #"scopegate_upstream_duration_seconds_count{backend="fast"} 2"#,
            #"scopegate_request_duration_seconds_count{route="/fast"} 3"#,
            #"scopegate_jwks_fetches_total{issuer="https://issuer.lifecycle.test/"} 1"#,
            #"scopegate_jwks_keys_loaded{issuer="https://issuer.lifecycle.test/"} 1.0"#,
            "scopegate_requests_in_flight 0.0",
            "scopegate_verification_cache_hits_total 3",
            "scopegate_config_generation 1",
        ] {
            XCTAssertTrue(text.contains(line), "missing \(line) in:\n\(text)")
        }
        XCTAssertTrue(text.contains("scopegate_client_connections 1.0") || text.contains("scopegate_client_connections 2.0"))
        XCTAssertFalse(text.contains("secret") || text.contains("alice") || text.contains(token), "no query, subject or token in a label")

        // Prometheus's own checker (Debian's `prometheus` package; CI installs it).
        guard let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: FileManager.default.isExecutableFile) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { return XCTFail("promtool is missing (Debian package prometheus)") }
            throw XCTSkip("promtool not installed (apt-get install prometheus)")
        }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: promtool)
        check.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        check.standardInput = input
        check.standardOutput = output
        check.standardError = output
        try check.run()
        input.fileHandleForWriting.write(Data(response.body))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        XCTAssertEqual(check.terminationStatus, 0, "promtool check metrics: \(report)")
        XCTAssertEqual(report.trimmingCharacters(in: .whitespacesAndNewlines), "", "promtool found problems: \(report)")
    }

    /// One access line per forwarded request, with what an SLO needs and nothing secret.
    func testAccessLogHasOneLinePerForwardedRequestWithoutSecrets() async throws {
        let served = try await ServedGateway.start(config: Self.configWithDownBackend, backendDelay: .zero)
        addTeardownBlock { await served.stop() }
        let token = try await served.token(scope: "read:fast")
        let refused = try RawHTTPClient(port: served.port)
        try refused.send("POST /fast/1 HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\n\r\nabc")
        XCTAssertEqual(try refused.readResponse().status, 405)
        let client = try RawHTTPClient(port: served.port)
        try client.send("GET /fast/items/../7?access_token=leak HTTP/1.1\r\nHost: gw\r\nX-Request-Id: req-42\r\nAuthorization: Bearer \(token)\r\n\r\n")
        let allowed = try client.readResponse()
        XCTAssertEqual(allowed.status, 200)
        try client.send("GET /down/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 502)

        let access = ServedGateway.object(try served.waitForLine(#""event":"access""#))
        XCTAssertEqual(access["request_id"] as? String, "req-42")
        XCTAssertEqual(access["client"] as? String, "127.0.0.1")
        XCTAssertEqual(access["method"] as? String, "GET")
        XCTAssertEqual(access["path"] as? String, "/fast/7", "normalised, without the query")
        XCTAssertEqual(access["route"] as? String, "/fast")
        XCTAssertEqual(access["backend"] as? String, "fast")
        XCTAssertEqual(access["status"] as? Int, 200)
        XCTAssertEqual(access["bytes_in"] as? Int, 0)
        XCTAssertEqual(access["bytes_out"] as? Int, allowed.body.count)
        XCTAssertEqual(access["sub"] as? String, "alice")
        XCTAssertEqual(access["client_id"] as? String, "web-app")
        XCTAssertNotNil(access["duration_ms"] as? Double ?? (access["duration_ms"] as? Int).map(Double.init))
        XCTAssertNotNil(access["upstream_ms"])
        let failed = ServedGateway.object(try served.waitForLine(#""event":"access""#))
        XCTAssertEqual(failed["status"] as? Int, 502)
        XCTAssertNil(failed["upstream_ms"], "no response head came")
        let accessLines = served.lines.filter { $0.contains(#""event":"access""#) }
        XCTAssertEqual(accessLines.count, 2, "the 405 was not forwarded: a denial line, no access line")
        for line in served.lines {
            XCTAssertFalse(line.contains(token) || line.contains("leak") || line.contains("Bearer"), line)
        }
    }

    /// The admin listener cannot be made to buffer or hold without bound (found by the
    /// lifecycle pass: 10,000 pipelined /metrics grew RSS by 80 MB, half-sent heads stayed open,
    /// idle admin connections used up the descriptors the public port needed).
    func testTheAdminListenerIsBounded() async throws {
        let served = try await ServedGateway.start(backendDelay: .zero)
        addTeardownBlock { await served.stop() }
        // Pipelined requests get one answer, then the connection closes.
        let pipelined = try RawHTTPClient(port: served.adminPort)
        try pipelined.send(String(repeating: "GET /livez HTTP/1.1\r\nHost: admin\r\n\r\n", count: 50))
        let first = try pipelined.readResponse()
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.header("Connection"), "close")
        XCTAssertThrowsError(try pipelined.readResponse(), "nothing after the first answer")
        // A malformed request: 400, and closed.
        let junk = try RawHTTPClient(port: served.adminPort)
        try junk.send("GARBAGE\r\n\r\n")
        XCTAssertEqual(try junk.readResponse().status, 400)
        XCTAssertThrowsError(try junk.readResponse())
        // At most AdminServer.maximumConnections at once: a new connection closes the oldest, so
        // connections someone holds open can never keep a probe out (found by the second pass:
        // 64 held half-sent heads failed every /livez), and the public listener still answers.
        var held: [RawHTTPClient] = []
        for _ in 0..<AdminServer.maximumConnections {
            let client = try RawHTTPClient(port: served.adminPort)
            try client.send("GET /livez HTTP/1.1\r\n")   // a head that never ends
            held.append(client)
        }
        XCTAssertEqual(try served.admin("/livez").status, 200, "a probe gets in past held connections")
        XCTAssertThrowsError(try held[0].readResponse(), "the oldest held connection was closed")
        let publicClient = try RawHTTPClient(port: served.port)
        try publicClient.send("GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n")
        XCTAssertNotNil(try? publicClient.readResponse())
        // A held connection is closed after the lifetime.
        let started = Date()
        XCTAssertThrowsError(try held[AdminServer.maximumConnections - 1].readResponse())
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        held.removeAll()
        // A request with a body is answered at its head: the body is never read.
        let body = try RawHTTPClient(port: served.adminPort)
        try body.send("POST /livez HTTP/1.1\r\nHost: admin\r\nContent-Length: 1000000000000\r\n\r\n")
        XCTAssertEqual(try body.readResponse().status, 405)
    }

    /// Probes that keep coming while the process stops never reach an event loop that has shut
    /// down (found by the lifecycle pass: NIO's "Cannot schedule tasks on an EventLoop that has
    /// already shut down" during the final shutdown).
    func testProbesDuringTheFinalShutdownAreClean() async throws {
        let served = try await ServedGateway.start(
            config: { $0.config(shutdown: #""drain_delay_ms": 0, "grace_ms": 1000"#) }, backendDelay: .zero)
        addTeardownBlock { await served.stop() }
        let port = served.adminPort
        let stop = NIOLockedValueBox(false)
        let probes = (0..<4).map { _ in
            Thread {
                while !stop.withLockedValue({ $0 }) {
                    guard let client = try? RawHTTPClient(port: port, timeout: 1) else { continue }
                    try? client.send("GET /livez HTTP/1.1\r\nHost: admin\r\n\r\n")
                    _ = try? client.readResponse()
                }
            }
        }
        probes.forEach { $0.start() }
        served.signal(SIGTERM)
        XCTAssertEqual(served.waitForExit(timeout: 15), 0)
        stop.withLockedValue { $0 = true }
        // Everything the process wrote after "stopped".
        while let line = served.stderr.next(timeout: 0.5) {
            XCTAssertFalse(line.contains("Cannot schedule tasks"), line)
        }
    }
}
