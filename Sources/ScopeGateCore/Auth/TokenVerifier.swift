import Foundation

/// Verifies JWT access tokens (RFC 9068) from any of the configured issuers.
///
/// Plain value, built once from configuration; ``verify(_:now:)`` is synchronous and safe
/// to call concurrently from any thread (the cache locks per stripe).
public struct TokenVerifier: Sendable {
    /// The API settings the verifier was built from.
    public let api: APIConfig
    /// The verified-token cache, `nil` when `api.verification_cache.max_entries` is 0.
    public let cache: VerificationCache?
    private let issuers: [String: IssuerConfig]
    private let keys: [String: IssuerKeys]
    private let maxTokenBytes: Int

    /// - Parameters:
    ///   - api: audience, issuers, clock skew and cache settings.
    ///   - keys: issuer (its `issuer` string) to its keys; an issuer without an entry has no
    ///     keys (`keys_unavailable`).
    ///   - maxTokenBytes: `limits.max_token_bytes`; a longer token is `malformed_token`.
    public init(api: APIConfig, keys: [String: IssuerKeys], maxTokenBytes: Int) {
        self.api = api
        self.keys = keys
        self.maxTokenBytes = maxTokenBytes
        self.cache = VerificationCache(api.verificationCache)
        self.issuers = Dictionary(api.issuers.map { ($0.issuer, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// A verifier with every issuer's keys loaded as ``IssuerKeys/load(_:keySources:environment:)`` does.
    /// - Throws: ``KeyLoadError``.
    public static func load(
        api: APIConfig, keySources: [String: any KeySource]? = nil, maxTokenBytes: Int,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(KeyLoadError) -> TokenVerifier {
        let keys = try await IssuerKeys.load(api, keySources: keySources, environment: environment)
        return TokenVerifier(api: api, keys: keys, maxTokenBytes: maxTokenBytes)
    }

    /// Whether every issuer has keys loaded (readiness for `listen.health_path`).
    public var isReady: Bool {
        api.issuers.allSatisfy { keys[$0.issuer]?.isReady ?? false }
    }

    /// Checks one bearer token at the instant `now`.
    ///
    /// Steps, in order; the first failure is returned:
    /// 1. length (`limits.max_token_bytes`) → `malformed_token`;
    /// 2. cache hit (SHA-256 of the token): only the time claims are judged again at `now`
    ///    (``TimeClaims``), everything else was checked when the entry was stored;
    /// 3. compact-JWS shape (RFC 7515 §7.1) and JOSE header: string `alg`, string
    ///    `kid`/`typ`, no `crit` (RFC 7515 §4.1.11) → `malformed_token`;
    /// 4. the payload's `iss` picks the issuer → `invalid_issuer` when no issuer has it.
    ///    It is read before the signature is checked, only to choose whose keys and rules
    ///    apply; nothing else in the payload is trusted until that issuer's key verifies it;
    /// 5. `alg` in the issuer's `algorithms` (RFC 8725 §3.1) → `algorithm_not_allowed`;
    /// 6. no key loaded for that kind of key → `keys_unavailable` (fail closed);
    /// 7. key selection among the issuer's keys only: with a `kid`, the keys with exactly
    ///    that `kid` (none → `unknown_kid`; none of them for this `alg`, e.g. a JWK whose
    ///    `alg` differs → `algorithm_not_allowed`), never a default key; without a `kid`,
    ///    every key whose type and `alg` fit (none → `unknown_kid`);
    /// 8. signature (RFC 7515 §5.2) → `invalid_signature` unless one key verifies it;
    /// 9. header `typ` is an access token's, see ``AccessTokenType`` (RFC 8725 §3.11; with
    ///    `require_typ`, `at+jwt` only, RFC 9068 §2.1) → `invalid_token_type`;
    /// 10. claims, see ``Claims`` and ``TimeClaims``.
    ///
    /// - Parameters:
    ///   - token: the bearer token text, as found by ``TokenExtractor``.
    ///   - now: the current time; never read from a clock here.
    /// - Returns: the ``VerifiedToken``, or a ``TokenRejection`` whose description never
    ///   contains the token.
    public func verify(_ token: String, now: Date) -> Result<VerifiedToken, TokenRejection> {
        Result { () throws(TokenRejection) in try check(token, now: now) }
    }

    private func check(_ token: String, now: Date) throws(TokenRejection) -> VerifiedToken {
        guard token.utf8.count <= maxTokenBytes else {
            throw TokenRejection(.malformedToken, "token is longer than \(maxTokenBytes) bytes")
        }
        let cacheKey = cache.map { _ in VerificationCache.Key(token: token) }
        if let cache, let cacheKey, let entry = cache.lookup(cacheKey, now: now), let issuer = issuers[exactly: entry.issuer] {
            try entry.times.check(now: now, skewSeconds: api.clockSkewSeconds, maxLifetimeSeconds: issuer.maxLifetimeSeconds)
            return entry.token
        }

        let jws = try CompactJWS.parse(token, maxBytes: maxTokenBytes)
        let header = try JOSEHeader(jws.header)
        guard case .string(let iss)? = jws.payload["iss"], let issuer = issuers[exactly: iss] else {
            throw TokenRejection(.invalidIssuer, jws.payload["iss"] == nil ? "iss is missing" : "iss is not a configured issuer")
        }
        let algorithm = try header.allowedAlgorithm(in: issuer.algorithms)
        let issuerKeys = keys[exactly: iss]
        let jwks = issuerKeys?.source.keySet
        let hmacKeys = algorithm.isHMAC ? issuerKeys?.hmacKeys ?? [] : []
        guard jwks != nil || !hmacKeys.isEmpty else {
            throw TokenRejection(.keysUnavailable, "no verification keys are loaded for this issuer")
        }
        let available = hmacKeys.isEmpty ? jwks?.keys ?? [] : (jwks?.keys ?? []) + hmacKeys
        let candidates = try Self.candidateKeys(in: available, keyID: header.keyID, algorithm: algorithm)
        guard candidates.contains(where: { $0.verify(jws.signature, signs: jws.signingInput, with: algorithm) }) else {
            throw TokenRejection(.invalidSignature, "signature does not verify")
        }
        try AccessTokenType.check(header.type, strict: issuer.requireTyp)
        let claims = try Claims(jws.payload, issuer: issuer, skewSeconds: api.clockSkewSeconds, now: now)
        let verified = VerifiedToken(
            subject: claims.subject, clientID: claims.clientID, issuer: claims.issuer,
            grantedScopes: claims.scopes, expiresAt: claims.times.expiresAt.map { Date(timeIntervalSince1970: $0) },
            keyID: header.keyID, algorithm: algorithm, scopeSources: claims.scopeSources)
        if let cache, let cacheKey {
            cache.insert(cacheKey, .init(token: verified, times: claims.times, issuer: issuer.issuer), now: now)
        }
        return verified
    }

    /// The keys allowed to verify a token with this `kid` (or none) and `alg`.
    /// After an `unknown_kid` rejection of `token`: asks the key source of the issuer the
    /// token names to refetch (the issuer may have rotated its keys). The token is read
    /// unverified, only to find the issuer and `kid`; nothing is trusted from it.
    ///
    /// - Returns: `false` when no refetch will happen (no `kid`, an unknown issuer, a static
    ///   source, or the source's cooldown); otherwise `completion` is called once, on any
    ///   thread, when the refetch is done (`true` when the new set holds the `kid`).
    public func refetchKeys(after token: String, completion: @escaping @Sendable (Bool) -> Void) -> Bool {
        guard let jws = try? CompactJWS.parse(token, maxBytes: maxTokenBytes),
              let header = try? JOSEHeader(jws.header), let keyID = header.keyID,
              case .string(let iss)? = jws.payload["iss"], let source = keys[exactly: iss]?.source
        else { return false }
        return source.refetch(forUnknownKeyID: keyID, completion: completion)
    }

    /// The most keys one token is tried against. A token without `kid` is tried against
    /// every key that fits its `alg`; with a large JWKS a forged kid-less token would cost one
    /// signature check per key on the event loop (7,000 keys: 0.6 s), so past this many it
    /// needs a `kid`.
    static let maxCandidateKeys = 8

    private static func candidateKeys(in keys: [VerificationKey], keyID: String?, algorithm: JWSAlgorithm)
        throws(TokenRejection) -> [VerificationKey]
    {
        guard let keyID else {
            let fitting = keys.filter { $0.supports(algorithm) }
            guard !fitting.isEmpty else {
                throw TokenRejection(.unknownKeyID, "token has no kid and no \(algorithm.rawValue) key is in the JWKS")
            }
            guard fitting.count <= maxCandidateKeys else {
                throw TokenRejection(
                    .unknownKeyID,
                    "token has no kid and the JWKS holds \(fitting.count) \(algorithm.rawValue) keys; above \(maxCandidateKeys) a kid is required")
            }
            return fitting
        }
        let named = keys.filter { $0.keyID?.isIdentical(to: keyID) ?? false }
        guard !named.isEmpty else {
            throw TokenRejection(.unknownKeyID, "kid \(TokenRejection.quoted(keyID)) is not in the JWKS")
        }
        let fitting = named.filter { $0.supports(algorithm) }
        guard !fitting.isEmpty else {
            throw TokenRejection(
                .algorithmNotAllowed,
                "alg \(algorithm.rawValue) is not allowed for kid \(TokenRejection.quoted(keyID))")
        }
        guard fitting.count <= maxCandidateKeys else {
            throw TokenRejection(
                .unknownKeyID, "the JWKS holds \(fitting.count) keys with kid \(TokenRejection.quoted(keyID)); at most \(maxCandidateKeys) are tried")
        }
        return fitting
    }
}
