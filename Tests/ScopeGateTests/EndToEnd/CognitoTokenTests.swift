import Foundation
import XCTest

/// Amazon Cognito's real tokens through `scopegate serve` (issue 11): moto's emulator
/// (``CognitoEmulator``) issues them, the gateway fetches the pool's JWKS from it.
///
/// A Cognito access token has no `aud`; it names its app client in `client_id` and says what it
/// is in `token_use`. What binds it to our API is the app client allow-list and
/// `token_use: "access"`, with the audience check turned off explicitly. The same pool's ID
/// token (`aud` = the client ID, `token_use: "id"`) and another app client's access token are
/// valid Cognito tokens signed by the same key, and both must be refused.
final class CognitoTokenTests: XCTestCase {
    /// The one scope a user's password sign-in (`USER_PASSWORD_AUTH`) yields, in real Cognito and
    /// in moto: resource-server scopes come only from the OAuth2 token endpoint.
    static let signInScope = "aws.cognito.signin.user.admin"
    /// A resource-server scope the app client is allowed but the signed-in token does not carry.
    static let resourceServerScope = "https://api.example.test/read:appointments"

    /// The Cognito issuer of `/work/spec-11.md`'s example: no audience, the app client and
    /// `token_use` checked instead. `/profile` needs ``signInScope``, `/appointments`
    /// ``resourceServerScope``; both go to the echo backend on `backendPort`.
    static func config(issuer: String, jwksURL: String, clientID: String, backendPort: Int) -> String {
        """
        {
          "listen": {"host": "127.0.0.1", "port": 0, "event_loops": 1},
          "admin": {"host": "127.0.0.1", "port": 0},
          "api": {
            "issuer": "\(issuer)",
            "jwks": {"url": "\(jwksURL)"},
            "check_audience": false,
            "client_id_claim": "client_id",
            "allowed_client_ids": ["\(clientID)"],
            "required_claims": {"token_use": "access"},
            "scope_claims": ["scope"]
          },
          "backends": {"appointments": {"url": "http://127.0.0.1:\(backendPort)"}},
          "routes": [
            {"prefix": "/profile", "backend": "appointments", "methods": {"GET": ["\(signInScope)"]}},
            {"prefix": "/appointments", "backend": "appointments", "methods": {"GET": ["\(resourceServerScope)"]}}
          ],
          "log": {"denials": "stderr", "stats_interval_seconds": 0}
        }
        """
    }

    func testTheAccessTokenPassesItsScopeAndNeitherTheIDTokenNorAnotherClientsTokenPasses() async throws {
        let cognito = try CognitoEmulator.start()
        addTeardownBlock { cognito.stop() }
        let pool = cognito.pool
        try Self.checkShapes(pool)

        let served = try await ServedGateway.start(config: {
            Self.config(issuer: pool.issuer, jwksURL: pool.jwksURL, clientID: pool.clientID, backendPort: $0.fast.port)
        })
        addTeardownBlock { await served.stop() }

        // Denied first: none of them reaches the backend (a forwarded one would have been answered by now).
        let denials: [(name: String, token: String, target: String, status: Int, reason: String)] = [
            ("the access token on a route needing a scope it lacks", pool.accessToken, "/appointments/1", 403, "insufficient_scope"),
            // It names its client in `aud`, not `client_id`: the allow-list refuses it before `token_use: id` would.
            ("the same pool's ID token", pool.idToken, "/profile", 401, "client_not_allowed"),
            ("another app client's access token", pool.otherAccessToken, "/profile", 401, "client_not_allowed"),
        ]
        for denial in denials {
            let response = try Self.get(denial.target, token: denial.token, port: served.port)
            XCTAssertEqual(response.status, denial.status, "\(denial.name): \(response.bodyText)")
            XCTAssertEqual(try response.json()["reason"] as? String, denial.reason, "\(denial.name): \(response.bodyText)")
            let challenge = response.header("WWW-Authenticate") ?? ""
            XCTAssertTrue(challenge.contains(#"error="\#(denial.status == 403 ? "insufficient_scope" : "invalid_token")""#),
                          "\(denial.name): \(challenge)")
            let line = ServedGateway.object(try served.waitForLine(#""reason":"\#(denial.reason)""#))
            XCTAssertEqual(line["status"] as? Int, denial.status, denial.name)
        }
        XCTAssertEqual(served.fast.headCount, 0, "a denied request reached the backend")

        let allowed = try Self.get("/profile", token: pool.accessToken, port: served.port)
        XCTAssertEqual(allowed.status, 200, allowed.bodyText)
        XCTAssertEqual(allowed.header("X-Backend"), "fast")
        XCTAssertEqual(try allowed.json()["path"] as? String, "/profile")
        XCTAssertEqual(served.fast.headCount, 1)
    }

    /// What moto's Cognito issues, asserted so that a change there shows here rather than as a
    /// puzzling denial: `typ: JWT`, RS256 and `kid: dummy` in every header; the access token with
    /// `client_id`, `token_use: access`, the sign-in scope and no `aud`; the ID token with
    /// `aud` = the client ID and `token_use: id`.
    private static func checkShapes(_ pool: CognitoEmulator.Pool) throws {
        for token in [pool.accessToken, pool.idToken, pool.otherAccessToken] {
            let header = CognitoEmulator.decode(token, part: 0)
            XCTAssertEqual(header["typ"] as? String, "JWT", "\(header)")
            XCTAssertEqual(header["alg"] as? String, "RS256", "\(header)")
            XCTAssertEqual(header["kid"] as? String, "dummy", "\(header)")
        }
        let access = CognitoEmulator.decode(pool.accessToken, part: 1)
        XCTAssertEqual(access["iss"] as? String, pool.issuer)
        XCTAssertEqual(access["client_id"] as? String, pool.clientID)
        XCTAssertEqual(access["token_use"] as? String, "access")
        XCTAssertEqual(access["scope"] as? String, signInScope)
        XCTAssertNil(access["aud"], "moto's access token now carries aud: \(access)")
        let id = CognitoEmulator.decode(pool.idToken, part: 1)
        XCTAssertEqual(id["aud"] as? String, pool.clientID)
        XCTAssertEqual(id["token_use"] as? String, "id")
        XCTAssertNil(id["client_id"])
        let other = CognitoEmulator.decode(pool.otherAccessToken, part: 1)
        XCTAssertEqual(other["client_id"] as? String, pool.otherClientID)
        XCTAssertEqual(other["token_use"] as? String, "access")
        XCTAssertNotEqual(pool.clientID, pool.otherClientID)
    }

    /// One `GET target` on its own connection, with the token as a bearer token when given.
    private static func get(_ target: String, token: String?, port: Int) throws -> RawHTTPResponse {
        let client = try RawHTTPClient(port: port)
        let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        try client.send("GET \(target) HTTP/1.1\r\nHost: api.example.test\r\n\(authorization)Connection: close\r\n\r\n")
        return try client.readResponse()
    }
}
