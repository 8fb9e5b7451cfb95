import Foundation
import NIOPosix
import XCTest
@testable import ScopeGateDemo

/// An issuer whose JWKS is fetched from a URL, through a real gateway: tokens verify once
/// the set is in, a rotated key is picked up by the unknown-`kid` refetch on the very
/// request that needs it, and until the first load the gateway fails closed (503).
final class RemoteKeysTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var server: JWKSTestServer!
    private var fixture: GatewayFixture?

    override func setUp() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        server = try await JWKSTestServer(group: group)
    }

    override func tearDown() async throws {
        try await fixture?.shutdown()
        try await server.stop()
        try await group.shutdownGracefully()
    }

    private func start() async throws -> GatewayFixture {
        let jwks = #"{"url": "\#(server.url("/jwks.json"))", "refresh": {"refetch_cooldown_seconds": 30}}"#
        let started = try await GatewayFixture.start(jwksSource: jwks)
        fixture = started
        return started
    }

    /// Joins the first fetch (started asynchronously by the gateway) and checks it succeeded.
    private func waitUntilReady(_ fixture: GatewayFixture) async throws {
        let failures = await fixture.gateway.refreshRemoteKeys()
        XCTAssertTrue(failures.isEmpty, "\(failures)")
        XCTAssertTrue(fixture.gateway.verifier.isReady)
    }

    func testTokensVerifyAgainstTheFetchedSetAndARotatedKeyOnItsFirstRequest() async throws {
        let rsa = try SharedKeys.rsa
        server.serveJWKS("/jwks.json", [rsa])
        let fixture = try await start()
        try await waitUntilReady(fixture)
        let token = try await fixture.token()
        XCTAssertEqual(try fixture.request("GET", "/appointments/1", token: token).status, 200)
        XCTAssertEqual(try fixture.request("GET", "/healthz").status, 200)

        // The issuer rotates to a new key; the first token signed with it is accepted.
        let rotated = DemoKeyPair.p256(keyID: "rotated-es256")
        server.serveJWKS("/jwks.json", [rsa, rotated])
        let fetchesBefore = server.requestCount("/jwks.json")
        // The first request with the new key carries a body: it waits for the refetch and
        // its body arrives whole.
        let rotatedWriter = try await fixture.token(["scope": "write:appointments"], key: rotated)
        let posted = try fixture.request("POST", "/appointments", token: rotatedWriter, body: "{\"after\":\"rotation\"}")
        XCTAssertEqual(posted.status, 200)
        XCTAssertEqual(try posted.json()["body"] as? String, "{\"after\":\"rotation\"}")
        XCTAssertEqual(server.requestCount("/jwks.json"), fetchesBefore + 1)
        let rotatedToken = try await fixture.token([:], key: rotated)
        XCTAssertEqual(try fixture.request("GET", "/appointments/1", token: rotatedToken).status, 200)
        XCTAssertEqual(server.requestCount("/jwks.json"), fetchesBefore + 1)

        // Unknown kids within the cooldown cause no further fetch: still 401 unknown_kid.
        for index in 0..<20 {
            let stranger = try await fixture.token([:], header: ["alg": "RS256", "kid": "stranger-\(index)"])
            let denied = try fixture.request("GET", "/appointments/1", token: stranger)
            XCTAssertEqual(denied.status, 401)
            XCTAssertEqual(try denied.json()["reason"] as? String, "unknown_kid")
        }
        XCTAssertEqual(server.requestCount("/jwks.json"), fetchesBefore + 1)
    }

    func testAThousandUnknownKidsCauseAtMostOneFetchPerCooldown() async throws {
        server.serveJWKS("/jwks.json", [try SharedKeys.rsa])
        let fixture = try await start()
        try await waitUntilReady(fixture)
        let fetchesBefore = server.requestCount("/jwks.json")
        let claims = try TokenMinter.json(GatewayFixture.claims())
        // Four keep-alive connections, 250 pipelined requests each, every token a random kid.
        var clients: [RawHTTPClient] = []
        for _ in 0..<4 {
            let client = try RawHTTPClient(port: fixture.port)
            var batch = ""
            for _ in 0..<250 {
                let header = try TokenMinter.json(["alg": "RS256", "kid": UUID().uuidString])
                let token = TokenMinter.assemble(headerJSON: header, payloadJSON: claims, signature: Array(repeating: 7, count: 256))
                batch += "GET /appointments/1 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n\r\n"
            }
            try client.send(batch)
            clients.append(client)
        }
        for client in clients {
            for _ in 0..<250 { XCTAssertEqual(try client.readResponse().status, 401) }
        }
        XCTAssertLessThanOrEqual(server.requestCount("/jwks.json") - fetchesBefore, 1)
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    /// A `kid` that names more than 8 keys of the set is refused (`unknown_kid`, at most 8 are
    /// tried), and no refetch can change that: the kid IS in the set. The request is answered
    /// at once, and the issuer is not asked again.
    func testAKidNamingMoreThanEightKeysIsRefusedWithoutARefetch() async throws {
        let crowd = (0..<9).map { _ in DemoKeyPair.p256(keyID: "crowded") }
        server.serveJWKS("/jwks.json", crowd)
        let fixture = try await start()
        try await waitUntilReady(fixture)
        let fetchesBefore = server.requestCount("/jwks.json")
        let token = try await fixture.token([:], key: crowd[0])
        let denied = try fixture.request("GET", "/appointments/1", token: token)
        XCTAssertEqual(denied.status, 401)
        XCTAssertEqual(try denied.json()["reason"] as? String, "unknown_kid")
        XCTAssertEqual(server.requestCount("/jwks.json"), fetchesBefore, "no refetch for a kid the set already holds")
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    /// The request waits for the refetch its unknown kid started; the new set still lacks the
    /// kid, so the decision finished then is 401 `unknown_kid`, and the request does not wait twice.
    func testAKidTheRefetchDoesNotBringIsRefusedAfterOneWait() async throws {
        server.serveJWKS("/jwks.json", [try SharedKeys.rsa])
        let fixture = try await start()
        try await waitUntilReady(fixture)
        let fetchesBefore = server.requestCount("/jwks.json")
        let unpublished = DemoKeyPair.p256(keyID: "unpublished")
        let denied = try fixture.request("GET", "/appointments/1", token: try await fixture.token([:], key: unpublished))
        XCTAssertEqual(denied.status, 401)
        XCTAssertEqual(try denied.json()["reason"] as? String, "unknown_kid")
        XCTAssertEqual(server.requestCount("/jwks.json"), fetchesBefore + 1)
        XCTAssertEqual(fixture.backendRequestCount, 0)
        let lines = try fixture.logLines().filter { $0.contains("\"reason\":\"unknown_kid\"") }
        XCTAssertEqual(lines.count, 1, "one denial line: \(lines)")
    }

    func testIssuerDownKeepsTheLastGoodSet() async throws {
        server.serveJWKS("/jwks.json", [try SharedKeys.rsa])
        let fixture = try await start()
        try await waitUntilReady(fixture)
        server.failAll(500)
        let failures = await fixture.gateway.refreshRemoteKeys()
        XCTAssertEqual(failures.count, 1)
        let token = try await fixture.token()
        XCTAssertEqual(try fixture.request("GET", "/appointments/1", token: token).status, 200)
        XCTAssertEqual(try fixture.request("GET", "/healthz").status, 200)
        let jwksLines = try fixture.logLines().filter { $0.contains("\"event\":\"jwks\"") }
        XCTAssertFalse(jwksLines.isEmpty, "the failed fetch is logged")
    }

    func testNoKeysYetMeans503AndNotReady() async throws {
        server.failAll(500)
        let fixture = try await start()
        let failures = await fixture.gateway.refreshRemoteKeys()
        XCTAssertFalse(failures.isEmpty)
        let token = try await fixture.token()
        let response = try fixture.request("GET", "/appointments/1", token: token)
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(try response.json()["reason"] as? String, "keys_unavailable")
        XCTAssertEqual(try fixture.request("GET", "/healthz").status, 503)
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }
}
