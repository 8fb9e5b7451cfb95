import Foundation
import XCTest
@testable import ScopeGateCore
@testable import ScopeGateUpstream

/// `backends.<name>`: instances (`url` / `urls`), balancing, passive health, retries and TLS.
final class BackendConfigDecodingTests: XCTestCase {
    private let validAPI = #""api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "/k.json"}}"#

    /// A whole config whose only backend `b` has `members`; relative paths resolve against `baseDirectory`.
    private func document(_ members: String) -> Data {
        Data(#"{\#(validAPI), "backends": {"b": {\#(members)}}, "routes": [{"prefix": "/", "backend": "b", "methods": {"GET": "public"}}]}"#.utf8)
    }

    private func problems(_ members: String, baseDirectory: String? = nil) -> [String] {
        do {
            _ = try ConfigLoader.decode(document(members), baseDirectory: baseDirectory)
            return []
        } catch let error as ConfigError {
            return error.problems.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    func testOneURLGetsDefaults() throws {
        let backend = try XCTUnwrap(try ConfigLoader.decode(document(#""url": "http://127.0.0.1:9102/""#)).backends["b"])
        XCTAssertEqual(backend.instances, ["http://127.0.0.1:9102"])
        XCTAssertEqual(backend.url, "http://127.0.0.1:9102")
        XCTAssertEqual(backend.balance, .roundRobin)
        XCTAssertEqual(backend.ejectAfterFailures, 3)
        XCTAssertEqual(backend.ejectSeconds, 10)
        XCTAssertEqual(backend.retries, 1)
        XCTAssertNil(backend.tls)
    }

    func testSeveralURLsAndTheirSettings() throws {
        let members = #""urls": ["http://10.0.0.1:8080", "HTTP://10.0.0.2:8080/"], "balance": "least_in_flight", "eject_after_failures": 5, "eject_seconds": 30, "retries": 2"#
        let backend = try XCTUnwrap(try ConfigLoader.decode(document(members)).backends["b"])
        XCTAssertEqual(backend.instances, ["http://10.0.0.1:8080", "http://10.0.0.2:8080"])
        XCTAssertEqual(backend.balance, .leastInFlight)
        XCTAssertEqual(backend.ejectAfterFailures, 5)
        XCTAssertEqual(backend.ejectSeconds, 30)
        XCTAssertEqual(backend.retries, 2)
    }

    func testTLSPathsResolveAgainstTheConfigDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["ca.pem", "client.pem", "client.key"] {
            try Data("x".utf8).write(to: directory.appendingPathComponent(name))
        }
        let members = #""url": "https://10.0.0.1:8443", "tls": {"ca_file": "ca.pem", "client_certificate": "client.pem", "client_key": "client.key", "server_name": "api.internal"}"#
        let backend = try XCTUnwrap(try ConfigLoader.decode(document(members), baseDirectory: directory.path).backends["b"])
        let base = directory.standardizedFileURL.path
        XCTAssertEqual(backend.tls, BackendTLSConfig(caFile: "\(base)/ca.pem", clientCertificate: "\(base)/client.pem",
                                                     clientKey: "\(base)/client.key", serverName: "api.internal"))
    }

    func testProblemTable() {
        let cases: [(name: String, members: String, expected: String)] = [
            ("neither url nor urls", #""timeout_ms": 5"#, "backends.b.url: is required"),
            ("url and urls", #""url": "http://a", "urls": ["http://b"]"#, "backends.b: has both \"url\" and \"urls\""),
            ("urls empty", #""urls": []"#, "backends.b.urls: must list at least one URL"),
            ("urls not an array", #""urls": "http://a""#, "backends.b.urls: must be an array of strings"),
            ("one bad URL in urls", #""urls": ["http://a", "ftp://b"]"#, "backends.b.urls[1]: must be an absolute http:// or https:// URL"),
            ("mixed schemes", #""urls": ["http://a", "https://b"]"#, "backends.b.urls: mixes http and https"),
            ("same instance twice", #""urls": ["http://a:1", "http://a:1/"]"#, "backends.b.urls: lists an instance twice"),
            ("unknown balance", #""url": "http://a", "balance": "random""#, "backends.b.balance: must be \"round_robin\" or \"least_in_flight\", found \"random\""),
            ("eject_after_failures 0", #""url": "http://a", "eject_after_failures": 0"#, "backends.b.eject_after_failures: must be a whole number from 1 to 100"),
            ("eject_seconds 0", #""url": "http://a", "eject_seconds": 0"#, "backends.b.eject_seconds: must be a whole number from 1 to 86400"),
            ("retries negative", #""url": "http://a", "retries": -1"#, "backends.b.retries: must be a whole number from 0 to 10"),
            ("tls not an object", #""url": "https://a", "tls": true"#, "backends.b.tls: must be an object"),
            ("tls unknown key", #""url": "https://a", "tls": {"verify": false}"#, "backends.b.tls.verify: unknown key"),
            ("ca_file missing", #""url": "https://a", "tls": {"ca_file": "/nonexistent/ca.pem"}"#, "backends.b.tls.ca_file: cannot read file /nonexistent/ca.pem"),
            ("client_key missing", #""url": "https://a", "tls": {"client_certificate": "/etc/hostname", "client_key": "/nonexistent/k.pem"}"#, "backends.b.tls.client_key: cannot read file /nonexistent/k.pem"),
            ("certificate without key", #""url": "https://a", "tls": {"client_certificate": "/etc/hostname"}"#, "backends.b.tls: \"client_certificate\" and \"client_key\" go together"),
            ("server_name with a port", #""url": "https://a", "tls": {"server_name": "api:443"}"#, "backends.b.tls.server_name: must be a DNS host name"),
        ]
        for (name, members, expected) in cases {
            let found = problems(members)
            XCTAssertTrue(found.contains { $0.hasPrefix(expected) }, "\(name): expected \(expected), got \(found)")
        }
    }

    func testServerNameTargetsTheInstanceAddress() {
        let tls = BackendTLSConfig(caFile: "/ca.pem", serverName: "api.internal")
        let withPort = UpstreamTLS.attempt(instance: "https://10.0.0.1:8443", pathAndQuery: "/x?y=1", tls: tls)
        XCTAssertEqual(withPort.url, "https://api.internal:8443/x?y=1")
        XCTAssertEqual(withPort.tls, UpstreamTLS(caFile: "/ca.pem", connectTo: "10.0.0.1:8443"))
        let defaultPort = UpstreamTLS.attempt(instance: "https://[::1]", pathAndQuery: "/", tls: tls)
        XCTAssertEqual(defaultPort.url, "https://api.internal/")
        XCTAssertEqual(defaultPort.tls?.connectTo, "[::1]:443")
        let plain = UpstreamTLS.attempt(instance: "http://10.0.0.1:8080", pathAndQuery: "/a", tls: nil)
        XCTAssertEqual(plain.url, "http://10.0.0.1:8080/a")
        XCTAssertNil(plain.tls)
    }
}
