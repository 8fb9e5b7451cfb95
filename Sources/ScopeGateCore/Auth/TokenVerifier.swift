import Foundation

/// Verifies JWT access tokens (RFC 9068) from any of the configured issuers.
///
/// Plain value, built once from configuration; ``verify(_:now:)`` and ``resume(_:now:)`` are
/// synchronous, never block and are safe to call concurrently from any thread (the cache locks
/// per stripe). The verifier owns the unknown-`kid` refetch: ``verify(_:now:)`` starts it (the
/// key source fetches in the background) and answers ``VerificationStep/awaitingKeys(_:)``;
/// ``resume(_:now:)`` finishes once the keys are in, and cannot wait again.
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
    ///    that `kid` (none of them for this `alg`, e.g. a JWK whose `alg` differs →
    ///    `algorithm_not_allowed`; more than 8 → `unknown_kid`), never a default key; without
    ///    a `kid`, every key whose type and `alg` fit (none, or more than 8 → `unknown_kid`).
    ///    A `kid` the set does not hold at all is the one case that may wait: when the
    ///    issuer's key source starts or joins a refetch (``KeySource/refetch(forUnknownKeyID:completion:)``:
    ///    a remote source outside its cooldown), the result is
    ///    ``VerificationStep/awaitingKeys(_:)``; otherwise `unknown_kid`;
    /// 8. signature (RFC 7515 §5.2) → `invalid_signature` unless one key verifies it;
    /// 9. header `typ` is an access token's, see ``AccessTokenType`` (RFC 8725 §3.11; with
    ///    `require_typ`, `at+jwt` only, RFC 9068 §2.1) → `invalid_token_type`;
    /// 10. claims, see ``Claims`` and ``TimeClaims``.
    ///
    /// A success is stored in the cache (when there is one).
    ///
    /// - Parameters:
    ///   - token: the bearer token text, as found by ``TokenExtractor``.
    ///   - now: the current time; never read from a clock here.
    /// - Returns: the ``VerifiedToken``, a ``TokenRejection`` whose description never contains
    ///   the token, or a ``PendingToken`` to pass to ``resume(_:now:)`` once its keys arrive.
    public func verify(_ token: String, now: Date) -> VerificationStep {
        do {
            return try check(token, now: now)
        } catch {
            return .rejected(error)
        }
    }

    /// Finishes the verification of a token that waited for its issuer's keys, with the key
    /// set as it is now: steps 6 to 10 of ``verify(_:now:)``, at the instant `now`. The token
    /// is not parsed again. A `kid` still missing is now final: `unknown_kid`.
    ///
    /// - Parameters:
    ///   - pending: what ``verify(_:now:)`` returned in ``VerificationStep/awaitingKeys(_:)``.
    ///   - now: the current time (the time claims are judged at this instant).
    /// - Returns: the ``VerifiedToken`` (stored in the cache), or the ``TokenRejection``.
    public func resume(_ pending: PendingToken, now: Date) -> Result<VerifiedToken, TokenRejection> {
        Result { () throws(TokenRejection) in
            switch try selectKeys(for: pending.token) {
            case .candidates(let candidates):
                return try finish(pending.token, candidates: candidates, now: now)
            case .keyIDNotInSet(let keyID):
                throw Self.unknownKeyID(keyID)
            }
        }
    }

    private func check(_ token: String, now: Date) throws(TokenRejection) -> VerificationStep {
        guard token.utf8.count <= maxTokenBytes else {
            throw TokenRejection(.malformedToken, "token is longer than \(maxTokenBytes) bytes")
        }
        let cacheKey = cache.map { _ in VerificationCache.Key(token: token) }
        if let cache, let cacheKey, let entry = cache.lookup(cacheKey, now: now), let issuer = issuers[exactly: entry.issuer] {
            try entry.times.check(now: now, skewSeconds: api.clockSkewSeconds, maxLifetimeSeconds: issuer.maxLifetimeSeconds)
            return .verified(entry.token)
        }

        let jws = try CompactJWS.parse(token, maxBytes: maxTokenBytes)
        let header = try JOSEHeader(jws.header)
        guard case .string(let iss)? = jws.payload["iss"], let issuer = issuers[exactly: iss] else {
            throw TokenRejection(.invalidIssuer, jws.payload["iss"] == nil ? "iss is missing" : "iss is not a configured issuer")
        }
        let algorithm = try header.allowedAlgorithm(in: issuer.algorithms)
        let parsed = ParsedToken(jws: jws, header: header, issuer: issuer, algorithm: algorithm, cacheKey: cacheKey)
        switch try selectKeys(for: parsed) {
        case .candidates(let candidates):
            return .verified(try finish(parsed, candidates: candidates, now: now))
        case .keyIDNotInSet(let keyID):
            // The issuer may have rotated its keys: its source refetches, or says it will not.
            guard let source = keys[exactly: issuer.issuer]?.source else { throw Self.unknownKeyID(keyID) }
            let arrival = KeyArrival()
            guard source.refetch(forUnknownKeyID: keyID, completion: { _ in arrival.arrive() }) else {
                throw Self.unknownKeyID(keyID)
            }
            return .awaitingKeys(PendingToken(token: parsed, keyID: keyID, arrival: arrival))
        }
    }

    /// Steps 8 to 10 of ``verify(_:now:)`` with the selected keys, then the cache.
    private func finish(_ parsed: ParsedToken, candidates: [VerificationKey], now: Date) throws(TokenRejection)
        -> VerifiedToken
    {
        let jws = parsed.jws
        guard candidates.contains(where: { $0.verify(jws.signature, signs: jws.signingInput, with: parsed.algorithm) }) else {
            throw TokenRejection(.invalidSignature, "signature does not verify")
        }
        try AccessTokenType.check(parsed.header.type, strict: parsed.issuer.requireTyp)
        let claims = try Claims(jws.payload, issuer: parsed.issuer, skewSeconds: api.clockSkewSeconds, now: now)
        let verified = VerifiedToken(
            subject: claims.subject, clientID: claims.clientID, issuer: claims.issuer,
            grantedScopes: claims.scopes, expiresAt: claims.times.expiresAt.map { Date(timeIntervalSince1970: $0) },
            keyID: parsed.header.keyID, algorithm: parsed.algorithm, scopeSources: claims.scopeSources)
        if let cache, let cacheKey = parsed.cacheKey {
            cache.insert(cacheKey, .init(token: verified, times: claims.times, issuer: parsed.issuer.issuer), now: now)
        }
        return verified
    }

    /// Steps 6 and 7 of ``verify(_:now:)``: the keys the token may be verified with, from the
    /// issuer's current set (and its HMAC secrets, for an HMAC `alg`).
    private func selectKeys(for parsed: ParsedToken) throws(TokenRejection) -> KeySelection {
        let issuerKeys = keys[exactly: parsed.issuer.issuer]
        let jwks = issuerKeys?.source.keySet
        let hmacKeys = parsed.algorithm.isHMAC ? issuerKeys?.hmacKeys ?? [] : []
        guard jwks != nil || !hmacKeys.isEmpty else {
            throw TokenRejection(.keysUnavailable, "no verification keys are loaded for this issuer")
        }
        let available = hmacKeys.isEmpty ? jwks?.keys ?? [] : (jwks?.keys ?? []) + hmacKeys
        return try Self.candidateKeys(in: available, keyID: parsed.header.keyID, algorithm: parsed.algorithm)
    }

    /// The most keys one token is tried against. A token without `kid` is tried against
    /// every key that fits its `alg`; with a large JWKS a forged kid-less token would cost one
    /// signature check per key on the event loop (7,000 keys: 0.6 s), so past this many it
    /// needs a `kid`.
    static let maxCandidateKeys = 8

    /// Which keys a token may be verified with.
    enum KeySelection {
        /// At most ``maxCandidateKeys`` keys that fit the token's `kid` (or lack of one) and `alg`.
        case candidates([VerificationKey])
        /// No key of the set has this `kid`: the only case a refetch may change.
        case keyIDNotInSet(String)
    }

    /// The keys allowed to verify a token with this `kid` (or none) and `alg`.
    ///
    /// - Throws: ``TokenRejection`` `unknown_kid` (no `kid` and no fitting key, or more than
    ///   ``maxCandidateKeys`` fitting keys with or without a `kid`) or `algorithm_not_allowed`
    ///   (the `kid`'s keys do not fit `alg`). A refetch would change none of these: they are
    ///   final, only ``KeySelection/keyIDNotInSet(_:)`` is not.
    private static func candidateKeys(in keys: [VerificationKey], keyID: String?, algorithm: JWSAlgorithm)
        throws(TokenRejection) -> KeySelection
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
            return .candidates(fitting)
        }
        let named = keys.filter { $0.keyID?.isIdentical(to: keyID) ?? false }
        guard !named.isEmpty else { return .keyIDNotInSet(keyID) }
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
        return .candidates(fitting)
    }

    /// The rejection of a `kid` the issuer's key set does not hold.
    private static func unknownKeyID(_ keyID: String) -> TokenRejection {
        TokenRejection(.unknownKeyID, "kid \(TokenRejection.quoted(keyID)) is not in the JWKS")
    }
}
