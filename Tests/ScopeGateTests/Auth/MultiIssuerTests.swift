import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


private typealias F = AuthFixtures

/// Two issuers: A (`https://a.example/`, RSA key `rsa-a` and rsaA under kid `shared`) and
/// B (`https://b.example/`, P-256 key `ec-a` and rsaB under kid `shared`), both for the
/// test audience and both allowing RS256 and ES256.
@Suite("Auth: several issuers")
struct AuthMultiIssuerTests {
    static let a = "https://a.example/"
    static let b = "https://b.example/"

    static func verifier() async throws -> TokenVerifier {
        var sharedA = F.rsaA.publicJWK(alg: .rs256)
        sharedA["kid"] = "shared"
        var sharedB = F.rsaB.publicJWK(alg: .rs256)
        sharedB["kid"] = "shared"
        let keysA = try await VerificationKeySet.load(jwks: DemoKeyPair.jwksJSON([F.rsaA.publicJWK(alg: .rs256), sharedA]), allowed: [.rs256, .es256])
        let keysB = try await VerificationKeySet.load(jwks: DemoKeyPair.jwksJSON([F.ecA.publicJWK(), sharedB]), allowed: [.rs256, .es256])
        let api = F.api(issuers: [F.issuerConfig(a), F.issuerConfig(b)])
        return TokenVerifier(
            api: api,
            keys: [a: IssuerKeys(source: StaticKeySource(keysA)), b: IssuerKeys(source: StaticKeySource(keysB))],
            maxTokenBytes: 8192)
    }

    static let cases: [(String, @Sendable () async throws -> String, ReasonCode?)] = [
        ("A's token, A's key", { try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": a])) }, nil),
        ("B's token, B's key", { try await F.token(signedBy: F.ecA, claims: F.claims(["iss": b])) }, nil),
        ("A's token naming B's kid, signed with B's key", { try await F.token(signedBy: F.ecA, claims: F.claims(["iss": a])) }, .unknownKeyID),
        ("B's token naming A's kid, signed with A's key", { try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": b])) }, .unknownKeyID),
        ("A's token signed with B's key under the kid both use", { try await F.token(signedBy: F.rsaB, kid: "shared", claims: F.claims(["iss": a])) }, .invalidSignature),
        ("B's token signed with B's key under the kid both use", { try await F.token(signedBy: F.rsaB, kid: "shared", claims: F.claims(["iss": b])) }, nil),
        ("A's token without kid, signed with B's RSA key", { try await F.token(signedBy: F.rsaB, kid: .some(nil), claims: F.claims(["iss": a])) }, .invalidSignature),
        ("unknown issuer", { try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": "https://c.example/"])) }, .invalidIssuer),
        ("iss not a string", { try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": 7])) }, .invalidIssuer),
        ("no iss", { try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": NSNull()])) }, .invalidIssuer),
    ]

    @Test("each issuer verifies only its own tokens", arguments: cases)
    func ownTokensOnly(_ name: String, _ make: @Sendable () async throws -> String, _ expected: ReasonCode?) async throws {
        let verifier = try await Self.verifier()
        let result = verifier.verifyAtOnce(try await make(), now: F.now)
        #expect(result.reason == expected, "\(name): \(result)")
        if case .success(let token) = result { #expect([Self.a, Self.b].contains(token.issuer)) }
    }

    @Test("an issuer without loaded keys is unavailable; the other still works")
    func oneIssuerUnavailable() async throws {
        let keysA = try await VerificationKeySet.load(jwks: DemoKeyPair.jwksJSON([F.rsaA.publicJWK(alg: .rs256)]), allowed: [.rs256])
        let api = F.api(issuers: [F.issuerConfig(Self.a), F.issuerConfig(Self.b)])
        let verifier = TokenVerifier(
            api: api, keys: [Self.a: IssuerKeys(source: StaticKeySource(keysA)), Self.b: IssuerKeys(source: UnavailableKeySource())],
            maxTokenBytes: 8192)
        #expect(!verifier.isReady)
        let tokenA = try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": Self.a]))
        let tokenB = try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": Self.b]))
        #expect(verifier.verifyAtOnce(tokenA, now: F.now).reason == nil)
        #expect(verifier.verifyAtOnce(tokenB, now: F.now).reason == .keysUnavailable)
    }

    @Test("default key sources: file issuers load, URL issuers fail closed; HMAC secrets from env and file")
    func defaultSources() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let jwksPath = directory.appendingPathComponent("jwks.json").path
        try Data(DemoKeyPair.jwksJSON([F.rsaA.publicJWK(alg: .rs256)])).write(to: URL(fileURLWithPath: jwksPath))
        let secretPath = directory.appendingPathComponent("secret.bin").path
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: secretPath))

        let fileIssuer = IssuerConfig(
            issuer: Self.a, audiences: [F.audience], jwks: .file(path: jwksPath),
            hmacSecrets: [HMACSecretSource(keyID: "f", location: .file(path: secretPath)),
                          HMACSecretSource(keyID: "e", location: .environment(variable: "TEST_SECRET"))],
            algorithms: [.rs256, .hs256])
        let urlIssuer = IssuerConfig(
            issuer: Self.b, audiences: [F.audience], jwks: .url("https://b.example/jwks", refresh: .init()))
        let api = F.api(issuers: [fileIssuer, urlIssuer])
        let verifier = try await TokenVerifier.load(
            api: api, maxTokenBytes: 8192, environment: ["TEST_SECRET": String(repeating: "s", count: 40)])
        let rsa = try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": Self.a]))
        #expect(verifier.verifyAtOnce(rsa, now: F.now).reason == nil)
        let fromFile = try await TokenMinter.sign(
            header: ["alg": "HS256", "kid": "f"], payload: F.claims(["iss": Self.a]),
            with: .hmac(secret: Array(repeating: 7, count: 32), algorithm: .hs256))
        #expect(verifier.verifyAtOnce(fromFile, now: F.now).reason == nil)
        let fromEnv = try await TokenMinter.sign(
            header: ["alg": "HS256", "kid": "e"], payload: F.claims(["iss": Self.a]),
            with: .hmac(secret: Array(String(repeating: "s", count: 40).utf8), algorithm: .hs256))
        #expect(verifier.verifyAtOnce(fromEnv, now: F.now).reason == nil)
        let remote = try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": Self.b]))
        #expect(verifier.verifyAtOnce(remote, now: F.now).reason == .keysUnavailable)

        await #expect(throws: KeyLoadError(path: "api.issuers[0].hmac_secrets[1].env", message: "environment variable TEST_SECRET is not set or empty")) {
            _ = try await TokenVerifier.load(api: api, maxTokenBytes: 8192, environment: [:])
        }
        await #expect(throws: KeyLoadError.self) {
            _ = try await TokenVerifier.load(api: api, maxTokenBytes: 8192, environment: ["TEST_SECRET": "short"])
        }
    }
}
