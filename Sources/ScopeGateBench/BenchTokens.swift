import Foundation
import ScopeGateCore
import ScopeGateDemo

/// Tokens and verifiers for `verify` and `decide`: demo keys, one issuer, one audience and a
/// fixed `now` (the instant every token is judged at; never a clock reading).
enum BenchTokens {
    static let issuer = "https://issuer.bench/"
    static let audience = "https://api.bench"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// `count` distinct tokens signed with `key`, valid at ``now``, granting
    /// `read:appointments write:appointments` (`scope`) and `admin:appointments` (`permissions`).
    static func mint(_ key: DemoKeyPair, count: Int) async throws -> [String] {
        var tokens: [String] = []
        let base = Int(now.timeIntervalSince1970)
        for index in 0..<count {
            let claims: [String: Any] = [
                "iss": issuer, "aud": audience, "sub": "user-\(index)", "client_id": "bench",
                "iat": base - 10, "exp": base + 3600, "jti": "token-\(index)",
                "scope": "read:appointments write:appointments", "permissions": ["admin:appointments"],
            ]
            let header: [String: Any] = ["alg": key.algorithm.rawValue, "typ": "at+jwt", "kid": key.keyID]
            tokens.append(try await TokenMinter.sign(header: header, payload: claims, with: key.signingKey))
        }
        return tokens
    }

    /// The API settings for one issuer whose only algorithm is `algorithm`.
    static func api(_ algorithm: JWSAlgorithm, cache: VerificationCacheConfig) -> APIConfig {
        APIConfig(
            audience: audience,
            issuers: [IssuerConfig(issuer: issuer, audiences: [audience], jwks: .file(path: "bench"), algorithms: [algorithm])],
            verificationCache: cache)
    }

    /// A verifier that trusts `key`'s public JWK, with the verification cache set to `cache`.
    static func verifier(for key: DemoKeyPair, cache: VerificationCacheConfig) async throws -> TokenVerifier {
        let jwks = DemoKeyPair.jwksJSON([key.publicJWK(alg: key.algorithm)])
        let keySet = try await VerificationKeySet.load(jwks: jwks, allowed: [key.algorithm], symmetricKeys: .accept)
        return TokenVerifier(api: api(key.algorithm, cache: cache), keys: [issuer: IssuerKeys(source: StaticKeySource(keySet))],
                             maxTokenBytes: 8192)
    }
}
