import Foundation
import XCTest
@testable import ScopeGateDemo

/// `scopegate serve` refusing what cannot run.
final class ServeCommandTests: XCTestCase {
    /// The command line can put the admin listener on the public port; `check` never sees that,
    /// so `serve` says it plainly instead of failing to bind (found by the lifecycle pass).
    func testAdminPortEqualToThePublicPortFromTheCommandLineIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(DemoKeyPair.jwksJSON([SharedKeys.ec.publicJWK(alg: .es256)])).write(to: directory.appendingPathComponent("jwks.json"))
        let config = #"{"api": {"issuer": "https://i/", "audience": "https://a", "jwks": {"file": "jwks.json"}, "algorithms": ["ES256"]}, "backends": {"b": {"url": "http://127.0.0.1:9"}}, "routes": [{"prefix": "/b", "backend": "b", "methods": {"GET": []}}]}"#
        let path = directory.appendingPathComponent("gateway.json").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        let result = try ScopeGateBinary.run(["serve", "--config", path, "--port", "18199", "--admin-port", "18199"], timeout: 30)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("admin.port: 18199 is also listen.port"), result.stderr)
    }

    /// An address in use is named, with the listener it belongs to (it said only "bind(...):
    /// Address already in use)").
    func testAnAddressInUseIsNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(DemoKeyPair.jwksJSON([SharedKeys.ec.publicJWK(alg: .es256)])).write(to: directory.appendingPathComponent("jwks.json"))
        let taken = HangingListener()
        defer { taken.close() }
        let port = taken.port
        let config = #"{"listen": {"port": 0}, "admin": {"port": \#(port)}, "api": {"issuer": "https://i/", "audience": "https://a", "jwks": {"file": "jwks.json"}, "algorithms": ["ES256"]}, "backends": {"b": {"url": "http://127.0.0.1:9"}}, "routes": [{"prefix": "/b", "backend": "b", "methods": {"GET": []}}]}"#
        let path = directory.appendingPathComponent("gateway.json").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        let result = try ScopeGateBinary.run(["serve", "--config", path], timeout: 30)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("admin: cannot listen on 127.0.0.1:\(port): Address already in use"), result.stderr)
    }

    static let shadowedSlowScopes = #"{"scopes": ["read:slow"], "enforce": "shadow"}"#

    /// `serve` says at start what `check` warns about (a rule in shadow mode denies nothing), so
    /// a shadowed rule left in production is in its log.
    func testServeWarnsAtStartAboutWhatCheckWarnsAbout() async throws {
        let served = try await ServedGateway.start(config: { $0.config(slowScopes: Self.shadowedSlowScopes) }, backendDelay: .zero)
        addTeardownBlock { await served.stop() }
        // Said before "listening", which start() waited for.
        let line = try XCTUnwrap(served.lines.first { $0.contains("shadow_mode") }, served.lines.joined(separator: "\n"))
        XCTAssertTrue(line.hasPrefix("scopegate: warning: routes[0].methods.GET.enforce: is \"shadow\""), line)
        let token = try await served.token(scope: "read:fast")
        let client = try RawHTTPClient(port: served.port)
        try client.send("GET /slow/1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer \(token)\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200, "shadowed: forwarded")
        let wouldDeny = ServedGateway.object(try served.waitForLine("\"would_deny\""))
        XCTAssertEqual(wouldDeny["reason"] as? String, "insufficient_scope")
    }
}
