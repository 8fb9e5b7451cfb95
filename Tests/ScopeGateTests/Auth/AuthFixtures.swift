import Foundation
import JWTKit

@testable import ScopeGate

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

    static func api(algorithms: [JWSAlgorithm] = [.rs256, .es256], skew: Int = 60) -> APIConfig {
        APIConfig(
            issuer: issuer, audience: audience, jwks: .file(path: "unused.json"), algorithms: algorithms,
            scopeClaims: ["scope", "permissions"], clockSkewSeconds: skew)
    }

    static func verifier(
        algorithms: [JWSAlgorithm] = [.rs256, .es256], maxTokenBytes: Int = 8192
    ) async throws -> TokenVerifier {
        let keySet = try await VerificationKeySet.load(jwks: jwks, allowed: algorithms)
        return TokenVerifier(
            api: api(algorithms: algorithms), keySource: StaticKeySource(keySet), maxTokenBytes: maxTokenBytes)
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
