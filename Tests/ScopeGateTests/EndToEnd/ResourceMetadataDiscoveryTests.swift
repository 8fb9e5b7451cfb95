import Foundation
import XCTest
@testable import ScopeGateCore
@testable import ScopeGateServer

/// RFC 9728 over real sockets: a real client (`scripts/rfc9728-client.py`, run as a process)
/// follows a 401's `resource_metadata` to the metadata the gateway serves and finds the issuer of
/// its token there; the document changes with a reload.
///
/// The resource is the gateway itself, `http://127.0.0.1:<port>`, and its port is known only once
/// it listens: each test starts with a stand-in resource and reloads the real one, through the same
/// file reload `serve` uses (`Gateway.reload(fileAt:trigger:)`).
final class ResourceMetadataDiscoveryTests: XCTestCase {
    /// The `protected_resource` the gateway starts with (the port is not known yet).
    static let standIn = #", "protected_resource": {"resource": "http://127.0.0.1:1/", "resource_name": "Appointments (stand-in)"}"#
    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/rfc9728-client.py")

    private var fixture: GatewayFixture!

    override func setUp() async throws {
        fixture = try await GatewayFixture.start(extraTopLevel: Self.standIn)
    }

    override func tearDown() async throws {
        try await fixture?.shutdown()
    }

    /// Rewrites the config file with `protectedResource` (members of `protected_resource`, with
    /// `$PORT` for the gateway's port) and reloads it.
    private func reload(protectedResource: String) async throws {
        let members = protectedResource.replacingOccurrences(of: "$PORT", with: String(fixture.port))
        let json = GatewayFixture.configJSON(appointmentsPort: fixture.appointments.port, calendarPort: fixture.calendar.port,
                                             extraTopLevel: #", "protected_resource": {\#(members)}"#)
        try Data(json.utf8).write(to: URL(fileURLWithPath: fixture.configPath))
        let outcome = await fixture.gateway.reload(fileAt: fixture.configPath, trigger: "test")
        XCTAssertEqual(outcome, .applied(generation: 2))
        guard case .applied = outcome else { throw ReloadRefused() }
    }

    private struct ReloadRefused: Error {}

    /// Runs the RFC 9728 client against `url`; its exit status, stdout and stderr.
    private func runClient(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.client.path] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read to the end before waiting: the pipes must not fill up.
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    func testAClientFollowsTheChallengeToTheMetadataAndFindsTheIssuer() async throws {
        // Without arguments the client prints its usage and exits 2: python3 runs it.
        if (try? runClient([]))?.status != 2, ProcessInfo.processInfo.environment["CI"] == nil {
            throw XCTSkip("python3 is not available to run scripts/rfc9728-client.py")
        }
        try await reload(protectedResource: #""resource": "http://127.0.0.1:$PORT", "resource_name": "Appointments""#)
        let base = "http://127.0.0.1:\(fixture.port)"

        // The challenge names the metadata by the configured resource, whatever Host the client sent.
        let denied = try fixture.request("GET", "/appointments/1", headers: ["X-Forwarded-Host: evil.example"])
        XCTAssertEqual(denied.status, 401)
        XCTAssertEqual(denied.header("WWW-Authenticate"),
                       #"Bearer realm="test-api", resource_metadata="\#(base)/.well-known/oauth-protected-resource""#)

        let token = try await fixture.token(["scope": "read:appointments"])
        let run = try runClient(["\(base)/appointments/1", "--token", token])
        XCTAssertEqual(run.status, 0, run.errors)
        let found = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], run.output)
        XCTAssertEqual(found["resource"] as? String, base)
        XCTAssertEqual(found["metadata_url"] as? String, "\(base)/.well-known/oauth-protected-resource")
        XCTAssertEqual(found["issuer"] as? String, GatewayFixture.issuer)
        XCTAssertEqual(found["allowed_status"] as? Int, 200)
        XCTAssertEqual(found["cors"] as? String, "*")
        let metadata = try XCTUnwrap(found["metadata"] as? [String: Any])
        XCTAssertEqual(metadata["authorization_servers"] as? [String], [GatewayFixture.issuer])
        XCTAssertEqual(metadata["scopes_supported"] as? [String],
                       ["admin:appointments", "read:appointments", "read:calendar", "write:appointments"])
        XCTAssertEqual(metadata["bearer_methods_supported"] as? [String], ["header"])
        XCTAssertEqual(metadata["resource_name"] as? String, "Appointments")
        XCTAssertEqual(fixture.appointments.requestCount, 1, "only the request with the token was forwarded")

        // A token whose issuer the metadata does not list is refused by the client before it is sent.
        let foreign = try await fixture.token(["iss": "https://elsewhere.test/", "scope": "read:appointments"])
        let refused = try runClient(["\(base)/appointments/1", "--token", foreign])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.errors.contains("is not in authorization_servers"), refused.errors)
        XCTAssertEqual(fixture.appointments.requestCount, 1)
    }

    func testTheMetadataIsServedOnTheMainListenerWithItsHeadersAndNeverForwarded() async throws {
        try await reload(protectedResource: #""resource": "http://127.0.0.1:$PORT/appointments""#)
        let path = "/.well-known/oauth-protected-resource/appointments"
        let get = try fixture.request("GET", path)
        XCTAssertEqual(get.status, 200)
        XCTAssertEqual(get.header("Content-Type"), "application/json")
        XCTAssertEqual(get.header("Cache-Control"), "public, max-age=300")
        XCTAssertEqual(get.header("Access-Control-Allow-Origin"), "*")
        XCTAssertEqual(try get.json()["resource"] as? String, "http://127.0.0.1:\(fixture.port)/appointments")
        let head = try fixture.request("HEAD", path)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), String(get.body.count))
        XCTAssertTrue(head.body.isEmpty)

        let post = try fixture.request("POST", path, body: "{}")
        XCTAssertEqual(post.status, 405)
        XCTAssertEqual(post.header("Allow"), "GET, HEAD")
        XCTAssertNil(post.header("WWW-Authenticate"))
        XCTAssertEqual(try fixture.request("GET", "/.well-known/oauth-protected-resource").status, 404,
                       "only the resource's own path is served")
        XCTAssertEqual(fixture.backendHeadCount, 0)

        // 403 and 400 challenges carry it too.
        let url = "http://127.0.0.1:\(fixture.port)\(path)"
        let token = try await fixture.token(["scope": "read:calendar"])
        let forbidden = try fixture.request("GET", "/appointments/1", token: token)
        XCTAssertEqual(forbidden.status, 403)
        XCTAssertTrue(forbidden.header("WWW-Authenticate")?.hasSuffix(#", scope="read:appointments", resource_metadata="\#(url)""#) ?? false,
                      forbidden.header("WWW-Authenticate") ?? "no challenge")
        let malformed = try fixture.request("GET", "/appointments/1", headers: ["Authorization: Bearer a b"])
        XCTAssertEqual(malformed.status, 400)
        XCTAssertTrue(malformed.header("WWW-Authenticate")?.hasSuffix(#", resource_metadata="\#(url)""#) ?? false,
                      malformed.header("WWW-Authenticate") ?? "no challenge")
        let invalid = try fixture.request("GET", "/appointments/1", token: "e30.e30.e30")
        XCTAssertEqual(invalid.status, 401)
        XCTAssertTrue(invalid.header("WWW-Authenticate")?.contains(#"error="invalid_token""#) ?? false)
        XCTAssertTrue(invalid.header("WWW-Authenticate")?.hasSuffix(#", resource_metadata="\#(url)""#) ?? false)
    }

    func testAReloadChangesTheServedDocumentAndTheChallenges() async throws {
        let first = try fixture.request("GET", "/.well-known/oauth-protected-resource")
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(try first.json()["resource_name"] as? String, "Appointments (stand-in)")
        XCTAssertEqual(try fixture.request("GET", "/appointments/1").header("WWW-Authenticate"),
                       #"Bearer realm="test-api", resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource""#)

        try await reload(protectedResource: #""resource": "https://api.example.com/v2", "resource_name": "Appointments v2", "scopes_supported": ["read:appointments"]"#)
        XCTAssertEqual(try fixture.request("GET", "/.well-known/oauth-protected-resource").status, 404, "the old path is no longer served")
        let second = try fixture.request("GET", "/.well-known/oauth-protected-resource/v2")
        XCTAssertEqual(second.status, 200)
        let document = try second.json()
        XCTAssertEqual(document["resource"] as? String, "https://api.example.com/v2")
        XCTAssertEqual(document["resource_name"] as? String, "Appointments v2")
        XCTAssertEqual(document["scopes_supported"] as? [String], ["read:appointments"])
        XCTAssertEqual(try fixture.request("GET", "/appointments/1").header("WWW-Authenticate"),
                       #"Bearer realm="test-api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v2""#)
    }
}
