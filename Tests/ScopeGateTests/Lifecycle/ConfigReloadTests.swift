import Foundation
import XCTest
@testable import ScopeGateDemo

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
        try served.waitForHeads(served.slow, 1)

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
            prepare: { directory, text in try ConfigMapMount.create(in: directory, files: ["gateway.json": Data(text.utf8)]) })
        addTeardownBlock { await served.stop() }
        let reader = try await served.token(scope: "read:slow")
        let client = try RawHTTPClient(port: served.port)
        try client.send("GET /slow/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(reader)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)

        try ConfigMapMount.swap(in: served.directory, to: "..v2",
                                files: ["gateway.json": Data(served.config(slowScopes: #"["admin:slow"]"#).utf8)])

        let reload = ServedGateway.object(try served.waitForLine(#""event":"reload""#))
        XCTAssertEqual(reload["result"] as? String, "applied")
        XCTAssertEqual(reload["trigger"] as? String, "watch")
        try client.send("GET /slow/2 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(reader)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 403)
    }

    /// A reload whose new or changed remote issuer cannot fetch its keys is refused: applied,
    /// it would drop the keys that serve now (every replica reloading the same ConfigMap would
    /// turn unready at once). Found by the lifecycle pass.
    func testAReloadWhoseNewIssuerKeysCannotBeFetchedIsRefused() async throws {
        let served = try await ServedGateway.start(backendDelay: .zero)
        addTeardownBlock { await served.stop() }
        let reader = try await served.token(scope: "read:fast")
        served.jwks.failAll(503)
        let moved = served.config().replacingOccurrences(of: "/jwks.json", with: "/jwks.json?rotated=1")
        try served.write(moved)
        served.signal(SIGHUP)
        let refused = ServedGateway.object(try served.waitForLine(#""event":"reload""#, timeout: 20))
        XCTAssertEqual(refused["result"] as? String, "refused")
        XCTAssertTrue((refused["problems"] as? [String] ?? []).contains { $0.hasPrefix("api.issuers[0].jwks: keys of") }, "\(refused)")
        XCTAssertEqual(try served.admin("/readyz").status, 200, "the running keys still serve")
        let client = try RawHTTPClient(port: served.port)
        try client.send("GET /fast/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(reader)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)

        served.jwks.failAll(nil)
        served.signal(SIGHUP)
        let applied = ServedGateway.object(try served.waitForLine(#""event":"reload""#, timeout: 20))
        XCTAssertEqual(applied["result"] as? String, "applied")
        XCTAssertEqual(applied["remote_issuers_kept"] as? Int, 0)
        try client.send("GET /fast/2 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(reader)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
    }

    /// A SIGTERM that arrives while a SIGHUP reload waits on a slow JWKS fetch drains at once:
    /// the reload never holds the signal back. Found by the lifecycle pass (the drain waited
    /// for the fetch, then ran with no delay and no grace).
    func testSIGTERMIsNotHeldBackByAReloadWaitingOnAFetch() async throws {
        // An issuer that accepts connections and never answers.
        let silent = HangingListener()
        defer { silent.close() }
        let silentPort = silent.port

        let served = try await ServedGateway.start(
            config: { $0.config(shutdown: #""drain_delay_ms": 5000, "grace_ms": 5000"#) }, backendDelay: .zero)
        addTeardownBlock { await served.stop() }
        let slow = served.config(shutdown: #""drain_delay_ms": 5000, "grace_ms": 5000"#)
            .replacingOccurrences(of: "\"jwks\": {\"url\": \"\(served.jwks.url("/jwks.json"))\"}",
                                  with: "\"jwks\": {\"url\": \"http://127.0.0.1:\(silentPort)/jwks.json\", \"refresh\": {\"timeout_ms\": 30000}}")
        XCTAssertNotEqual(slow, served.config(shutdown: #""drain_delay_ms": 5000, "grace_ms": 5000"#))
        try served.write(slow)
        served.signal(SIGHUP)
        let sent = Date()
        served.signal(SIGTERM)
        try served.waitForLine(#""phase":"draining""#, timeout: 5)
        XCTAssertLessThan(Date().timeIntervalSince(sent), 5, "the drain began while the reload still waited")
        XCTAssertEqual(try served.admin("/readyz").status, 503)
        served.signal(SIGTERM)   // end it: the reload's fetch is still waiting
        XCTAssertNotNil(served.waitForExit(timeout: 35))
    }

    /// `--watch` follows the key files the config names: a JWKS rotated in the mounted
    /// ConfigMap (gateway.json unchanged) reloads. Found by the lifecycle pass.
    func testWatchFollowsAJWKSFileRotatedInTheConfigMap() async throws {
        let ec = SharedKeys.ec
        let served = try await ServedGateway.start(
            config: { served in
                served.config().replacingOccurrences(of: "{\"url\": \"\(served.jwks.url("/jwks.json"))\"}",
                                                     with: #"{"file": "jwks.json"}, "algorithms": ["RS256", "ES256"]"#)
            },
            backendDelay: .zero, arguments: ["--watch"],
            prepare: { directory, text in
                try ConfigMapMount.create(in: directory, files: [
                    "gateway.json": Data(text.utf8),
                    "jwks.json": Data(DemoKeyPair.jwksJSON([try SharedKeys.rsa.publicJWK(alg: .rs256)])),
                ])
            })
        addTeardownBlock { await served.stop() }
        let now = Int(Date().timeIntervalSince1970)
        let ecToken = try await TokenMinter.sign(
            header: ["alg": "ES256", "typ": "at+jwt", "kid": ec.keyID],
            payload: ["iss": ServedGateway.issuer, "aud": ServedGateway.audience, "sub": "bob", "iat": now - 5,
                      "exp": now + 600, "scope": "read:fast"], with: ec.signingKey)
        let client = try RawHTTPClient(port: served.port)
        try client.send("GET /fast/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(ecToken)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 401, "the EC key is not in the JWKS yet")

        // gateway.json unchanged; the JWKS gains the EC key.
        try ConfigMapMount.swap(in: served.directory, to: "..v2", files: [
            "gateway.json": try Data(contentsOf: served.directory.appendingPathComponent("..v1/gateway.json")),
            "jwks.json": Data(DemoKeyPair.jwksJSON([try SharedKeys.rsa.publicJWK(alg: .rs256), ec.publicJWK(alg: .es256)])),
        ])

        let reload = ServedGateway.object(try served.waitForLine(#""event":"reload""#))
        XCTAssertEqual(reload["result"] as? String, "applied")
        XCTAssertEqual(reload["trigger"] as? String, "watch")
        try client.send("GET /fast/2 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(ecToken)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
    }

    /// `--watch` retries a refused reload when a key file the new config names appears (a
    /// ConfigMap and a Secret updated in either order), and a reload it starts never holds back
    /// a SIGTERM. Both found by the second lifecycle pass.
    func testWatchRetriesWhenAMissingKeyFileAppearsAndNeverHoldsBackTheDrain() async throws {
        let served = try await ServedGateway.start(
            config: { served in
                served.config().replacingOccurrences(of: "{\"url\": \"\(served.jwks.url("/jwks.json"))\"}",
                                                     with: #"{"file": "jwks.json"}"#)
            },
            backendDelay: .zero, arguments: ["--watch"],
            prepare: { directory, text in
                try Data(text.utf8).write(to: directory.appendingPathComponent("gateway.json"))
                try Data(DemoKeyPair.jwksJSON([try SharedKeys.rsa.publicJWK(alg: .rs256)]))
                    .write(to: directory.appendingPathComponent("jwks.json"))
                return nil
            })
        addTeardownBlock { await served.stop() }
        let reader = try await served.token(scope: "read:slow")
        let next = try String(contentsOfFile: served.configPath, encoding: .utf8)
            .replacingOccurrences(of: #"{"file": "jwks.json"}"#, with: #"{"file": "jwks2.json"}"#)
            .replacingOccurrences(of: #""GET": ["read:slow"]"#, with: #""GET": ["admin:slow"]"#)
        try served.write(next)
        let refused = ServedGateway.object(try served.waitForLine(#""event":"reload""#))
        XCTAssertEqual(refused["result"] as? String, "refused")
        try Data(DemoKeyPair.jwksJSON([try SharedKeys.rsa.publicJWK(alg: .rs256)]))
            .write(to: served.directory.appendingPathComponent("jwks2.json"))
        let applied = ServedGateway.object(try served.waitForLine(#""event":"reload""#))
        XCTAssertEqual(applied["result"] as? String, "applied")
        XCTAssertEqual(applied["trigger"] as? String, "watch")
        let client = try RawHTTPClient(port: served.port)
        try client.send("GET /slow/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(reader)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 403)

        // A watched change whose reload waits on a JWKS server that never answers; then SIGTERM.
        let silent = HangingListener()
        defer { silent.close() }
        let slow = next.replacingOccurrences(
            of: #"{"file": "jwks2.json"}"#,
            with: "{\"url\": \"http://127.0.0.1:\(silent.port)/jwks.json\", \"refresh\": {\"timeout_ms\": 30000}}")
        try served.write(slow)
        // The reload has begun once its fetch connects to the silent server (its listening
        // socket turns readable with the pending connection).
        XCTAssertTrue(silent.hasPendingConnection(within: 10_000), "the watched reload never began its fetch")
        served.signal(SIGTERM)
        let sent = Date()
        try served.waitForLine(#""phase":"draining""#, timeout: 5)
        XCTAssertLessThan(Date().timeIntervalSince(sent), 5, "the drain began while the watched reload still waited")
        served.signal(SIGTERM)
        XCTAssertNotNil(served.waitForExit(timeout: 35))
    }
}
