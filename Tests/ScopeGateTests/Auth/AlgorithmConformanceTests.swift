import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


private typealias F = AuthFixtures

/// Keys for every algorithm, generated once per test process.
enum ConformanceKeys {
    static let ec384 = DemoKeyPair.ecdsa(keyID: "ec-384", algorithm: .es384)
    static let ec521 = DemoKeyPair.ecdsa(keyID: "ec-521", algorithm: .es512)
    static let ed = DemoKeyPair.ed25519(keyID: "ed-a")
    /// A 64-byte secret (long enough for HS512) in `hmac_secrets`, kid `hs-local`.
    static let hsLocal = DemoKeyPair.hmac(keyID: "hs-local", algorithm: .hs512)
    /// A 32-byte secret published as an `oct` key of the local JWKS file, kid `hs-file`.
    static let hsFile = DemoKeyPair.hmac(keyID: "hs-file", algorithm: .hs256)

    /// `rsa-a` (alg RS256), `rsa-noalg` (rsaA's key, no alg), `ec-a` (P-256), `ec-384`,
    /// `ec-521`, `ed-a` (Ed25519), `hs-file` (oct, alg HS256).
    static var jwks: [UInt8] {
        DemoKeyPair.jwksJSON([
            F.rsaA.publicJWK(alg: .rs256), F.rsaNoAlgJWK, F.ecA.publicJWK(), ec384.publicJWK(), ec521.publicJWK(),
            ed.publicJWK(), hsFile.publicJWK(alg: .hs256),
        ])
    }

    static var hmacKeys: [VerificationKey] {
        guard case .hmac(let secret, _) = hsLocal.signingKey else { return [] }
        return [VerificationKey.hmac(secret: secret, keyID: "hs-local", algorithms: JWSAlgorithm.allCases, index: 0)]
    }

    /// rsaA's key signing with `algorithm` (RS* or PS*).
    static func rsa(_ algorithm: JWSAlgorithm) -> TokenMinter.SigningKey {
        .rsa(pem: F.rsaA.privateKeyPEM, algorithm: algorithm)
    }

    static func hmacLocal(_ algorithm: JWSAlgorithm) -> TokenMinter.SigningKey {
        guard case .hmac(let secret, _) = hsLocal.signingKey else { fatalError() }
        return .hmac(secret: secret, algorithm: algorithm)
    }
}

/// One token, the issuer settings it meets, and the verdict.
struct ConformanceCase: Sendable, CustomTestStringConvertible {
    let name: String
    /// `nil`: accepted.
    let expected: ReasonCode?
    var configure: @Sendable (inout IssuerConfig) -> Void = { _ in }
    let make: @Sendable () async throws -> String
    var testDescription: String { name }
}

private typealias K = ConformanceKeys

private func sign(_ alg: String, kid: String?, _ key: TokenMinter.SigningKey, claims: [String: Any] = F.claims(), typ: String? = "at+jwt") async throws -> String {
    var header: [String: Any] = ["alg": alg]
    header["kid"] = kid
    header["typ"] = typ
    return try await TokenMinter.sign(header: header, payload: claims, with: key)
}

/// Replaces a token's signature with `signature`.
private func resign(_ token: String, _ signature: [UInt8]) -> String {
    let parts = token.split(separator: ".")
    return parts[0] + "." + parts[1] + "." + TokenMinter.base64URL(signature)
}

private func signatureBytes(_ token: String) -> [UInt8] {
    Base64URL.decode(Array(token.split(separator: ".")[2].utf8)) ?? []
}

private let p256Order = ECDSASignatureShape.order(for: .es256)!

@Suite("Auth: every algorithm and every attack")
struct AuthAlgorithmConformanceTests {
    static let cases: [ConformanceCase] = [
        // Every algorithm, minted here, accepted.
        ConformanceCase(name: "RS256", expected: nil) { try await sign("RS256", kid: "rsa-a", K.rsa(.rs256)) },
        ConformanceCase(name: "RS384", expected: nil) { try await sign("RS384", kid: "rsa-noalg", K.rsa(.rs384)) },
        ConformanceCase(name: "RS512", expected: nil) { try await sign("RS512", kid: "rsa-noalg", K.rsa(.rs512)) },
        ConformanceCase(name: "PS256", expected: nil) { try await sign("PS256", kid: "rsa-noalg", K.rsa(.ps256)) },
        ConformanceCase(name: "PS384", expected: nil) { try await sign("PS384", kid: "rsa-noalg", K.rsa(.ps384)) },
        ConformanceCase(name: "PS512", expected: nil) { try await sign("PS512", kid: "rsa-noalg", K.rsa(.ps512)) },
        ConformanceCase(name: "ES256", expected: nil) { try await sign("ES256", kid: "ec-a", F.ecA.signingKey) },
        ConformanceCase(name: "ES384", expected: nil) { try await sign("ES384", kid: "ec-384", K.ec384.signingKey) },
        ConformanceCase(name: "ES512 (P-521)", expected: nil) { try await sign("ES512", kid: "ec-521", K.ec521.signingKey) },
        ConformanceCase(name: "EdDSA (Ed25519)", expected: nil) { try await sign("EdDSA", kid: "ed-a", K.ed.signingKey) },
        ConformanceCase(name: "HS256, hmac_secrets", expected: nil) { try await sign("HS256", kid: "hs-local", K.hmacLocal(.hs256)) },
        ConformanceCase(name: "HS384, hmac_secrets", expected: nil) { try await sign("HS384", kid: "hs-local", K.hmacLocal(.hs384)) },
        ConformanceCase(name: "HS512, hmac_secrets", expected: nil) { try await sign("HS512", kid: "hs-local", K.hmacLocal(.hs512)) },
        ConformanceCase(name: "HS256, oct key of the JWKS file", expected: nil) { try await sign("HS256", kid: "hs-file", K.hsFile.signingKey) },
        ConformanceCase(name: "EdDSA without kid: only fitting keys are tried", expected: nil) { try await sign("EdDSA", kid: nil, K.ed.signingKey) },
        ConformanceCase(name: "HS256 without kid", expected: nil) { try await sign("HS256", kid: nil, K.hmacLocal(.hs256)) },

        // alg none and HMAC confusion (RFC 8725 §2.1).
        ConformanceCase(name: "alg none, empty signature", expected: .malformedToken) {
            TokenMinter.assemble(headerJSON: try TokenMinter.json(["alg": "none"]), payloadJSON: try TokenMinter.json(F.claims()), signature: [])
        },
        ConformanceCase(name: "alg none, junk signature", expected: .algorithmNotAllowed) {
            TokenMinter.assemble(headerJSON: try TokenMinter.json(["alg": "none"]), payloadJSON: try TokenMinter.json(F.claims()), signature: [1])
        },
        ConformanceCase(name: "HS256 with the RSA public key PEM as secret, kid of the RSA key", expected: .algorithmNotAllowed) {
            try await sign("HS256", kid: "rsa-a", .hmac(secret: Array(F.rsaA.publicKeyPEM.utf8), algorithm: .hs256))
        },
        ConformanceCase(name: "HS256 with the RSA public key PEM as secret, no kid", expected: .invalidSignature) {
            try await sign("HS256", kid: nil, .hmac(secret: Array(F.rsaA.publicKeyPEM.utf8), algorithm: .hs256))
        },
        ConformanceCase(name: "HS256 when the issuer does not list it", expected: .algorithmNotAllowed, configure: { $0.algorithms = [.rs256] }) {
            try await sign("HS256", kid: "hs-local", K.hmacLocal(.hs256))
        },
        ConformanceCase(name: "HS512 on the 32-byte oct key (too short for HS512)", expected: .algorithmNotAllowed) {
            try await sign("HS512", kid: "hs-file", .hmac(secret: Array(repeating: 1, count: 64), algorithm: .hs512))
        },

        // Key type and JWK alg.
        ConformanceCase(name: "header ES256 on an RSA kid", expected: .algorithmNotAllowed) { try await sign("ES256", kid: "rsa-a", F.ecA.signingKey) },
        ConformanceCase(name: "header EdDSA on a P-256 kid", expected: .algorithmNotAllowed) { try await sign("EdDSA", kid: "ec-a", K.ed.signingKey) },
        ConformanceCase(name: "header ES384 on the P-256 kid", expected: .algorithmNotAllowed) { try await sign("ES384", kid: "ec-a", K.ec384.signingKey) },
        ConformanceCase(name: "JWK alg RS256, token RS512 signed RS512", expected: .algorithmNotAllowed) { try await sign("RS512", kid: "rsa-a", K.rsa(.rs512)) },
        ConformanceCase(name: "JWK alg RS256, token PS256 signed PS256", expected: .algorithmNotAllowed) { try await sign("PS256", kid: "rsa-a", K.rsa(.ps256)) },
        ConformanceCase(name: "header RS256, signed PS256 (padding confusion)", expected: .invalidSignature) { try await sign("RS256", kid: "rsa-noalg", K.rsa(.ps256)) },
        ConformanceCase(name: "unknown kid", expected: .unknownKeyID) { try await sign("RS256", kid: "rotated-away", K.rsa(.rs256)) },

        // ECDSA signature shapes (RFC 7518 §3.4), CVE-2022-21449.
        ConformanceCase(name: "ES256 all-zero signature (psychic signature)", expected: .invalidSignature) {
            resign(try await sign("ES256", kid: "ec-a", F.ecA.signingKey), Array(repeating: 0, count: 64))
        },
        ConformanceCase(name: "ES256 r = 0, s valid", expected: .invalidSignature) {
            let token = try await sign("ES256", kid: "ec-a", F.ecA.signingKey)
            return resign(token, Array(repeating: 0, count: 32) + signatureBytes(token)[32...])
        },
        ConformanceCase(name: "ES256 s = 0, r valid", expected: .invalidSignature) {
            let token = try await sign("ES256", kid: "ec-a", F.ecA.signingKey)
            return resign(token, signatureBytes(token)[..<32] + Array(repeating: 0, count: 32))
        },
        ConformanceCase(name: "ES256 r = n", expected: .invalidSignature) {
            let token = try await sign("ES256", kid: "ec-a", F.ecA.signingKey)
            return resign(token, p256Order + signatureBytes(token)[32...])
        },
        ConformanceCase(name: "ES256 s = n", expected: .invalidSignature) {
            let token = try await sign("ES256", kid: "ec-a", F.ecA.signingKey)
            return resign(token, signatureBytes(token)[..<32] + p256Order)
        },
        ConformanceCase(name: "ES256 r = n, s = n", expected: .invalidSignature) {
            resign(try await sign("ES256", kid: "ec-a", F.ecA.signingKey), p256Order + p256Order)
        },
        ConformanceCase(name: "ES256 signature 63 bytes", expected: .invalidSignature) {
            let token = try await sign("ES256", kid: "ec-a", F.ecA.signingKey)
            return resign(token, Array(signatureBytes(token).dropLast()))
        },
        ConformanceCase(name: "ES256 signature 65 bytes (a leading zero)", expected: .invalidSignature) {
            let token = try await sign("ES256", kid: "ec-a", F.ecA.signingKey)
            return resign(token, [0] + signatureBytes(token))
        },
        ConformanceCase(name: "ES384 signature of ES256 size", expected: .invalidSignature) {
            resign(try await sign("ES384", kid: "ec-384", K.ec384.signingKey), Array(repeating: 1, count: 64))
        },
        ConformanceCase(name: "ES512 all-zero 132 bytes", expected: .invalidSignature) {
            resign(try await sign("ES512", kid: "ec-521", K.ec521.signingKey), Array(repeating: 0, count: 132))
        },
        ConformanceCase(name: "EdDSA signature 63 bytes", expected: .invalidSignature) {
            let token = try await sign("EdDSA", kid: "ed-a", K.ed.signingKey)
            return resign(token, Array(signatureBytes(token).dropLast()))
        },
        ConformanceCase(name: "EdDSA all-zero signature", expected: .invalidSignature) {
            resign(try await sign("EdDSA", kid: "ed-a", K.ed.signingKey), Array(repeating: 0, count: 64))
        },

        // Header and payload structure.
        ConformanceCase(name: "crit header", expected: .malformedToken) {
            try await TokenMinter.sign(header: ["alg": "RS256", "kid": "rsa-a", "crit": ["exp"]], payload: F.claims(), with: K.rsa(.rs256))
        },
        ConformanceCase(name: "duplicate claim exp", expected: .malformedToken) {
            let payload = #"{"iss":"\#(F.issuer)","aud":"\#(F.audience)","exp":\#(Int(F.nowSeconds) + 300),"exp":1}"#
            return try await TokenMinter.sign(
                headerJSON: try TokenMinter.json(["alg": "RS256", "kid": "rsa-a"]), payloadJSON: Array(payload.utf8), with: K.rsa(.rs256))
        },
        ConformanceCase(name: "duplicate header member alg", expected: .malformedToken) {
            try await TokenMinter.sign(
                headerJSON: Array(#"{"alg":"RS256","alg":"none","kid":"rsa-a"}"#.utf8), payloadJSON: try TokenMinter.json(F.claims()),
                with: K.rsa(.rs256))
        },

        // Dates.
        ConformanceCase(name: "exp as string", expected: .invalidClaim) { try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["exp": "1800000300"])) },
        ConformanceCase(name: "nbf as bool", expected: .invalidClaim) { try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["nbf": true])) },
        ConformanceCase(name: "iat huge (1e300)", expected: .invalidClaim) { try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["iat": 1e300])) },
        ConformanceCase(name: "exp above 1e11", expected: .invalidClaim) { try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["exp": 1e11 + 1])) },
        ConformanceCase(name: "iat 120 s in the future", expected: .tokenIssuedInFuture) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["iat": F.nowSeconds + 120]))
        },
        ConformanceCase(name: "iat 30 s in the future, within the skew", expected: nil) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["iat": F.nowSeconds + 30]))
        },
        ConformanceCase(name: "no exp, require_exp true", expected: .missingClaim) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["exp": NSNull()]))
        },
        ConformanceCase(name: "no exp, require_exp false", expected: nil, configure: { $0.requireExp = false }) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["exp": NSNull()]))
        },
        ConformanceCase(name: "lifetime exp - iat 7200 s, max 3600", expected: .tokenLifetimeTooLong, configure: { $0.maxLifetimeSeconds = 3600 }) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["iat": F.nowSeconds - 10, "exp": F.nowSeconds + 7190]))
        },
        ConformanceCase(name: "lifetime exactly the max", expected: nil, configure: { $0.maxLifetimeSeconds = 3600 }) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["iat": F.nowSeconds - 10, "exp": F.nowSeconds + 3590]))
        },
        ConformanceCase(name: "no iat, exp - now over the max", expected: .tokenLifetimeTooLong, configure: { $0.maxLifetimeSeconds = 3600 }) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["iat": NSNull(), "exp": F.nowSeconds + 4000]))
        },

        // typ (RFC 9068 §2.1).
        ConformanceCase(name: "typ JWT, require_typ", expected: .invalidTokenType, configure: { $0.requireTyp = true }) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, typ: "JWT")
        },
        ConformanceCase(name: "no typ, require_typ", expected: .invalidTokenType, configure: { $0.requireTyp = true }) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, typ: nil)
        },
        ConformanceCase(name: "typ application/AT+JWT, require_typ", expected: nil, configure: { $0.requireTyp = true }) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, typ: "application/AT+JWT")
        },
        ConformanceCase(name: "typ JWT without require_typ", expected: nil) { try await sign("ES256", kid: "ec-a", F.ecA.signingKey, typ: "JWT") },

        // Audience.
        ConformanceCase(name: "wrong aud", expected: .invalidAudience) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["aud": "https://other.example"]))
        },
        ConformanceCase(name: "aud one of several configured audiences", expected: nil, configure: { $0.audiences = ["https://x", "https://y"] }) {
            try await sign("ES256", kid: "ec-a", F.ecA.signingKey, claims: F.claims(["aud": ["https://z", "https://y"]]))
        },
    ]

    @Test("verify", arguments: cases)
    func verify(_ testCase: ConformanceCase) async throws {
        let verifier = try await F.verifier(
            algorithms: JWSAlgorithm.allCases, configure: testCase.configure, jwks: K.jwks, hmacKeys: K.hmacKeys)
        let token = try await testCase.make()
        let result = verifier.verifyAtOnce(token, now: F.now)
        #expect(result.reason == testCase.expected, "\(result)")
    }

    @Test("the conformance table covers every algorithm")
    func coversEveryAlgorithm() {
        let accepted = Set(Self.cases.filter { $0.expected == nil }.map { $0.name.split(separator: " ")[0].split(separator: ",")[0] })
        for algorithm in JWSAlgorithm.allCases {
            #expect(accepted.contains(Substring(algorithm.rawValue)), "\(algorithm.rawValue) has no accepted case")
        }
    }
}
