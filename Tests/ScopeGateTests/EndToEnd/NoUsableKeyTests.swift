import Foundation
import NIOPosix
import XCTest
@testable import ScopeGateCore
@testable import ScopeGateDemo

/// A JWK Set with no usable key through a real gateway and `scopegate check` (issue 11):
/// from a file or from a URL, the gateway starts and is ready, the issuer's tokens get 401
/// `unknown_kid`, and exactly one `jwks_no_usable_key` line names the issuer and why each
/// key was skipped; `check` prints the file's warning and still exits 0.
final class NoUsableKeyTests: XCTestCase {
    /// An X448 key (key agreement, not signatures) and an RSA key published for RS512,
    /// which the test issuer (`RS256`, `ES256`) does not allow.
    private static func unusableJWKS() throws -> [UInt8] {
        let x448 = ["kty": "OKP", "crv": "X448", "kid": "x448", "x": Base64URL.encode([UInt8](repeating: 9, count: 56))]
        return DemoKeyPair.jwksJSON([x448, try SharedKeys.rsa.publicJWK(alg: .rs512)])
    }

    private static let skipReasons = [#"crv \"X448\" is not supported"#, "alg RS512 is not in the issuer's algorithms"]

    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-nokey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    /// Ready, `unknown_kid` for a token of the issuer, and the one warning line.
    private func assertServesEmptySet(_ fixture: GatewayFixture, path: String, source: String) async throws {
        XCTAssertTrue(fixture.gateway.verifier.isReady)
        XCTAssertEqual(try fixture.request("GET", "/healthz").status, 200)
        let response = try fixture.request("GET", "/appointments/1", token: try await fixture.token())
        XCTAssertEqual(response.status, 401)
        XCTAssertEqual(try response.json()["reason"] as? String, "unknown_kid")
        XCTAssertEqual(fixture.backendRequestCount, 0)
        let all = try fixture.logLines()
        let lines = all.filter { $0.contains(#""event":"jwks_no_usable_key""#) }
        XCTAssertEqual(lines.count, 1, "\(all)")
        let line = try XCTUnwrap(lines.first)
        XCTAssertTrue(line.contains(#""issuer":"\#(GatewayFixture.issuer)""#), line)
        XCTAssertTrue(line.contains(#""path":"\#(path)""#), line)
        XCTAssertTrue(line.contains(source.replacingOccurrences(of: "/", with: "\\/")) || line.contains(source), line)
        for reason in Self.skipReasons { XCTAssertTrue(line.contains(reason), "\(reason) in \(line)") }
    }

    func testAFileWithNoUsableKeyLoadsEmptyAndIsLoggedOnce() async throws {
        let file = try temporaryDirectory().appendingPathComponent("unusable.json").path
        try Data(try Self.unusableJWKS()).write(to: URL(fileURLWithPath: file))
        let fixture = try await GatewayFixture.start(jwksSource: #"{"file": "\#(file)"}"#)
        do {
            try await assertServesEmptySet(fixture, path: "api.issuers[0].jwks.file", source: file)
        } catch {
            try await fixture.shutdown()
            throw error
        }
        try await fixture.shutdown()
    }

    func testAURLServingNoUsableKeyLoadsEmptyAndIsLoggedOnce() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await JWKSTestServer(group: group)
        server.serve("/jwks.json", .init(body: try Self.unusableJWKS()))
        let url = server.url("/jwks.json")
        var fixture: GatewayFixture?
        do {
            let started = try await GatewayFixture.start(jwksSource: #"{"url": "\#(url)"}"#)
            fixture = started
            let failures = await started.gateway.refreshRemoteKeys()
            XCTAssertTrue(failures.isEmpty, "\(failures)")
            try await assertServesEmptySet(started, path: "api.issuers[0].jwks.url", source: url)
        } catch {
            XCTFail("\(error)")
        }
        try await fixture?.shutdown()
        try await server.stop()
        try await group.shutdownGracefully()
    }

    func testCheckPrintsTheWarningAndExitsZero() throws {
        let directory = try temporaryDirectory()
        try Data(try Self.unusableJWKS()).write(to: directory.appendingPathComponent("unusable.json"))
        let path = directory.appendingPathComponent("gateway.json").path
        try Data("""
        {"api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "unusable.json"}},
         "backends": {"calendar": {"url": "http://127.0.0.1:9102"}},
         "routes": [{"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"]}}]}
        """.utf8).write(to: URL(fileURLWithPath: path))
        let result = try ScopeGateBinary.run(["check", "--config", path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let warnings = result.stdout.split(separator: "\n").filter { $0.hasPrefix("warning: ") }
        XCTAssertEqual(warnings.count, 1, result.stdout)
        let warning = String(warnings.first ?? "")
        XCTAssertTrue(warning.hasPrefix("warning: api.issuers[0].jwks.file: JWK Set "), warning)
        XCTAssertTrue(warning.contains(#"keys[0] (kid "x448"): crv "X448" is not supported"#), warning)
        XCTAssertTrue(warning.contains(#"keys[1] (kid "test-rs256"): alg RS512 is not in the issuer's algorithms"#), warning)
        XCTAssertTrue(result.stdout.contains(": OK ("), result.stdout)

        // With a usable key: no warning.
        try Data(DemoKeyPair.jwksJSON([try SharedKeys.rsa.publicJWK(alg: .rs256)]))
            .write(to: directory.appendingPathComponent("unusable.json"))
        let clean = try ScopeGateBinary.run(["check", "--config", path])
        XCTAssertEqual(clean.status, 0, clean.stdout)
        XCTAssertFalse(clean.stdout.contains("warning:"), clean.stdout)
    }
}
