import Foundation
import XCTest
@testable import ScopeGateCore
@testable import ScopeGateDemo

/// Every kind of bad request is denied with the right status and challenge, never
/// reaches a backend, and leaves exactly one JSON line in the denial log.
final class DenialTests: XCTestCase {
    private var fixture: GatewayFixture!

    override func setUp() async throws { fixture = try await GatewayFixture.start() }
    override func tearDown() async throws { try await fixture?.shutdown() }

    private func json(_ object: [String: Any]) throws -> [UInt8] { try TokenMinter.json(object) }

    /// Tokens that must be rejected as `invalid_token`, each with its reason code.
    private func invalidTokens() async throws -> [(name: String, token: String, reason: ReasonCode)] {
        let f = fixture!
        let now = Int(GatewayFixture.now.timeIntervalSince1970)
        let other = try DemoKeyPair.rsa(keyID: f.rsa.keyID)   // same kid, different key
        let claims = try json(GatewayFixture.claims())
        return [
            ("malformed", "not-a-jwt", .malformedToken),
            ("two parts", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0", .malformedToken),
            ("bad signature", try await f.token([:], key: other), .invalidSignature),
            ("alg none, empty signature", TokenMinter.assemble(headerJSON: try json(["alg": "none", "typ": "JWT"]), payloadJSON: claims, signature: []), .malformedToken),
            ("alg none, junk signature", TokenMinter.assemble(headerJSON: try json(["alg": "none", "typ": "JWT"]), payloadJSON: claims, signature: [1, 2, 3]), .algorithmNotAllowed),
            ("HS256 with the RSA public key as secret",
             try await TokenMinter.signHS256(headerJSON: try json(["alg": "HS256", "kid": f.rsa.keyID]), payloadJSON: claims,
                                             secret: Array(f.rsa.publicKeyPEM.utf8)), .algorithmNotAllowed),
            ("unknown kid", try await f.token([:], header: ["alg": "RS256", "kid": "nobody"]), .unknownKeyID),
            ("expired", try await f.token(["exp": now - 61]), .tokenExpired),
            ("not yet valid", try await f.token(["nbf": now + 120]), .tokenNotYetValid),
            ("wrong issuer", try await f.token(["iss": "https://evil.example/"]), .invalidIssuer),
            ("wrong audience", try await f.token(["aud": "https://other.api"]), .invalidAudience),
            ("audience array without ours", try await f.token(["aud": ["https://a", "https://b"]]), .invalidAudience),
            ("no exp", try await f.token(["exp": NSNull()]), .missingClaim),
            ("exp as string", try await f.token(["exp": "\(now + 3600)"]), .invalidClaim),
        ]
    }

    func testInvalidTokensAre401InvalidTokenAndNeverReachABackend() async throws {
        for testCase in try await invalidTokens() {
            let response = try fixture.request("GET", "/appointments/1", token: testCase.token)
            XCTAssertEqual(response.status, 401, testCase.name)
            let challenge = response.header("WWW-Authenticate") ?? ""
            XCTAssertTrue(challenge.hasPrefix("Bearer realm=\"test-api\""), "\(testCase.name): \(challenge)")
            XCTAssertTrue(challenge.contains("error=\"invalid_token\""), "\(testCase.name): \(challenge)")
            XCTAssertTrue(challenge.contains("error_description=\"\(testCase.reason.rawValue)\""), "\(testCase.name): \(challenge)")
            XCTAssertEqual(try response.json()["reason"] as? String, testCase.reason.rawValue, testCase.name)
        }
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    /// A token a client put in its path (or request ID) never reaches the denial log: an
    /// invalid target (`;`), a 404, and a request ID made of a token.
    func testTokenInThePathOrRequestIDIsRedactedFromTheLog() async throws {
        let token = try await fixture.token()
        XCTAssertEqual(try fixture.request("GET", "/appointments;access_token=\(token)").status, 400)
        XCTAssertEqual(try fixture.request("GET", "/nothing/\(token)").status, 404)
        let shortToken = token.split(separator: ".").map { String($0.prefix(40)) }.joined(separator: ".")
        XCTAssertEqual(try fixture.request("GET", "/nothing", headers: ["X-Request-Id: \(shortToken)"]).status, 404)
        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, 3, "\(lines)")
        for line in lines {
            for part in token.split(separator: ".") { XCTAssertFalse(line.contains(part.prefix(20)), line) }
            XCTAssertTrue(line.contains("[redacted]"), line)
        }
    }

    func testMissingTokenIs401WithoutErrorCode() throws {
        for extra in [[String](), ["Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l"]] {
            let response = try fixture.request("GET", "/appointments/1", headers: extra)
            XCTAssertEqual(response.status, 401)
            XCTAssertEqual(response.header("WWW-Authenticate"), "Bearer realm=\"test-api\"")
            XCTAssertEqual(try response.json()["reason"] as? String, "missing_token")
        }
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    func testInsufficientScopeIs403NamingTheRequiredScopes() async throws {
        let token = try await fixture.token(["scope": "read:appointments write:appointments"])
        let response = try fixture.request("DELETE", "/appointments/1", token: token)
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(response.header("WWW-Authenticate"),
                       "Bearer realm=\"test-api\", error=\"insufficient_scope\", error_description=\"insufficient_scope\", scope=\"write:appointments admin:appointments\"")
        XCTAssertEqual(try response.json()["error"] as? String, "insufficient_scope")

        let readOnly = try await fixture.token(["scope": "read:appointments read:appointmentsx"])
        XCTAssertEqual(try fixture.request("POST", "/appointments", token: readOnly, body: "{}").status, 403)
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    func testScopesComeFromScopeAndPermissionsClaims() async throws {
        let token = try await fixture.token(["scope": "read:appointments", "permissions": ["write:appointments", "admin:appointments"]])
        XCTAssertEqual(try fixture.request("DELETE", "/appointments/1", token: token).status, 200)
    }

    func testPrefixMatchesWholeSegmentsOnly() async throws {
        let token = try await fixture.token(["scope": "read:calendar"])
        XCTAssertEqual(try fixture.request("GET", "/calendarx", token: token).status, 404)
        XCTAssertEqual(try fixture.request("GET", "/calendar", token: token).status, 200)
        XCTAssertEqual(fixture.backendRequestCount, 1)
    }

    func testCaseVariantOfAProtectedPrefixIsNotDecidedByAShorterRule() async throws {
        // /calendar/Holidays matches /calendar exactly, but /calendar/holidays (public) when
        // case is ignored: a case-insensitive backend would serve that one. Refused either way.
        let token = try await fixture.token(["scope": "read:calendar"])
        XCTAssertEqual(try fixture.request("GET", "/calendar/Holidays/2027", token: token).status, 404)
        let reader = try await fixture.token()
        XCTAssertEqual(try fixture.request("GET", "/APPOINTMENTS/1", token: reader).status, 404)
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    func testMethodNotConfiguredIs405WithAllow() async throws {
        let token = try await fixture.token()
        let response = try fixture.request("PATCH", "/appointments/1", token: token)
        XCTAssertEqual(response.status, 405)
        XCTAssertEqual(response.header("Allow"), "DELETE, GET, HEAD, POST")
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    func testMalformedRequestsAre400() async throws {
        let token = try await fixture.token()
        let traversal = try fixture.request("GET", "/calendar/holidays/..%2F..%2Fappointments", token: token)
        XCTAssertEqual(traversal.status, 400)
        XCTAssertEqual(try traversal.json()["reason"] as? String, "invalid_request_target")
        let semicolon = try fixture.request("GET", "/calendar/holidays/..;/..;/appointments/1")
        XCTAssertEqual(semicolon.status, 400)
        let twoAuthorizations = try fixture.request("GET", "/appointments/1", token: token, headers: ["Authorization: Bearer \(token)"])
        XCTAssertEqual(twoAuthorizations.status, 400)
        XCTAssertTrue((twoAuthorizations.header("WWW-Authenticate") ?? "").contains("error=\"invalid_request\""))
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    func testPublicPathTraversalCannotReachAProtectedRoute() async throws {
        let response = try fixture.request("GET", "/calendar/holidays/../../appointments/1")
        XCTAssertEqual(response.status, 401, "normalised to /appointments/1, which needs a token")
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    func testBodyOverTheLimitIs413() async throws {
        let token = try await fixture.token(["scope": "write:appointments"])
        let response = try fixture.request("POST", "/appointments", token: token, body: String(repeating: "x", count: 70_000))
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    func testOversizedHeadIs431() async throws {
        let response = try fixture.request("GET", "/appointments/1", headers: ["X-Big: " + String(repeating: "a", count: 20_000)])
        XCTAssertEqual(response.status, 431)
        XCTAssertEqual(fixture.backendRequestCount, 0)
    }

    func testEachDenialWritesExactlyOneJSONLineAndNeverTheToken() async throws {
        let tokens = try await invalidTokens()
        let scopeless = try await fixture.token(["scope": "profile", "sub": "carol"])
        for testCase in tokens {
            _ = try fixture.request("GET", "/appointments/1?access_token=\(testCase.token)", token: testCase.token)
        }
        _ = try fixture.request("GET", "/appointments/1")
        _ = try fixture.request("POST", "/appointments", token: scopeless, body: "{}")
        _ = try fixture.request("GET", "/calendarx")
        _ = try fixture.request("PUT", "/calendar/1")

        let lines = try fixture.logLines()
        XCTAssertEqual(lines.count, tokens.count + 4)
        let text = lines.joined(separator: "\n")
        for testCase in tokens where testCase.token.count > 12 {
            // No token, nor its signature or payload part, appears anywhere.
            for part in testCase.token.split(separator: ".") where part.count > 12 {
                XCTAssertFalse(text.contains(part), "\(testCase.name) leaked into the log")
            }
        }
        XCTAssertFalse(text.contains(scopeless.split(separator: ".")[2]))

        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        for (record, testCase) in zip(records, tokens) {
            XCTAssertEqual(record["event"] as? String, "denial")
            XCTAssertEqual(record["status"] as? Int, 401)
            XCTAssertEqual(record["reason"] as? String, testCase.reason.rawValue)
            XCTAssertEqual(record["method"] as? String, "GET")
            XCTAssertEqual(record["path"] as? String, "/appointments/1")
            XCTAssertEqual(record["route"] as? String, "/appointments")
            XCTAssertEqual(record["client"] as? String, "127.0.0.1")
            XCTAssertEqual(record["required_scopes"] as? [String], ["read:appointments"])
            XCTAssertNil(record["sub"], "sub is logged only for a valid token")
            XCTAssertNotNil(ISO8601DateFormatter.withFractionalSeconds.date(from: record["time"] as? String ?? ""))
        }
        let forbidden = records[tokens.count + 1]
        XCTAssertEqual(forbidden["status"] as? Int, 403)
        XCTAssertEqual(forbidden["reason"] as? String, "insufficient_scope")
        XCTAssertEqual(forbidden["sub"] as? String, "carol")
        XCTAssertEqual(forbidden["client_id"] as? String, "web-app")
        XCTAssertEqual(forbidden["granted_scopes"] as? [String], ["profile"])
        XCTAssertEqual(forbidden["required_scopes"] as? [String], ["write:appointments"])
        XCTAssertEqual(records[tokens.count]["reason"] as? String, "missing_token")
        XCTAssertEqual(records[tokens.count + 2]["status"] as? Int, 404)
        XCTAssertEqual(records[tokens.count + 3]["status"] as? Int, 405)
    }
}

extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
