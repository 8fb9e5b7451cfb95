import Foundation
import XCTest
@testable import ScopeGate

/// Live reload of a real `scopegate serve`: SIGHUP, an invalid file, `--watch` with a symlinked
/// ConfigMap layout.
final class ConfigReloadTests: XCTestCase {
    /// SIGHUP after editing a route's scopes: the next requests follow the new rule, a request
    /// in flight finishes under the old one, no connection is dropped, no JWKS is refetched.
    func testSIGHUPAppliesTheNewRuleWithoutDisturbingWhatRuns() async throws {
        let served = try await ServedGateway.start(backendDelay: .seconds(2))
        addTeardownBlock { await served.stop() }
        let reader = try await served.token(scope: "read:slow read:fast")
        let fetchesAtStart = served.jwks.requestCount("/jwks.json")
        XCTAssertEqual(fetchesAtStart, 1)

        // A keep-alive connection with one request done before the reload...
        let connection = try RawHTTPClient(port: served.port)
        try connection.send("GET /fast/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(reader)\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().status, 200)
        // ...and one request in flight, allowed under the old rule.
        let inFlight = BackgroundRequest(
            port: served.port, "GET /slow/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(reader)\r\n\r\n")
        try served.waitUntil { served.slow.headCount == 1 }

        try served.write(served.config(slowScopes: #"["admin:slow"]"#))
        served.signal(SIGHUP)
        let reload = ServedGateway.object(try served.waitForLine(#""event":"reload""#))
        XCTAssertEqual(reload["result"] as? String, "applied")
        XCTAssertEqual(reload["generation"] as? Int, 2)
        XCTAssertEqual(reload["remote_issuers_kept"] as? Int, 1)

        XCTAssertEqual(try inFlight.response(timeout: 20).status, 200, "decided and forwarded under the old rule")
        // The same connection (not dropped) now gets the new rule.
        try connection.send("GET /slow/2 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(reader)\r\n\r\n")
        let denied = try connection.readResponse()
        XCTAssertEqual(denied.status, 403)
        XCTAssertTrue(denied.header("WWW-Authenticate")?.contains("admin:slow") ?? false)
        let admin = try await served.token(scope: "admin:slow")
        try connection.send("GET /slow/3 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(admin)\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().status, 200)
        XCTAssertEqual(served.jwks.requestCount("/jwks.json"), fetchesAtStart, "no JWKS refetch")

        let metrics = String(decoding: try served.admin("/metrics").body, as: UTF8.self)
        XCTAssertTrue(metrics.contains(#"scopegate_config_reloads_total{result="success"} 1"#), metrics)
        XCTAssertTrue(metrics.contains("scopegate_config_generation 2"), metrics)
    }

    /// SIGHUP with an invalid file: the old rule still applies, the log lists the problems with
    /// their JSON paths, `/metrics` counts a failed reload; a change that cannot apply live is
    /// refused whole.
    func testInvalidOrUnappliableFilesAreRefusedAndTheOldRuleStays() async throws {
        let served = try await ServedGateway.start(backendDelay: .zero)
        addTeardownBlock { await served.stop() }
        let reader = try await served.token(scope: "read:slow")

        var broken = served.config(slowScopes: #"["admin:slow"]"#)
        broken = broken.replacingOccurrences(of: #""routes": ["#, with: #""routs": 1, "routes": ["#)
        broken = broken.replacingOccurrences(of: #""drain_delay_ms": 1500"#, with: #""drain_delay_ms": "soon""#)
        try served.write(broken)
        served.signal(SIGHUP)
        let refused = ServedGateway.object(try served.waitForLine(#""event":"reload""#))
        XCTAssertEqual(refused["result"] as? String, "refused")
        XCTAssertEqual(refused["generation"] as? Int, 1)
        let problems = refused["problems"] as? [String] ?? []
        XCTAssertTrue(problems.contains { $0.hasPrefix("routs:") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.hasPrefix("shutdown.drain_delay_ms:") }, "\(problems)")

        // A valid file that moves the listener: refused whole (the new scopes are not half-applied).
        let moved = served.config(slowScopes: #"["admin:slow"]"#)
            .replacingOccurrences(of: #""port": 0, "event_loops": 2"#, with: #""port": 1, "event_loops": 2"#)
        try served.write(moved)
        served.signal(SIGHUP)
        let refusedMove = ServedGateway.object(try served.waitForLine(#""event":"reload""#))
        XCTAssertEqual(refusedMove["result"] as? String, "refused")
        XCTAssertTrue((refusedMove["problems"] as? [String] ?? []).contains { $0.hasPrefix("listen.port:") })

        let client = try RawHTTPClient(port: served.port)
        try client.send("GET /slow/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(reader)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200, "the old rule still applies")
        let metrics = String(decoding: try served.admin("/metrics").body, as: UTF8.self)
        XCTAssertTrue(metrics.contains(#"scopegate_config_reloads_total{result="failure"} 2"#), metrics)
        XCTAssertTrue(metrics.contains("scopegate_config_generation 1"), metrics)
    }

    /// `serve --watch` on a Kubernetes ConfigMap layout (`gateway.json -> ..data/gateway.json`,
    /// `..data -> ..v1`): swapping the `..data` symlink reloads.
    func testWatchPicksUpAConfigMapSymlinkSwap() async throws {
        let served = try await ServedGateway.start(
            backendDelay: .zero, arguments: ["--watch"],
            prepare: { directory, text in
                try FileManager.default.createDirectory(at: directory.appendingPathComponent("..v1"), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: directory.appendingPathComponent("..v1/gateway.json"))
                try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("..data").path,
                                                           withDestinationPath: "..v1")
                try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("gateway.json").path,
                                                           withDestinationPath: "..data/gateway.json")
                return directory.appendingPathComponent("gateway.json").path
            })
        addTeardownBlock { await served.stop() }
        let reader = try await served.token(scope: "read:slow")
        let client = try RawHTTPClient(port: served.port)
        try client.send("GET /slow/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(reader)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)

        // The kubelet's swap: write the new version beside, point a new symlink at it, rename it over `..data`.
        let directory = served.directory
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("..v2"), withIntermediateDirectories: true)
        try served.write(served.config(slowScopes: #"["admin:slow"]"#), to: directory.appendingPathComponent("..v2/gateway.json").path)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("..data_tmp").path,
                                                   withDestinationPath: "..v2")
        XCTAssertEqual(rename(directory.appendingPathComponent("..data_tmp").path, directory.appendingPathComponent("..data").path), 0)

        let reload = ServedGateway.object(try served.waitForLine(#""event":"reload""#))
        XCTAssertEqual(reload["result"] as? String, "applied")
        XCTAssertEqual(reload["trigger"] as? String, "watch")
        try client.send("GET /slow/2 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(reader)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 403)
    }
}
