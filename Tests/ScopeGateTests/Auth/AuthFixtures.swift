import Foundation
import JWTKit
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


/// Keys, configuration and token builders shared by the Auth tests.
///
/// Keys are generated once per test process (RSA-2048 generation is slow in debug);
/// every token is minted in the test that uses it, at the fixed instant ``now``.
enum AuthFixtures {
    /// 2027-01-15T08:00:00Z, the injected "now" of every test.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let nowSeconds = now.timeIntervalSince1970

    static let issuer = "https://issuer.example"
    static let audience = "https://api.example"

    /// The issuer's RS256 key, published with `alg: RS256`, kid `rsa-a`.
    static let rsaA: DemoKeyPair = try! DemoKeyPair.rsa(keyID: "rsa-a")
    /// A second RSA key, published with `alg: RS256`, kid `rsa-b`.
    static let rsaB: DemoKeyPair = try! DemoKeyPair.rsa(keyID: "rsa-b")
    /// The issuer's P-256 key, published WITHOUT `alg`, kid `ec-a`.
    static let ecA: DemoKeyPair = DemoKeyPair.p256(keyID: "ec-a")

    /// `rsaA`'s public key published again without `alg`, under kid `rsa-noalg`.
    static var rsaNoAlgJWK: [String: String] {
        var jwk = rsaA.publicJWK()
        jwk["kid"] = "rsa-noalg"
        return jwk
    }

    /// The JWKS of the tests, in this order:
    /// `rsa-b` (RS256), `rsa-a` (RS256), `ec-a` (no alg), `rsa-noalg` (rsaA's key, no alg).
    static var jwks: [UInt8] {
        DemoKeyPair.jwksJSON([rsaB.publicJWK(alg: .rs256), rsaA.publicJWK(alg: .rs256), ecA.publicJWK(), rsaNoAlgJWK])
    }

    /// The test issuer: ``issuer``, audience ``audience``, `algorithms`, default claim rules.
    static func issuerConfig(
        _ name: String = issuer, algorithms: [JWSAlgorithm] = [.rs256, .es256],
        configure: (inout IssuerConfig) -> Void = { _ in }
    ) -> IssuerConfig {
        var config = IssuerConfig(
            issuer: name, audiences: [audience], jwks: .file(path: "unused.json"), algorithms: algorithms)
        configure(&config)
        return config
    }

    /// An API with `issuers` (default: the one test issuer) and the cache off unless given.
    static func api(
        algorithms: [JWSAlgorithm] = [.rs256, .es256], skew: Int = 60, issuers: [IssuerConfig]? = nil,
        cache: VerificationCacheConfig = .init(maxEntries: 0)
    ) -> APIConfig {
        APIConfig(
            audience: audience, issuers: issuers ?? [issuerConfig(algorithms: algorithms)], clockSkewSeconds: skew,
            verificationCache: cache)
    }

    /// A verifier for the one test issuer over ``jwks`` (plus `hmacKeys`).
    static func verifier(
        algorithms: [JWSAlgorithm] = [.rs256, .es256], maxTokenBytes: Int = 8192,
        configure: (inout IssuerConfig) -> Void = { _ in }, jwks: [UInt8] = jwks, hmacKeys: [VerificationKey] = [],
        cache: VerificationCacheConfig = .init(maxEntries: 0)
    ) async throws -> TokenVerifier {
        let keySet = try await VerificationKeySet.load(jwks: jwks, allowed: algorithms, symmetricKeys: .accept)
        let api = api(issuers: [issuerConfig(algorithms: algorithms, configure: configure)], cache: cache)
        return TokenVerifier(
            api: api, keys: [issuer: IssuerKeys(source: StaticKeySource(keySet), hmacKeys: hmacKeys)],
            maxTokenBytes: maxTokenBytes)
    }

    /// A valid payload: `{"iss", "aud", "sub": "user-1", "client_id": "app-1",
    /// "exp": now+300, "iat": now-10, "scope": "read write", "permissions": ["admin", "read"]}`,
    /// with `changes` applied (`NSNull()` removes a claim).
    static func claims(_ changes: [String: Any] = [:]) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": issuer, "aud": audience, "sub": "user-1", "client_id": "app-1",
            "exp": nowSeconds + 300, "iat": nowSeconds - 10,
            "scope": "read write", "permissions": ["admin", "read"],
        ]
        for (name, value) in changes {
            claims[name] = value is NSNull ? nil : value
        }
        return claims
    }

    /// A header `{"alg": alg, "kid": kid, "typ": "at+jwt"}` (no `kid` when nil).
    static func header(alg: String, kid: String?) -> [String: Any] {
        var header: [String: Any] = ["alg": alg, "typ": "at+jwt"]
        header["kid"] = kid
        return header
    }

    /// A token signed by `key` with its own alg and kid, unless overridden.
    static func token(
        signedBy key: DemoKeyPair, alg: String? = nil, kid: String?? = nil, claims: [String: Any] = claims()
    ) async throws -> String {
        let header = header(alg: alg ?? key.algorithm.rawValue, kid: kid ?? key.keyID)
        return try await TokenMinter.sign(header: header, payload: claims, with: key.signingKey)
    }
}

extension Result where Success == VerifiedToken, Failure == TokenRejection {
    /// The rejection's reason code, `nil` on success.
    var reason: ReasonCode? {
        if case .failure(let rejection) = self { return rejection.reason }
        return nil
    }
}

extension TokenVerifier {
    /// ``verify(_:now:)`` of a verifier whose key sources are static (a file, a set built in the
    /// test): it never waits for keys, so the step is an answer. A wait is recorded as an issue
    /// and returned as a failure whose description says so.
    func verifyAtOnce(_ token: String, now: Date) -> Result<VerifiedToken, TokenRejection> {
        switch verify(token, now: now) {
        case .verified(let verified): return .success(verified)
        case .rejected(let rejection): return .failure(rejection)
        case .awaitingKeys(let pending):
            Issue.record("waits for keys (kid \(pending.keyID)), though the key source is static")
            return .failure(TokenRejection(.unknownKeyID, "awaiting keys"))
        }
    }
}

extension AccessPolicy {
    /// ``decide(_:now:)`` of a policy whose key sources are static: it never waits for keys. A
    /// wait is recorded as an issue and returned as a denial with status 0.
    func decideAtOnce(_ request: AccessRequest, now: Date) -> Decision {
        switch decide(request, now: now) {
        case .decided(let decision): return decision
        case .awaitingKeys(let wait):
            Issue.record("waits for keys (kid \(wait.token.keyID)), though the key source is static")
            return .deny(Denial(status: 0, reason: .unknownKeyID, description: "awaiting keys"))
        }
    }
}
