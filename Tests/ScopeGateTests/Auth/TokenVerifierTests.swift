import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


/// One token built at test time, and what the verifier must say about it.
struct TokenCase: Sendable, CustomTestStringConvertible {
    let name: String
    /// `nil`: the token must be accepted.
    let expected: ReasonCode?
    var algorithms: [JWSAlgorithm] = [.rs256, .es256]
    let make: @Sendable () async throws -> String

    var testDescription: String { name }
}

private typealias F = AuthFixtures

@Suite("Auth: TokenVerifier")
struct AuthTokenVerifierTests {
    static let cases: [TokenCase] = [
        // Valid tokens.
        TokenCase(name: "valid RS256 with kid", expected: nil) { try await F.token(signedBy: F.rsaA) },
        TokenCase(name: "valid ES256 with kid, JWK without alg", expected: nil) { try await F.token(signedBy: F.ecA) },
        TokenCase(name: "no kid, two RS256 keys: the second one verifies", expected: nil) {
            try await F.token(signedBy: F.rsaA, kid: .some(nil))
        },
        TokenCase(name: "expired 30 s ago, within the 60 s skew", expected: nil) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["exp": F.nowSeconds - 30]))
        },
        TokenCase(name: "nbf 30 s ahead, within the skew", expected: nil) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["nbf": F.nowSeconds + 30]))
        },
        TokenCase(name: "aud array containing the audience", expected: nil) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["aud": ["other", F.audience]]))
        },

        // Header and algorithm attacks.
        TokenCase(name: "alg none, empty signature", expected: .malformedToken) {
            TokenMinter.assemble(
                headerJSON: try TokenMinter.json(["alg": "none"]), payloadJSON: try TokenMinter.json(F.claims()),
                signature: [])
        },
        TokenCase(name: "alg none, junk signature", expected: .algorithmNotAllowed) {
            TokenMinter.assemble(
                headerJSON: try TokenMinter.json(["alg": "none", "kid": "rsa-a"]),
                payloadJSON: try TokenMinter.json(F.claims()), signature: Array("junk".utf8))
        },
        TokenCase(name: "HS256 signed with the RSA public key PEM as secret", expected: .algorithmNotAllowed) {
            try await TokenMinter.signHS256(
                headerJSON: try TokenMinter.json(F.header(alg: "HS256", kid: "rsa-a")),
                payloadJSON: try TokenMinter.json(F.claims()), secret: Array(F.rsaA.publicKeyPEM.utf8))
        },
        TokenCase(
            name: "header RS512, signed RS256, JWK alg RS256, RS512 allowed", expected: .algorithmNotAllowed,
            algorithms: [.rs256, .rs512, .es256]
        ) { try await F.token(signedBy: F.rsaA, alg: "RS512") },
        TokenCase(name: "header RS512, RS512 not allowed", expected: .algorithmNotAllowed) {
            try await F.token(signedBy: F.rsaA, alg: "RS512")
        },
        TokenCase(name: "header ES256 on an RSA kid", expected: .algorithmNotAllowed) {
            try await F.token(signedBy: F.ecA, kid: "rsa-a")
        },
        TokenCase(name: "crit header", expected: .malformedToken) {
            var header = F.header(alg: "RS256", kid: "rsa-a")
            header["crit"] = ["exp"]
            return try await TokenMinter.sign(header: header, payload: F.claims(), with: F.rsaA.signingKey)
        },
        TokenCase(name: "kid is a number", expected: .malformedToken) {
            try await TokenMinter.sign(
                header: ["alg": "RS256", "kid": 7], payload: F.claims(), with: F.rsaA.signingKey)
        },

        // Key selection and signature.
        TokenCase(name: "kid not in JWKS", expected: .unknownKeyID) {
            try await F.token(signedBy: F.rsaA, kid: "rotated-away")
        },
        TokenCase(name: "signed with another key, same kid", expected: .invalidSignature) {
            try await F.token(signedBy: F.rsaB, kid: "rsa-a")
        },
        TokenCase(name: "no kid, signed by a key not in the JWKS", expected: .invalidSignature) {
            try await F.token(signedBy: DemoKeyPair.p256(keyID: "stranger"), kid: .some(nil))
        },
        TokenCase(name: "payload changed after signing", expected: .invalidSignature) {
            let token = try await F.token(signedBy: F.rsaA)
            let parts = token.split(separator: ".").map(String.init)
            let forged = TokenMinter.base64URL(try TokenMinter.json(F.claims(["scope": "admin"])))
            return [parts[0], forged, parts[2]].joined(separator: ".")
        },

        // Claims.
        TokenCase(name: "expired 120 s ago", expected: .tokenExpired) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["exp": F.nowSeconds - 120]))
        },
        TokenCase(name: "exp exactly now minus skew", expected: .tokenExpired) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["exp": F.nowSeconds - 60]))
        },
        TokenCase(name: "nbf 120 s in the future", expected: .tokenNotYetValid) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["nbf": F.nowSeconds + 120]))
        },
        TokenCase(name: "wrong issuer", expected: .invalidIssuer) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": "https://evil.example"]))
        },
        TokenCase(name: "missing issuer", expected: .invalidIssuer) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": NSNull()]))
        },
        TokenCase(name: "wrong audience", expected: .invalidAudience) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["aud": "https://other.example"]))
        },
        TokenCase(name: "aud array not containing the audience", expected: .invalidAudience) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["aud": ["a", "b"]]))
        },
        TokenCase(name: "missing exp", expected: .missingClaim) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["exp": NSNull()]))
        },
        TokenCase(name: "exp as string", expected: .invalidClaim) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["exp": "1800000300"]))
        },
        TokenCase(name: "exp as bool", expected: .invalidClaim) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["exp": true]))
        },
        TokenCase(name: "exp 1e300", expected: .invalidClaim) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["exp": 1e300]))
        },
        TokenCase(name: "exp negative", expected: .invalidClaim) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["exp": -1]))
        },
        TokenCase(name: "nbf as bool", expected: .invalidClaim) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["nbf": false]))
        },
        TokenCase(name: "iat as string", expected: .invalidClaim) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["iat": "yesterday"]))
        },
        TokenCase(name: "scope as number", expected: .invalidClaim) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["scope": 42]))
        },
        TokenCase(name: "permissions with a non-string element", expected: .invalidClaim) {
            try await F.token(signedBy: F.rsaA, claims: F.claims(["permissions": ["read", 1]]))
        },
        TokenCase(name: "exp in raw JSON as a boolean literal", expected: .invalidClaim) {
            let payload = #"{"iss":"\#(F.issuer)","aud":"\#(F.audience)","exp":true}"#
            return try await TokenMinter.sign(
                headerJSON: try TokenMinter.json(F.header(alg: "RS256", kid: "rsa-a")),
                payloadJSON: Array(payload.utf8), with: F.rsaA.signingKey)
        },
        TokenCase(name: "exp in raw JSON as 1 (a number, not true)", expected: .tokenExpired) {
            let payload = #"{"iss":"\#(F.issuer)","aud":"\#(F.audience)","exp":1}"#
            return try await TokenMinter.sign(
                headerJSON: try TokenMinter.json(F.header(alg: "RS256", kid: "rsa-a")),
                payloadJSON: Array(payload.utf8), with: F.rsaA.signingKey)
        },
    ]

    @Test("verify", arguments: cases)
    func verify(_ testCase: TokenCase) async throws {
        let verifier = try await F.verifier(algorithms: testCase.algorithms)
        let token = try await testCase.make()
        let result = verifier.verifyAtOnce(token, now: F.now)
        #expect(result.reason == testCase.expected, "\(result)")
        if case .failure(let rejection) = result {
            for part in token.split(separator: ".") where part.count >= 8 {
                #expect(!rejection.description.contains(part), "description leaks the token")
            }
        }
    }

    @Test("valid RS256 token: scopes are the union of scope and permissions, sorted")
    func verifiedTokenContents() async throws {
        let verifier = try await F.verifier()
        let token = try await F.token(signedBy: F.rsaA)
        let verified = try verifier.verifyAtOnce(token, now: F.now).get()
        #expect(
            verified
                == VerifiedToken(
                    subject: "user-1", clientID: "app-1", issuer: F.issuer, grantedScopes: ["admin", "read", "write"],
                    expiresAt: F.now.addingTimeInterval(300), keyID: "rsa-a", algorithm: .rs256,
                    scopeSources: [.init(claim: "scope", scopes: ["read", "write"]), .init(claim: "permissions", scopes: ["admin", "read"])]))
    }

    @Test("valid ES256 token: azp stands in for a missing client_id; extra spaces in scope")
    func es256Contents() async throws {
        let verifier = try await F.verifier()
        let claims = F.claims(["client_id": NSNull(), "azp": "app-2", "scope": "  a  b ", "permissions": NSNull()])
        let token = try await F.token(signedBy: F.ecA, claims: claims)
        let verified = try verifier.verifyAtOnce(token, now: F.now).get()
        #expect(verified.clientID == "app-2")
        #expect(verified.grantedScopes == ["a", "b"])
        #expect(verified.keyID == "ec-a")
    }

    @Test("garbage PS256 token for a JWK without alg does not break later RS256 tokens (jwt-kit cache bug)")
    func garbagePS256DoesNotPoisonKey() async throws {
        let verifier = try await F.verifier(algorithms: [.rs256, .ps256])
        let garbage = TokenMinter.assemble(
            headerJSON: try TokenMinter.json(F.header(alg: "PS256", kid: "rsa-noalg")),
            payloadJSON: try TokenMinter.json(F.claims()), signature: Array(repeating: 7, count: 256))
        #expect(verifier.verifyAtOnce(garbage, now: F.now).reason == .invalidSignature)
        let valid = try await F.token(signedBy: F.rsaA, kid: "rsa-noalg")
        #expect(verifier.verifyAtOnce(valid, now: F.now).reason == nil)
        #expect(verifier.verifyAtOnce(garbage, now: F.now).reason == .invalidSignature)
        #expect(verifier.verifyAtOnce(valid, now: F.now).reason == nil)
    }

    @Test("no key set loaded: keys_unavailable")
    func keysUnavailable() async throws {
        let verifier = TokenVerifier(api: F.api(), keys: [F.issuer: IssuerKeys(source: StaticKeySource(nil))], maxTokenBytes: 8192)
        let token = try await F.token(signedBy: F.rsaA)
        #expect(verifier.verifyAtOnce(token, now: F.now).reason == .keysUnavailable)
    }

    @Test("token length: at the limit accepted, one byte over malformed")
    func tokenLength() async throws {
        let token = try await F.token(signedBy: F.rsaA)
        let atLimit = try await F.verifier(maxTokenBytes: token.utf8.count)
        #expect(atLimit.verifyAtOnce(token, now: F.now).reason == nil)
        let under = try await F.verifier(maxTokenBytes: token.utf8.count - 1)
        #expect(under.verifyAtOnce(token, now: F.now).reason == .malformedToken)
    }

    @Test("rejection descriptions are short and name what failed")
    func descriptions() async throws {
        let verifier = try await F.verifier()
        let expired = try await F.token(signedBy: F.rsaA, claims: F.claims(["exp": F.nowSeconds - 120]))
        #expect(verifier.verifyAtOnce(expired, now: F.now) == .failure(TokenRejection(.tokenExpired, "token expired at 2027-01-15T07:58:00Z")))
        let unknown = try await F.token(signedBy: F.rsaA, kid: "k\"\n1")
        #expect(verifier.verifyAtOnce(unknown, now: F.now) == .failure(TokenRejection(.unknownKeyID, #"kid "k\"?1" is not in the JWKS"#)))
        let hs = try await TokenMinter.signHS256(
            headerJSON: try TokenMinter.json(F.header(alg: "HS256", kid: nil)),
            payloadJSON: try TokenMinter.json(F.claims()), secret: Array(repeating: 1, count: 32))
        #expect(verifier.verifyAtOnce(hs, now: F.now) == .failure(TokenRejection(.algorithmNotAllowed, #"alg "HS256" is not allowed"#)))
    }
}
