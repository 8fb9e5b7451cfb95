import Foundation

/// Verifies JWT access tokens (RFC 9068) for the one configured API.
///
/// Plain value, built once from configuration; ``verify(_:now:)`` is synchronous,
/// allocation-light and safe to call concurrently from any thread.
public struct TokenVerifier: Sendable {
    private let api: APIConfig
    private let keySource: any KeySource
    private let maxTokenBytes: Int

    /// - Parameters:
    ///   - api: issuer, audience, allowed algorithms, scope claims and clock skew.
    ///   - keySource: where the current ``VerificationKeySet`` comes from; read once per token.
    ///   - maxTokenBytes: `limits.max_token_bytes`; a longer token is `malformed_token`.
    public init(api: APIConfig, keySource: any KeySource, maxTokenBytes: Int) {
        self.api = api
        self.keySource = keySource
        self.maxTokenBytes = maxTokenBytes
    }

    /// Checks one bearer token at the instant `now`.
    ///
    /// Steps, in order; the first failure is returned:
    /// 1. length and compact-JWS shape (RFC 7515 §7.1) → `malformed_token`;
    /// 2. JOSE header: string `alg`, string `kid`/`typ`, no `crit` (RFC 7515 §4.1) → `malformed_token`;
    /// 3. `alg` in `api.algorithms` (RFC 8725 §3.1) → `algorithm_not_allowed`;
    /// 4. no key set loaded → `keys_unavailable` (fail closed; a malformed token is
    ///    still reported as such, it could never have verified);
    /// 5. key selection: with a `kid`, only the JWKS keys with exactly that `kid`
    ///    (none → `unknown_kid`; none of them for this `alg` → `algorithm_not_allowed`),
    ///    never a default key; without a `kid`, every key that supports `alg` (none →
    ///    `unknown_kid`);
    /// 6. signature over the signing input with the selected key(s), using `alg`
    ///    (RFC 7515 §5.2) → `invalid_signature` unless one verifies;
    /// 7. claims, see ``Claims`` → `invalid_issuer`, `invalid_audience`, `missing_claim`,
    ///    `invalid_claim`, `token_expired`, `token_not_yet_valid`.
    ///
    /// - Parameters:
    ///   - token: the bearer token text, as extracted by ``BearerCredentials``.
    ///   - now: the current time; never read from a clock here.
    /// - Returns: the ``VerifiedToken``, or a ``TokenRejection`` whose description never
    ///   contains the token.
    public func verify(_ token: String, now: Date) -> Result<VerifiedToken, TokenRejection> {
        Result { () throws(TokenRejection) in try check(token, now: now) }
    }

    private func check(_ token: String, now: Date) throws(TokenRejection) -> VerifiedToken {
        let jws = try CompactJWS.parse(token, maxBytes: maxTokenBytes)
        let header = try JOSEHeader(jws.header)
        let algorithm = try header.allowedAlgorithm(in: api.algorithms)
        guard let keySet = keySource.keySet else {
            throw TokenRejection(.keysUnavailable, "no verification keys are loaded")
        }
        let candidates = try Self.candidateKeys(in: keySet, keyID: header.keyID, algorithm: algorithm)
        guard candidates.contains(where: { $0.verify(jws.signature, signs: jws.signingInput, with: algorithm) }) else {
            throw TokenRejection(.invalidSignature, "signature does not verify")
        }
        let claims = try Claims(jws.payload, api: api, now: now)
        return VerifiedToken(
            subject: claims.subject, clientID: claims.clientID, issuer: claims.issuer,
            grantedScopes: claims.scopes, expiresAt: claims.expiresAt, keyID: header.keyID)
    }

    /// The keys allowed to verify a token with this `kid` (or none) and `alg`.
    private static func candidateKeys(in keySet: VerificationKeySet, keyID: String?, algorithm: JWSAlgorithm)
        throws(TokenRejection) -> [VerificationKey]
    {
        guard let keyID else {
            let fitting = keySet.keys.filter { $0.supports(algorithm) }
            guard !fitting.isEmpty else {
                throw TokenRejection(.unknownKeyID, "token has no kid and no \(algorithm.rawValue) key is in the JWKS")
            }
            return fitting
        }
        let named = keySet.keys(withID: keyID)
        guard !named.isEmpty else {
            throw TokenRejection(.unknownKeyID, "kid \(TokenRejection.quoted(keyID)) is not in the JWKS")
        }
        let fitting = named.filter { $0.supports(algorithm) }
        guard !fitting.isEmpty else {
            throw TokenRejection(
                .algorithmNotAllowed,
                "alg \(algorithm.rawValue) is not allowed for kid \(TokenRejection.quoted(keyID))")
        }
        return fitting
    }
}
