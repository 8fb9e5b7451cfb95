import Foundation
import XCTest
@testable import ScopeGateCore
@testable import ScopeGateObservability

final class GatewayMetricsTests: XCTestCase {
    private func text(_ metrics: GatewayMetrics, _ snapshot: GatewayMetrics.Snapshot? = nil) -> String {
        String(decoding: metrics.render(snapshot ?? GatewayMetrics.Snapshot(keySources: [], cache: nil, now: Date())), as: UTF8.self)
    }

    func testLabelsAreBoundedByTheConfiguration() {
        let metrics = GatewayMetrics()
        metrics.recordRequest(route: "/a", method: "GET", status: 204, seconds: 0.003)
        metrics.recordRequest(route: "/a", method: "BREW", status: 405, seconds: 0.001)
        metrics.recordRequest(route: nil, method: "GET", status: 404, seconds: 0.001)
        metrics.recordRequest(route: "/a", method: "GET", status: 99, seconds: 0.001)
        metrics.recordDenial(reason: .routeNotFound, route: nil)
        metrics.recordUpstreamFailure(backend: "svc", kind: .upstreamTimeout)
        metrics.recordUpstream(backend: "svc", seconds: 0.2)
        let output = text(metrics)
        for line in [
            #"scopegate_requests_total{route="/a",method="GET",code="2xx"} 1"#,
            #"scopegate_requests_total{route="/a",method="other",code="4xx"} 1"#,
            #"scopegate_requests_total{route="none",method="GET",code="4xx"} 1"#,
            #"scopegate_requests_total{route="/a",method="GET",code="1xx"} 1"#,
            #"scopegate_denials_total{reason="route_not_found",route="none"} 1"#,
            #"scopegate_upstream_failures_total{backend="svc",kind="upstream_timeout"} 1"#,
            #"scopegate_upstream_duration_seconds_bucket{backend="svc",le="0.25"} 1"#,
            #"scopegate_request_duration_seconds_bucket{route="/a",le="0.005"} 3"#,
            "# HELP scopegate_requests_total ",
            "# TYPE scopegate_requests_total counter",
            "# TYPE scopegate_request_duration_seconds histogram",
        ] {
            XCTAssertTrue(output.contains(line), "missing \(line) in:\n\(output)")
        }
        XCTAssertFalse(output.contains("BREW"))
    }

    /// The request path's handles (one per route and generation) feed the same series as each
    /// other, across generations, and export a method and status class only once it happened.
    func testRouteInstrumentsOfTwoGenerationsShareTheirSeries() throws {
        let metrics = GatewayMetrics()
        let first = try XCTUnwrap(metrics.instruments(route: "/a", backend: "svc"))
        let second = try XCTUnwrap(metrics.instruments(route: "/a", backend: "svc2"))
        first.recordRequest(method: "GET", status: 200, seconds: 0.001)
        second.recordRequest(method: "GET", status: 201, seconds: 0.001)
        second.recordRequest(method: "PATCH", status: 503, seconds: .nan)
        first.recordUpstream(seconds: 0.2)
        second.recordUpstream(seconds: -1)
        let output = text(metrics)
        for line in [
            #"scopegate_requests_total{route="/a",method="GET",code="2xx"} 2"#,
            #"scopegate_requests_total{route="/a",method="PATCH",code="5xx"} 1"#,
            #"scopegate_request_duration_seconds_count{route="/a"} 3"#,
            #"scopegate_upstream_duration_seconds_count{backend="svc"} 1"#,
            #"scopegate_upstream_duration_seconds_count{backend="svc2"} 1"#,
        ] {
            XCTAssertTrue(output.contains(line), "missing \(line) in:\n\(output)")
        }
        XCTAssertFalse(output.contains(#"method="POST""#), "a series is exported once it happened")
        XCTAssertNil(GatewayMetrics(enabled: false).instruments(route: "/a", backend: "svc"))
    }

    func testGaugesAndReloads() {
        let metrics = GatewayMetrics()
        metrics.requestStarted(); metrics.requestStarted(); metrics.requestEnded()
        metrics.connectionOpened()
        metrics.recordReload(applied: true, generation: 2)
        metrics.recordReload(applied: false, generation: 2)
        metrics.recordDraining()
        let output = text(metrics)
        for line in ["scopegate_requests_in_flight 1.0", "scopegate_client_connections 1.0", "scopegate_config_generation 2.0",
                     #"scopegate_config_reloads_total{result="success"} 1"#, #"scopegate_config_reloads_total{result="failure"} 1"#,
                     "scopegate_draining 1.0"] {
            XCTAssertTrue(output.contains(line), "missing \(line) in:\n\(output)")
        }
    }

    func testDisabledMetricsRecordNothingPerRequest() {
        let metrics = GatewayMetrics(enabled: false)
        metrics.recordRequest(route: "/a", method: "GET", status: 200, seconds: 0.001)
        metrics.recordDenial(reason: .missingToken, route: "/a")
        metrics.requestStarted()
        let output = text(metrics)
        XCTAssertFalse(output.contains("scopegate_requests_total{"))
        XCTAssertFalse(output.contains("scopegate_denials_total{"))
        XCTAssertTrue(output.contains("scopegate_requests_in_flight 0.0"))
    }

    /// Pulled statistics become counters that only move by what happened since the last scrape,
    /// across a new verified-token cache (a reload) too.
    func testPulledStatisticsAreCountedOnce() {
        let metrics = GatewayMetrics()
        var stats = VerificationCache.Statistics()
        stats.hits = 5
        stats.misses = 2
        _ = text(metrics, .init(keySources: [], cache: (1, stats), now: Date()))
        stats.hits = 7
        var output = text(metrics, .init(keySources: [], cache: (1, stats), now: Date()))
        XCTAssertTrue(output.contains("scopegate_verification_cache_hits_total 7"), output)
        XCTAssertTrue(output.contains("scopegate_verification_cache_misses_total 2"), output)
        stats.hits = 1
        stats.misses = 0
        output = text(metrics, .init(keySources: [], cache: (2, stats), now: Date()))
        XCTAssertTrue(output.contains("scopegate_verification_cache_hits_total 8"), output)
    }
}
