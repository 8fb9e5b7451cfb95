import Foundation
import NIOPosix
import XCTest
@testable import ScopeGateDemo

/// `limits.max_body_bytes` while the decision waits for the issuer's keys: a token whose `kid`
/// the fetched set lacks makes the gateway refetch the JWKS before deciding, and the body parts
/// that came in the head's own read arrive during that wait. They count against the limit like
/// any streamed part: over it, 413 `body_too_large` and nothing reaches the backend; within it,
/// the body is forwarded whole once the key is in.
///
/// Failing input (a code reading, confirmed by these tests): a chunked body sent with its head
/// was counted during the wait but never checked. Once the key arrived every kept part was
/// forwarded: the backend got all 1600 bytes past a limit of 1024 and the client its 200; without
/// the body's end, the upstream started with the 1200 bytes kept (the backend got the head) and
/// the client got a 408 ten seconds later.
final class BodyLimitDuringKeyWaitTests: XCTestCase {
    private static let limit = 1024
    private var group: MultiThreadedEventLoopGroup!
    private var server: JWKSTestServer!
    private var fixture: GatewayFixture!

    override func setUp() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        server = try await JWKSTestServer(group: group)
    }

    override func tearDown() async throws {
        try await fixture?.shutdown()
        try await server.stop()
        try await group.shutdownGracefully()
    }

    /// A gateway whose issuer's JWKS (a URL) has only the fixture's RSA key once loaded, then
    /// also `rotated`: a token signed with it has a `kid` the gateway does not know yet, so its
    /// request waits for the refetch. CORS is on for ``CORSServingTests/app``.
    private func startWithRotatedKey(_ rotated: DemoKeyPair) async throws {
        let rsa = try SharedKeys.rsa
        server.serveJWKS("/jwks.json", [rsa])
        fixture = try await GatewayFixture.start(
            jwksSource: #"{"url": "\#(server.url("/jwks.json"))", "refresh": {"refetch_cooldown_seconds": 30}}"#,
            extraTopLevel: CORSServingTests.cors, maxBodyBytes: Self.limit)
        let failures = await fixture.gateway.refreshRemoteKeys()
        XCTAssertTrue(failures.isEmpty, "\(failures)")
        server.serveJWKS("/jwks.json", [rsa, rotated])
    }

    /// A chunked POST to `/appointments`, head and `chunks` in one write (the parts arrive in the
    /// head's read, so during the key wait), with the last chunk only when `ended`.
    private func chunkedPost(token: String, chunks: [String], ended: Bool = true, headers: String = "") -> String {
        "POST /appointments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n\(headers)Transfer-Encoding: chunked\r\n\r\n"
            + chunks.map { String($0.utf8.count, radix: 16) + "\r\n" + $0 + "\r\n" }.joined()
            + (ended ? "0\r\n\r\n" : "")
    }

    /// The log's denial lines (the key fetches are logged too).
    private func denialLines() throws -> [String] {
        try fixture.logLines().filter { $0.contains(#""event":"denial""#) }
    }

    @discardableResult
    private func assertRefusedAsTooLarge(_ client: RawHTTPClient, file: StaticString = #filePath,
                                         line: UInt = #line) throws -> RawHTTPResponse {
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 413, response.bodyText, file: file, line: line)
        XCTAssertEqual(try response.json()["reason"] as? String, "body_too_large", file: file, line: line)
        XCTAssertTrue(client.isClosedByServer(), file: file, line: line)
        XCTAssertEqual(fixture.backendHeadCount, 0, "a request over the limit reached the backend", file: file, line: line)
        let lines = try denialLines()
        XCTAssertEqual(lines.count, 1, "\(lines)", file: file, line: line)
        XCTAssertTrue(lines.first.map { $0.contains(#""status":413"#) && $0.contains(#""reason":"body_too_large""#) } ?? false,
                      "\(lines)", file: file, line: line)
        return response
    }

    func testChunkedBodyOverTheLimitWholeDuringTheKeyWaitIs413AndNeverForwarded() async throws {
        let rotated = DemoKeyPair.p256(keyID: "rotated-over-limit")
        try await startWithRotatedKey(rotated)
        let token = try await fixture.token(["scope": "write:appointments"], key: rotated)
        let client = try RawHTTPClient(port: fixture.port)
        // 4 x 400 = 1600 bytes: the third part goes over 1024.
        try client.send(chunkedPost(token: token, chunks: Array(repeating: String(repeating: "a", count: 400), count: 4),
                                    headers: "Origin: \(CORSServingTests.app)\r\n"))
        let response = try assertRefusedAsTooLarge(client)
        // Readable by the page, as the 413 for a declared length or a streamed body.
        XCTAssertEqual(response.headers("Access-Control-Allow-Origin"), [CORSServingTests.app])
    }

    /// The same without the body's end: the gateway must not start the upstream with what it has.
    func testChunkedBodyOverTheLimitUnfinishedDuringTheKeyWaitIs413AndNeverForwarded() async throws {
        let rotated = DemoKeyPair.p256(keyID: "rotated-unfinished")
        try await startWithRotatedKey(rotated)
        let token = try await fixture.token(["scope": "write:appointments"], key: rotated)
        let client = try RawHTTPClient(port: fixture.port)
        try client.send(chunkedPost(token: token, chunks: Array(repeating: String(repeating: "b", count: 400), count: 3), ended: false))
        try assertRefusedAsTooLarge(client)
    }

    /// The boundary: a body of exactly the limit that ends during the wait is forwarded whole
    /// once the refetch brings the key.
    func testChunkedBodyAtTheLimitWholeDuringTheKeyWaitIsForwardedWhole() async throws {
        let rotated = DemoKeyPair.p256(keyID: "rotated-at-limit")
        try await startWithRotatedKey(rotated)
        let fetchesBefore = server.requestCount("/jwks.json")
        let token = try await fixture.token(["scope": "write:appointments"], key: rotated)
        let client = try RawHTTPClient(port: fixture.port)
        let chunks = ["c", "d", "e", "f"].map { String(repeating: $0, count: Self.limit / 4) }
        try client.send(chunkedPost(token: token, chunks: chunks))
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        let echo = try response.json()
        XCTAssertEqual(echo["body_bytes"] as? Int, Self.limit)
        XCTAssertEqual(echo["body"] as? String, chunks.joined())
        XCTAssertEqual(server.requestCount("/jwks.json"), fetchesBefore + 1, "the request waited for the refetch")
        XCTAssertEqual(try denialLines(), [])
    }
}
