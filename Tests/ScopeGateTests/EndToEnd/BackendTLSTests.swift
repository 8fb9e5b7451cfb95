import Foundation
import XCTest

/// `https` backends: verification is always on; `tls.ca_file` says what to trust and
/// `tls.server_name` what name to verify while connecting to the instance's address.
final class BackendTLSTests: XCTestCase {
    private var fixture: GatewayFixture?
    private var backend: TLSTestBackend?
    private var mutualBackend: TLSTestBackend?
    private var directory: URL?

    override func tearDown() async throws {
        try await fixture?.shutdown()
        backend?.stop()
        mutualBackend?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func start() async throws -> (GatewayFixture, TLSTestBackend) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        let backend = try TLSTestBackend.start(in: directory)
        self.backend = backend
        let url = "https://127.0.0.1:\(backend.port)"
        let routes = ["trusted", "untrusted", "named", "misnamed"].map {
            #", {"prefix": "/\#($0)", "backend": "\#($0)", "methods": {"GET": "public"}}"#
        }.joined()
        let fixture = try await GatewayFixture.start(extraRoutes: routes, rawBackends: """
            "trusted": {"url": "\(url)", "tls": {"ca_file": "\(backend.caFile)"}},
            "untrusted": {"url": "\(url)"},
            "named": {"url": "\(url)", "tls": {"ca_file": "\(backend.caFile)", "server_name": "backend.test"}},
            "misnamed": {"url": "\(url)", "tls": {"ca_file": "\(backend.caFile)", "server_name": "other.test"}}
            """)
        self.fixture = fixture
        return (fixture, backend)
    }

    func testTrustedCAFileVerifiesTheBackend() async throws {
        let (fixture, backend) = try await start()
        let response = try fixture.request("GET", "/trusted/x")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.bodyText, "tls ok /trusted/x host=127.0.0.1:\(backend.port)")
    }

    func testCertificateFromAnUnknownCAIs502() async throws {
        let (fixture, _) = try await start()
        let response = try fixture.request("GET", "/untrusted/x")
        XCTAssertEqual(response.status, 502)
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines[0].contains(#""backend":"untrusted""#), lines[0])
        XCTAssertFalse(lines[0].contains("retried"), lines[0])   // not a connect-level failure
    }

    func testServerNameIsVerifiedWhileConnectingToTheInstanceAddress() async throws {
        let (fixture, backend) = try await start()
        // `backend.test` does not resolve: the connection goes to 127.0.0.1 all the same.
        let response = try fixture.request("GET", "/named/y")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.bodyText, "tls ok /named/y host=backend.test:\(backend.port)")
        // A name the certificate does not hold fails verification.
        XCTAssertEqual(try fixture.request("GET", "/misnamed/y").status, 502)
    }

    /// A backend that requires a client certificate (mutual TLS): `tls.client_certificate` and
    /// `tls.client_key` are presented, and a route to it without them gets 502, not a response.
    private func startMutual() async throws -> (GatewayFixture, TLSTestBackend) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-mtls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        let backend = try TLSTestBackend.start(in: directory, requireClientCertificate: true)
        self.mutualBackend = backend
        let url = "https://127.0.0.1:\(backend.port)"
        let routes = ["mutual", "nocert"].map {
            #", {"prefix": "/\#($0)", "backend": "\#($0)", "methods": {"GET": "public"}}"#
        }.joined()
        let fixture = try await GatewayFixture.start(extraRoutes: routes, rawBackends: """
            "mutual": {"url": "\(url)", "tls": {"ca_file": "\(backend.caFile)",
                       "client_certificate": "\(backend.clientCertificateFile)", "client_key": "\(backend.clientKeyFile)"}},
            "nocert": {"url": "\(url)", "tls": {"ca_file": "\(backend.caFile)"}}
            """)
        self.fixture = fixture
        return (fixture, backend)
    }

    func testClientCertificateIsPresentedToABackendThatRequiresOne() async throws {
        let (fixture, backend) = try await startMutual()
        let response = try fixture.request("GET", "/mutual/z")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.bodyText, "tls ok /mutual/z host=127.0.0.1:\(backend.port) client=scopegate-test-client")
        // Again, over the pooled connection or a new one: still the client certificate.
        XCTAssertEqual(try fixture.request("GET", "/mutual/w").bodyText,
                       "tls ok /mutual/w host=127.0.0.1:\(backend.port) client=scopegate-test-client")
    }

    func testBackendThatRequiresAClientCertificateRefusesTheGatewayWithoutOneAs502() async throws {
        let (fixture, _) = try await startMutual()
        let response = try fixture.request("GET", "/nocert/z")
        XCTAssertEqual(response.status, 502)
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines[0].contains(#""backend":"nocert""#), lines[0])
    }
}
