import Foundation
import XCTest

/// `scopegate check` with the policy lint, as a real process: the warning lines, `--strict`,
/// `--json`, and the shipped, deployed and example configs under `--strict`.
final class CheckLintTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// What the issue's users tried: a public `/admin/export` under an admin-only `/admin`, a method
    /// any token may call beside scoped siblings, a public HEAD beside a scoped GET; and a scope typo.
    static let config = """
    {"api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"url": "https://issuer/jwks"},
             "scopes": [{"name": "admin"}, {"name": "read:appointments", "description": "Read appointments"}]},
     "backends": {"admin": {"url": "http://127.0.0.1:9102"}},
     "routes": [{"prefix": "/admin", "backend": "admin", "methods": {"GET": ["admin"], "POST": ["admin"]}},
                {"prefix": "/admin/export", "backend": "admin", "methods": {"GET": "public"}},
                {"prefix": "/appointments", "backend": "admin", "methods": {"GET": ["read:apointments"], "HEAD": "public", "DELETE": []}}]}
    """

    /// A finding accepted in `lint.accept`.
    static let acceptingConfig = """
    {"api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"url": "https://issuer/jwks"}},
     "backends": {"admin": {"url": "http://127.0.0.1:9102"}},
     "routes": [{"prefix": "/admin", "backend": "admin", "methods": {"GET": ["admin"]}},
                {"prefix": "/admin/status", "backend": "admin", "methods": {"GET": "public"}}],
     "lint": {"accept": [{"rule": "less_protected_than_enclosing", "path": "routes[1]", "reason": "the status page is public"}]}}
    """

    /// Invalid on purpose (`routes` is not an array).
    static let invalidConfig = #"{"api": {"issuer": "https://i/", "audience": "a", "jwks": {"file": "k"}}, "backends": {"b": {"url": "http://127.0.0.1:9102"}}, "routes": "none"}"#

    private func write(_ json: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testFindingsAreWarningLinesAndOnlyStrictFailsOnThem() throws {
        let path = try write(Self.config)
        let plain = try ScopeGateBinary.run(["check", "--config", path])
        XCTAssertEqual(plain.status, 0, plain.stdout + plain.stderr)
        let lines = plain.stdout.split(separator: "\n").map(String.init)
        for expected in [
            "warning: routes[1].methods.GET: GET on /admin/export is public, but under the enclosing /admin (routes[0]) it requires admin (less_protected_than_enclosing; fix: ",
            "warning: routes[2].methods.DELETE: DELETE on /appointments accepts any valid token, while GET requires scopes (method_without_scope; fix: ",
            "warning: routes[2].methods.HEAD: HEAD on /appointments is public, but GET requires read:apointments",
            #"warning: routes[2].methods.GET[0]: "read:apointments" is not in api.scopes (did you mean "read:appointments"?)"#,
            #"warning: api.scopes[1]: "read:appointments" is in the catalog but no route requires it (catalog_scope_unused; fix: "#,
        ] {
            XCTAssertTrue(lines.contains { $0.hasPrefix(expected) }, "no line starting \(expected) in:\n\(plain.stdout)")
        }
        XCTAssertTrue(plain.stdout.contains(": OK ("), plain.stdout)

        let strict = try ScopeGateBinary.run(["check", "--strict", "--config", path])
        XCTAssertEqual(strict.status, 1, strict.stdout)
        XCTAssertTrue(strict.stdout.contains("warnings (--strict)"), strict.stdout)
        XCTAssertFalse(strict.stdout.contains(": OK ("), strict.stdout)
    }

    func testJSONReportHasTheDocumentedShape() throws {
        let path = try write(Self.config)
        for (arguments, status) in [(["check", "--json"], Int32(0)), (["check", "--json", "--strict"], 1)] {
            let result = try ScopeGateBinary.run(arguments + ["--config", path])
            XCTAssertEqual(result.status, status, result.stdout)
            let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
            XCTAssertEqual(Set(report.keys), ["valid", "problems", "warnings", "accepted"])
            XCTAssertEqual(report["valid"] as? Bool, true)
            XCTAssertEqual((report["problems"] as? [Any])?.count, 0)
            let warnings = try XCTUnwrap(report["warnings"] as? [[String: String]])
            for warning in warnings { XCTAssertEqual(Set(warning.keys), ["rule", "path", "message", "hint"]) }
            XCTAssertEqual(warnings.map { $0["rule"] ?? "" }, [
                "less_protected_than_enclosing", "method_without_scope", "head_less_protected_than_get",
                "scope_not_in_catalog", "catalog_scope_unused",
            ])
            XCTAssertEqual(warnings.map { $0["path"] ?? "" }, [
                "routes[1].methods.GET", "routes[2].methods.DELETE", "routes[2].methods.HEAD",
                "routes[2].methods.GET[0]", "api.scopes[1]",
            ])
            XCTAssertEqual((report["accepted"] as? [Any])?.count, 0)
        }

        // Invalid: valid false, problems with their paths, exit 1 without --strict.
        let invalid = try write(Self.invalidConfig)
        let result = try ScopeGateBinary.run(["check", "--json", "--config", invalid])
        XCTAssertEqual(result.status, 1, result.stdout)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
        XCTAssertEqual(report["valid"] as? Bool, false)
        let problems = try XCTUnwrap(report["problems"] as? [[String: String]])
        XCTAssertEqual(problems.map { $0["path"] ?? "" }, ["routes"], "\(problems)")
    }

    /// Path templates: an ambiguous pair fails `check` with both routes and a path both match;
    /// a public templated route under a scoped one is a lint warning.
    func testTemplatedRoutesAreCheckedForAmbiguityAndEnclosure() throws {
        let routes = { (list: String) in
            #"{"api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"url": "https://issuer/jwks"}}, "backends": {"b": {"url": "http://127.0.0.1:9102"}}, "routes": [\#(list)]}"#
        }
        let ambiguous = try write(routes(#"{"prefix": "/a/{x}/c", "backend": "b", "methods": {"GET": []}}, {"prefix": "/a/b/{y}", "backend": "b", "methods": {"GET": []}}"#))
        let refused = try ScopeGateBinary.run(["check", "--json", "--config", ambiguous])
        XCTAssertEqual(refused.status, 1, refused.stdout)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(refused.stdout.utf8)) as? [String: Any], refused.stdout)
        let problems = try XCTUnwrap(report["problems"] as? [[String: String]])
        XCTAssertEqual(problems.map { $0["path"] ?? "" }, ["routes[1].prefix"], "\(problems)")
        XCTAssertTrue(problems.first?["message"]?.hasPrefix(#""/a/b/{y}" and routes[0] "/a/{x}/c" are ambiguous: both match /a/b/c"#) == true, "\(problems)")

        let nested = try write(routes(#"{"prefix": "/users/{id}", "backend": "b", "methods": {"GET": ["read:users"]}}, {"prefix": "/users/me", "backend": "b", "methods": {"GET": "public"}}"#))
        let linted = try ScopeGateBinary.run(["check", "--config", nested])
        XCTAssertEqual(linted.status, 0, linted.stdout + linted.stderr)
        XCTAssertTrue(linted.stdout.contains("warning: routes[1].methods.GET: GET on /users/me is public, but under the enclosing /users/{id} (routes[0]) it requires read:users"), linted.stdout)
    }

    func testAcceptedFindingsPassStrictAndAreSaid() throws {
        let path = try write(Self.acceptingConfig)
        let result = try ScopeGateBinary.run(["check", "--strict", "--config", path])
        XCTAssertEqual(result.status, 0, result.stdout)
        XCTAssertFalse(result.stdout.contains("warning:"), result.stdout)
        XCTAssertTrue(result.stdout.contains("accepted: routes[1].methods.GET: GET on /admin/status is public"), result.stdout)
        XCTAssertTrue(result.stdout.contains("(less_protected_than_enclosing; reason: the status page is public)"), result.stdout)
    }

    /// The shipped config, the Kubernetes one and every example pass `check --strict`.
    func testShippedDeployedAndExampleConfigsPassStrict() throws {
        let examples = Self.root.appendingPathComponent("examples")
        let folders = try FileManager.default.contentsOfDirectory(atPath: examples.path).sorted().filter {
            FileManager.default.fileExists(atPath: examples.appendingPathComponent("\($0)/gateway.json").path)
        }
        XCTAssertGreaterThanOrEqual(folders.count, 7)
        let paths = [Self.root.appendingPathComponent("gateway.json").path,
                     Self.root.appendingPathComponent("deploy/kubernetes/gateway.json").path]
            + folders.map { examples.appendingPathComponent("\($0)/gateway.json").path }
        for path in paths {
            let result = try ScopeGateBinary.run(["check", "--strict", "--config", path])
            XCTAssertEqual(result.status, 0, "\(path):\n\(result.stdout)\(result.stderr)")
            XCTAssertFalse(result.stdout.contains("warning:"), "\(path):\n\(result.stdout)")
        }
    }
}
