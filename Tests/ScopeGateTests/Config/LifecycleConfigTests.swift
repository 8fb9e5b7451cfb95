import Foundation
import XCTest
@testable import ScopeGateCore

/// `shutdown`, `admin`, `log.access` and `$schema`, and what a reload may change.
final class LifecycleConfigTests: XCTestCase {
    private let base = #""api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "/k.json"}}, "backends": {"b": {"url": "http://127.0.0.1:9102"}}, "routes": [{"prefix": "/b", "backend": "b", "methods": {"GET": []}}]"#

    private func decode(_ extra: String) throws -> GatewayConfig {
        try ConfigLoader.decode(Data("{\(base)\(extra)}".utf8), baseDirectory: "/etc/scopegate")
    }

    private func problems(_ extra: String) -> [String] {
        do {
            _ = try decode(extra)
            return []
        } catch let error as ConfigError {
            return error.problems.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    func testDefaultsFitAThirtySecondTerminationGracePeriod() throws {
        let config = try decode("")
        XCTAssertEqual(config.shutdown, ShutdownConfig(drainDelayMilliseconds: 5000, graceMilliseconds: 20000))
        XCTAssertLessThanOrEqual(config.shutdown.drainDelayMilliseconds + config.shutdown.graceMilliseconds, 30_000 - 5_000)
        XCTAssertEqual(config.admin, AdminConfig(host: "127.0.0.1", port: 9901))
        XCTAssertNil(config.log.access)
        XCTAssertEqual(config.log.denials, .standardError)
    }

    func testEachNewKeyDecodes() throws {
        let config = try decode(#", "$schema": "./schema/gateway.schema.json", "shutdown": {"drain_delay_ms": 0, "grace_ms": 3600000}, "admin": {"host": "0.0.0.0", "port": 0}, "log": {"access": {"file": "access.log"}}"#)
        XCTAssertEqual(config.shutdown, ShutdownConfig(drainDelayMilliseconds: 0, graceMilliseconds: 3_600_000))
        XCTAssertEqual(config.admin, AdminConfig(host: "0.0.0.0", port: 0))
        XCTAssertEqual(config.log.access, .file(path: "/etc/scopegate/access.log"))
        XCTAssertNil(try decode(#", "admin": null"#).admin)
        XCTAssertEqual(try decode(#", "log": {"access": "stderr"}"#).log.access, .standardError)
        XCTAssertNil(try decode(#", "log": {"access": "off"}"#).log.access)
    }

    func testMistakesAreReportedWithTheirPath() {
        let cases: [(String, String)] = [
            (#", "shutdown": {"grace": 1}"#, "shutdown.grace: unknown key"),
            (#", "shutdown": {"drain_delay_ms": -1}"#, "shutdown.drain_delay_ms: must be a whole number from 0 to 600000"),
            (#", "shutdown": {"grace_ms": "20s"}"#, "shutdown.grace_ms: must be a whole number"),
            (#", "shutdown": []"#, "shutdown: must be an object"),
            (#", "admin": "127.0.0.1:9901""#, "admin: must be an object"),
            (#", "admin": {"port": 70000}"#, "admin.port: must be a whole number from 0 to 65535"),
            (#", "admin": {"path": "/metrics"}"#, "admin.path: unknown key"),
            (#", "log": {"access": "on"}"#, #"log.access: must be "stderr", "off" or {"file": "path"}"#),
            (#", "log": {"denials": "off"}"#, #"log.denials: must be "stderr" or {"file": "path"}"#),
            (#", "log": {"access": {"path": "x"}}"#, "log.access.path: unknown key"),
            (#", "$schema": 7"#, "$schema: must be a string"),
            (#", "listen": {"port": 9901}, "admin": {"port": 9901}"#, "admin.port: 9901 is also listen.port"),
            (#", "listen": {"host": "0.0.0.0", "port": 9901}, "admin": {"port": 9901}"#, "admin.port: 9901 is also listen.port"),
            (#", "listen": {"host": "localhost", "port": 9901}, "admin": {"host": "127.0.0.1", "port": 9901}"#, "admin.port: 9901 is also listen.port"),
        ]
        for (extra, expected) in cases {
            let found = problems(extra)
            XCTAssertTrue(found.contains { $0.hasPrefix(expected) }, "\(extra): expected \(expected), got \(found)")
        }
    }

    func testDistinctAddressesOnOnePortDoNotClash() throws {
        XCTAssertNoThrow(try decode(#", "listen": {"host": "10.0.0.1", "port": 9901}, "admin": {"host": "127.0.0.1", "port": 9901}"#))
        XCTAssertNoThrow(try decode(#", "listen": {"port": 0}, "admin": {"port": 0}"#))
    }

    // MARK: Live reload

    func testWhatAReloadMayChange() throws {
        let running = try decode("")
        var live = running
        live.routes[0].methods = ["GET": .scopes(ScopeRequirement(allOf: ["admin"]))]
        live.backends["b"]?.timeoutMilliseconds = 1000
        live.limits.maxBodyBytes = 1
        live.shutdown.graceMilliseconds = 1
        live.listener.keepAliveTimeoutMilliseconds = 1000
        live.listener.healthPath = nil
        live.forwarding.forwardedHeader = true
        XCTAssertEqual(LiveReloadRules.problems(running: running, new: live), [])

        let cases: [(String, (inout GatewayConfig) -> Void)] = [
            ("listen.host", { $0.listener.host = "0.0.0.0" }),
            ("listen.port", { $0.listener.port = 1 }),
            ("listen.event_loops", { $0.listener.eventLoops = 3 }),
            ("upstream.threads", { $0.upstream.threads = 2 }),
            ("upstream.max_connections_per_backend", { $0.upstream.maxConnectionsPerBackend = 1 }),
            ("admin", { $0.admin = nil }),
            ("log.denials", { $0.log.denials = .file(path: "/tmp/x") }),
            ("log.access", { $0.log.access = .standardError }),
            ("log.stats_interval_seconds", { $0.log.statsIntervalSeconds = 1 }),
        ]
        for (path, change) in cases {
            var new = live
            change(&new)
            XCTAssertEqual(LiveReloadRules.problems(running: running, new: new).map(\.path), [path])
        }
    }
}
