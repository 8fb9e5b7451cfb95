import Foundation
import XCTest

/// `Expect: 100-continue` (RFC 9110 §10.1.1): the client is told to send its body only
/// once the request is authorised; a denial goes out without `100 Continue`.
final class ExpectContinueTests: XCTestCase {
    private var fixture: GatewayFixture!

    override func setUp() async throws { fixture = try await GatewayFixture.start() }
    override func tearDown() async throws { try await fixture?.shutdown() }

    func testAuthorisedRequestGets100ContinueThenTheResponse() async throws {
        let token = try await fixture.token(["scope": "write:appointments"])
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("POST /appointments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let interim = try client.readResponse()
        XCTAssertEqual(interim.status, 100)
        try client.send("hello")
        let final = try client.readResponse()
        XCTAssertEqual(final.status, 200)
        XCTAssertEqual(try final.json()["body"] as? String, "hello")
    }

    func testDeniedRequestGetsTheDenialWithout100Continue() async throws {
        let client = try RawHTTPClient(port: fixture.port)
        try client.send("POST /appointments HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 401)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(client.isClosedByServer())
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }
}
