import Foundation
import XCTest
@testable import ScopeGateDemo

/// `scopegate check`, `explain` and `serve` as real processes.
final class CommandLineTests: XCTestCase {
    func testCheckReportsEveryMistakeWithItsJSONPath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.json").path
        try Data("""
        {"api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "jwks.json"}, "clock_skew_seconds": "60"},
         "backends": {"calendar": {"url": "http://127.0.0.1:9102"}},
         "routes": [{"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"]}},
                    {"prefix": "billing", "backend": "calendar", "methods": {"GET": []}},
                    {"prefix": "/billing", "backend": "billing", "methods": {"GET": []}}]}
        """.utf8).write(to: URL(fileURLWithPath: path))

        let result = try ScopeGateBinary.run(["check", "--config", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.contains("3 problems"), result.stdout)
        XCTAssertTrue(result.stdout.contains("api.clock_skew_seconds: must be a whole number"), result.stdout)
        XCTAssertTrue(result.stdout.contains("routes[1].prefix: \"billing\" must start with \"/\""), result.stdout)
        XCTAssertTrue(result.stdout.contains("routes[2].backend: \"billing\" is not a defined backend"), result.stdout)
    }

    func testCheckLoadsWhatServeWouldLoad() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.json").path
        try Data("""
        {"api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "missing-jwks.json"}},
         "backends": {"calendar": {"url": "http://127.0.0.1:9102"}},
         "routes": [{"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"]}}],
         "log": {"denials": {"file": "no-such-dir/denials.log"}}}
        """.utf8).write(to: URL(fileURLWithPath: path))
        let result = try ScopeGateBinary.run(["check", "--config", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.contains("api.issuers[0].jwks.file:"), result.stdout)
        XCTAssertTrue(result.stdout.contains("log.denials.file: cannot write"), result.stdout)
    }

    func testCheckAcceptsTheShippedConfig() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let result = try ScopeGateBinary.run(["check", "--config", root.appendingPathComponent("gateway.json").path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
    }

    func testExplainDecidesAsServeDoes() async throws {
        let fixture = try await GatewayFixture.start()
        do {
            let now = String(Int(GatewayFixture.now.timeIntervalSince1970))
            let cases: [(method: String, target: String, token: String?)] = [
                ("GET", "/appointments/42?x=1", try await fixture.token()),
                ("POST", "/appointments", try await fixture.token()),
                ("GET", "/appointments/42", try await fixture.token(["exp": Int(GatewayFixture.now.timeIntervalSince1970) - 100])),
                ("GET", "/appointments/42", nil),
                ("GET", "/calendarx", nil),
                ("PATCH", "/calendar/1", nil),
                ("GET", "/calendar/holidays", nil),
                ("GET", "/calendar/1", try await fixture.token(["scope": "read:calendar"], key: fixture.ec)),
                ("GET", "/a%2Fb", nil),
                // A claim value no header can carry: serve forwards `sub`, explain must refuse it too.
                ("GET", "/appointments/42", try await fixture.token(["sub": "alice\r\nX-Admin: yes"])),
                ("GET", "/appointments/42", try await fixture.token(["client_id": "web\u{0}app"])),
                // Another JWT of the same issuer (RFC 8725 §3.11).
                ("GET", "/appointments/42", try await fixture.token(header: ["alg": "RS256", "kid": fixture.rsa.keyID, "typ": "logout+jwt"])),
                ("GET", "/appointments/42", try await fixture.token(["aud": NSNull()])),
            ]
            for testCase in cases {
                let served = try fixture.request(testCase.method, testCase.target, token: testCase.token,
                                                 body: testCase.method == "POST" ? "{}" : nil)
                var arguments = ["explain", "--config", fixture.configPath, "--now", now, "--json"]
                if let token = testCase.token { arguments += ["--token", token] }
                arguments += [testCase.method, testCase.target]
                let explained = try ScopeGateBinary.run(arguments)
                let report = try JSONSerialization.jsonObject(with: Data(explained.stdout.utf8)) as? [String: Any] ?? [:]
                let allowed = report["allowed"] as? Bool ?? false
                XCTAssertEqual(explained.status, allowed ? 0 : 1, "\(testCase.method) \(testCase.target)")
                XCTAssertEqual(report["status"] as? Int, served.status, "\(testCase.method) \(testCase.target): \(explained.stdout)")
                if !allowed {
                    XCTAssertEqual(report["reason"] as? String, try served.json()["reason"] as? String, "\(testCase.method) \(testCase.target)")
                }
                for key in ["allowed", "status", "reason", "description", "route", "backend", "upstream_url", "required_scopes",
                            "granted_scopes", "subject", "client_id", "token"] {
                    XCTAssertTrue(report.keys.contains(key), "explain --json lacks \(key)")
                }
            }
            let allowed = try ScopeGateBinary.run(["explain", "--config", fixture.configPath, "--now", now, "--json",
                                                   "--token", try await fixture.token(), "GET", "/appointments/42?x=1"])
            let report = try JSONSerialization.jsonObject(with: Data(allowed.stdout.utf8)) as? [String: Any] ?? [:]
            XCTAssertEqual(report["upstream_url"] as? String, "http://127.0.0.1:\(fixture.appointments.port)/appointments/42?x=1")
            XCTAssertEqual(report["subject"] as? String, "alice")
            XCTAssertEqual(report["granted_scopes"] as? [String], ["read:appointments"])
            XCTAssertFalse((report["description"] as? String ?? "").isEmpty)
            let token = try XCTUnwrap(report["token"] as? [String: Any], allowed.stdout)
            XCTAssertEqual(token["verified"] as? Bool, true)
            XCTAssertEqual(token["issuer"] as? String, GatewayFixture.issuer)
            XCTAssertEqual(token["kid"] as? String, fixture.rsa.keyID)
            XCTAssertEqual(token["alg"] as? String, "RS256")
            XCTAssertNotNil(token["exp"] as? Int)
            XCTAssertNotNil(token["expires_at"] as? String)
            let sources = try XCTUnwrap(token["scopes_by_claim"] as? [[String: Any]])
            XCTAssertEqual(sources.first?["claim"] as? String, "scope")
            XCTAssertEqual(sources.first?["scopes"] as? [String], ["read:appointments"])

            // A token that does not verify is described from its header, untrusted.
            let forged = try await fixture.token(["iss": "https://elsewhere.test/"])
            let denied = try ScopeGateBinary.run(["explain", "--config", fixture.configPath, "--now", now, "--json",
                                                  "--token", forged, "GET", "/appointments/42"])
            let deniedReport = try JSONSerialization.jsonObject(with: Data(denied.stdout.utf8)) as? [String: Any] ?? [:]
            let unverified = try XCTUnwrap(deniedReport["token"] as? [String: Any], denied.stdout)
            XCTAssertEqual(unverified["verified"] as? Bool, false)
            XCTAssertEqual(unverified["iss"] as? String, "https://elsewhere.test/")
            XCTAssertEqual(unverified["kid"] as? String, fixture.rsa.keyID)
        } catch {
            try await fixture.shutdown()
            throw error
        }
        try await fixture.shutdown()
    }

    func testMintTokenCountPrintsDistinctValidTokens() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let config = root.appendingPathComponent("gateway.json").path
        let result = try ScopeGateBinary.run(["mint-token", "--config", config, "--scope", "read:appointments",
                                              "--sub", "load", "--count", "200"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let tokens = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(tokens.count, 200)
        XCTAssertEqual(Set(tokens).count, 200, "tokens repeat")
        let payloads = try tokens.map { token -> [String: Any] in
            let parts = token.split(separator: ".")
            XCTAssertEqual(parts.count, 3, token)
            var text = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            text += String(repeating: "=", count: (4 - text.count % 4) % 4)
            return try JSONSerialization.jsonObject(with: Data(base64Encoded: text) ?? Data()) as? [String: Any] ?? [:]
        }
        XCTAssertEqual(payloads.first?["sub"] as? String, "load-1")
        XCTAssertEqual(payloads.last?["sub"] as? String, "load-200")
        XCTAssertEqual(Set(payloads.compactMap { $0["jti"] as? String }).count, 200, "jti values repeat")
        // Each one is a valid token for the shipped config: the first and the last pass the same decision as serve.
        for token in [tokens[0], tokens[199]] {
            let explained = try ScopeGateBinary.run(["explain", "--config", config, "--token", token, "GET", "/appointments/1"])
            XCTAssertEqual(explained.status, 0, explained.stdout + explained.stderr)
        }
        XCTAssertEqual(try ScopeGateBinary.run(["mint-token", "--config", config, "--count", "0"]).status, 2)
    }

    /// `mint-token --claim` and `--typ`: tokens shaped like an identity provider's, to try the issuer rules with.
    func testMintTokenSetsClaimsAndTyp() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let config = root.appendingPathComponent("gateway.json").path
        let result = try ScopeGateBinary.run(["mint-token", "--config", config, "--claim", #"client_id="app-1""#,
                                              "--claim", "ver=2", "--claim", "token_use=access", "--claim", "aud=null",
                                              "--typ", ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        func decode(_ part: Substring) throws -> [String: Any] {
            var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            text += String(repeating: "=", count: (4 - text.count % 4) % 4)
            return try JSONSerialization.jsonObject(with: Data(base64Encoded: text) ?? Data()) as? [String: Any] ?? [:]
        }
        let parts = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".")
        let header = try decode(parts[0]), payload = try decode(parts[1])
        XCTAssertNil(header["typ"])
        XCTAssertEqual(payload["client_id"] as? String, "app-1")
        XCTAssertEqual(payload["ver"] as? Int, 2)
        XCTAssertEqual(payload["token_use"] as? String, "access")
        XCTAssertNil(payload["aud"])
        let explained = try ScopeGateBinary.run(["explain", "--config", config, "--token",
                                                 result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "GET", "/appointments/1"])
        XCTAssertTrue(explained.stdout.contains("invalid_audience"), explained.stdout)
    }

    func testExplainUsageErrorExitsWith2() throws {
        XCTAssertEqual(try ScopeGateBinary.run(["explain", "--config", "/nonexistent/gateway.json", "GET", "/x"]).status, 2)
        XCTAssertEqual(try ScopeGateBinary.run(["explain", "GET"]).status, 2)
    }

    /// `explain --json` answers in JSON even when it cannot decide, naming each problem's path.
    func testExplainJSONReportsConfigurationErrorsAsJSON() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-explain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.json").path
        try Data("""
        {"api": {"issuer": "https://issuer/", "jwks": {"file": "jwks.json"}},
         "backends": {"calendar": {"url": "http://127.0.0.1:9102"}},
         "routes": [{"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"]}}]}
        """.utf8).write(to: URL(fileURLWithPath: path))
        for config in [path, directory.appendingPathComponent("missing.json").path] {
            let result = try ScopeGateBinary.run(["explain", "--config", config, "--json", "GET", "/calendar"])
            XCTAssertEqual(result.status, 2)
            let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
            XCTAssertEqual(report["allowed"] as? Bool, false)
            XCTAssertEqual(report["error"] as? String, "configuration")
            let problems = try XCTUnwrap(report["problems"] as? [[String: String]])
            XCTAssertFalse(problems.isEmpty)
            if config == path { XCTAssertEqual(problems.first?["path"], "api.audience", result.stdout) }
        }
    }

    /// `explain` shows a CORS preflight's answer, allowed or refused, and an actual request's CORS headers.
    func testExplainShowsAPreflightsDecision() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-explain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(DemoKeyPair.jwksJSON([try SharedKeys.rsa.publicJWK(alg: .rs256)])).write(to: directory.appendingPathComponent("jwks.json"))
        let path = directory.appendingPathComponent("gateway.json").path
        try Data("""
        {"api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "jwks.json"}},
         "cors": {"allowed_origins": ["https://app.example.com"]},
         "backends": {"calendar": {"url": "http://127.0.0.1:9102"}},
         "routes": [{"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"], "PUT": ["write:calendar"]}}]}
        """.utf8).write(to: URL(fileURLWithPath: path))
        let allowed = try ScopeGateBinary.run(["explain", "--config", path, "--json", "--origin", "https://app.example.com",
                                               "--preflight-method", "PUT", "--preflight-headers", "authorization", "OPTIONS", "/calendar/1"])
        XCTAssertEqual(allowed.status, 0, allowed.stdout + allowed.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(allowed.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["status"] as? Int, 204)
        let headers = try XCTUnwrap(report["cors_headers"] as? [String: String], allowed.stdout)
        XCTAssertEqual(headers["Access-Control-Allow-Origin"], "https://app.example.com")
        XCTAssertEqual(headers["Access-Control-Allow-Methods"], "GET, HEAD, PUT")

        let refused = try ScopeGateBinary.run(["explain", "--config", path, "--origin", "https://evil.example",
                                               "--preflight-method", "PUT", "OPTIONS", "/calendar/1"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stdout.contains("DENY 403 cors_preflight_refused: origin \"https://evil.example\" is not allowed"), refused.stdout)

        let actual = try ScopeGateBinary.run(["explain", "--config", path, "--json", "--origin", "https://app.example.com", "GET", "/calendar/1"])
        let actualReport = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(actual.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(actualReport["status"] as? Int, 401)
        XCTAssertEqual((actualReport["cors_headers"] as? [String: String])?["Access-Control-Allow-Origin"], "https://app.example.com")
    }

    /// `check` prints what weakens a check as a warning, and still passes the config.
    func testCheckWarnsWhereTheAudienceIsNotChecked() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(DemoKeyPair.jwksJSON([try DemoKeyPair.rsa(keyID: "k").publicJWK(alg: .rs256)]))
            .write(to: directory.appendingPathComponent("jwks.json"))
        let path = directory.appendingPathComponent("gateway.json").path
        try Data("""
        {"api": {"issuers": [
            {"issuer": "https://a/", "jwks": {"file": "jwks.json"}, "check_audience": false},
            {"issuer": "https://b/", "jwks": {"file": "jwks.json"}, "check_audience": false, "allowed_client_ids": ["app"]}]},
         "backends": {"calendar": {"url": "http://127.0.0.1:9102"}},
         "routes": [{"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"]}}]}
        """.utf8).write(to: URL(fileURLWithPath: path))
        let result = try ScopeGateBinary.run(["check", "--config", path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("warning: api.issuers[0].check_audience: is false and nothing else binds"), result.stdout)
        XCTAssertTrue(result.stdout.contains("warning: api.issuers[1].check_audience: is false, so aud is not checked"), result.stdout)
        XCTAssertTrue(result.stdout.contains("OK"), result.stdout)
    }
}
