/// `api.issuers[i]`: one trusted token issuer and how its tokens are checked.
///
/// A token's `iss` selects the issuer; only that issuer's keys, algorithms and claim
/// rules apply to it (RFC 8725 §3.8: keys of one issuer never verify another's tokens).
public struct IssuerConfig: Sendable, Equatable {
    /// `issuer`: the exact `iss` value of this issuer's tokens (RFC 9068 §4). Required, unique.
    public var issuer: String
    /// `audiences`: values of which `aud` must contain at least one (RFC 9068 §4).
    /// Default `[api.audience]`; empty when ``checkAudience`` is `false`.
    public var audiences: [String]
    /// `check_audience`: whether `aud` is checked against ``audiences``. Default `true`;
    /// `false` only when written so (never by omission), for issuers whose access tokens carry
    /// no `aud` (Amazon Cognito, Keycloak without an audience mapper): then nothing in `aud`
    /// binds the token to this API, and ``allowedClientIDs`` or ``requiredClaims`` should.
    public var checkAudience: Bool
    /// `client_id_claim`: the claim naming the OAuth client the token was issued to:
    /// `client_id` (RFC 9068 §2.2, Cognito), `azp` (OpenID Connect Core §2: Keycloak, Google,
    /// Entra ID v2), `appid` (Entra ID v1), `cid` (Okta). `nil` (the default): `client_id`,
    /// else `azp`. Its value is ``VerifiedToken/clientID``.
    public var clientIDClaim: String?
    /// `allowed_client_ids`: when set, the client claim must be present and one of these,
    /// exactly (`client_not_allowed`). Default `nil`: any client.
    public var allowedClientIDs: [String]?
    /// `required_claims`: claims that must hold one of the given values (`missing_claim`,
    /// `invalid_claim`), sorted by name. Default none.
    public var requiredClaims: [RequiredClaim]
    /// `jwks`: where the issuer's published keys come from. Required.
    public var jwks: JWKSSource
    /// `hmac_secrets`: local shared secrets for `HS256`/`HS384`/`HS512`, read at start-up.
    /// Default none.
    public var hmacSecrets: [HMACSecretSource]
    /// `algorithms`: accepted JWS `alg` values (RFC 8725 §3.1). `HS*` only with a local
    /// HMAC key (`hmac_secrets`, or an `oct` key in a JWKS *file*). Default `["RS256"]`.
    public var algorithms: [JWSAlgorithm]
    /// `scope_claims`: claims unioned into the granted scopes; a dotted name
    /// (`realm_access.roles`) walks into nested objects when no top-level claim has that
    /// exact name. Default `["scope", "permissions"]`.
    public var scopeClaims: [String]
    /// `require_exp`: whether a token without `exp` is rejected (`missing_claim`). Default `true`.
    public var requireExp: Bool
    /// `max_lifetime_seconds`: the longest accepted `exp - iat` (or `exp - now` without
    /// `iat`), in seconds; `nil` (the default) for no limit.
    public var maxLifetimeSeconds: Int?
    /// `require_typ: "at+jwt"`: whether the JWS header `typ` must be `at+jwt` or
    /// `application/at+jwt` (RFC 9068 §2.1, case-insensitive). Default `false`: `typ` may
    /// also be absent or `JWT` (see ``AccessTokenType``); any other type is refused either way.
    public var requireTyp: Bool

    public init(
        issuer: String,
        audiences: [String],
        jwks: JWKSSource,
        hmacSecrets: [HMACSecretSource] = [],
        algorithms: [JWSAlgorithm] = [.rs256],
        scopeClaims: [String] = ["scope", "permissions"],
        requireExp: Bool = true,
        maxLifetimeSeconds: Int? = nil,
        requireTyp: Bool = false,
        checkAudience: Bool = true,
        clientIDClaim: String? = nil,
        allowedClientIDs: [String]? = nil,
        requiredClaims: [RequiredClaim] = []
    ) {
        self.issuer = issuer
        self.audiences = audiences
        self.checkAudience = checkAudience
        self.clientIDClaim = clientIDClaim
        self.allowedClientIDs = allowedClientIDs
        self.requiredClaims = requiredClaims
        self.jwks = jwks
        self.hmacSecrets = hmacSecrets
        self.algorithms = algorithms
        self.scopeClaims = scopeClaims
        self.requireExp = requireExp
        self.maxLifetimeSeconds = maxLifetimeSeconds
        self.requireTyp = requireTyp
    }
}

/// `jwks`: where an issuer's verification keys come from (a JWK Set, RFC 7517 §5).
public enum JWKSSource: Sendable, Equatable {
    /// `{"file": "path"}`: a local JWKS file, read once at start-up. A relative path is
    /// resolved against the directory of `gateway.json`. Its `oct` keys are usable for `HS*`.
    case file(path: String)
    /// `{"url": "https://...", "refresh": {...}}`: a JWKS fetched over HTTPS (http only for a
    /// loopback host) and refreshed in the background. Its `oct` keys are never used.
    case url(String, refresh: JWKSRefreshSettings)
    /// `{"discovery": true, "refresh": {...}}`: the `jwks_uri` of the issuer's
    /// `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4) or
    /// `/.well-known/oauth-authorization-server` (RFC 8414 §3) document.
    case discovery(refresh: JWKSRefreshSettings)

    /// Whether the keys come from the network (and so may never hold a trusted `oct` key).
    public var isRemote: Bool {
        if case .file = self { return false }
        return true
    }
}

/// `jwks.refresh`: how a remote JWKS is refreshed. All durations in seconds unless named `_ms`.
public struct JWKSRefreshSettings: Sendable, Equatable {
    /// `min_seconds`: the shortest interval between refreshes, whatever `Cache-Control` says. Default 60.
    public var minimumSeconds: Int
    /// `max_seconds`: the longest interval between refreshes. Default 3600.
    public var maximumSeconds: Int
    /// `default_seconds`: the interval when the response has no usable `Cache-Control: max-age`. Default 600.
    public var defaultSeconds: Int
    /// `refetch_cooldown_seconds`: the least time between two refetches caused by an unknown `kid`. Default 30.
    public var refetchCooldownSeconds: Int
    /// `retry_seconds`: the first wait after a failed fetch, in seconds; doubled per
    /// consecutive failure up to max(`retry_seconds`, `min_seconds`), reset by a success. Default 10.
    public var retrySeconds: Int
    /// `connect_timeout_ms`: TCP and TLS connect timeout, in milliseconds. Default 2000.
    public var connectTimeoutMilliseconds: Int
    /// `timeout_ms`: whole-fetch timeout, in milliseconds. Default 5000.
    public var timeoutMilliseconds: Int

    public init(
        minimumSeconds: Int = 60, maximumSeconds: Int = 3600, defaultSeconds: Int = 600,
        refetchCooldownSeconds: Int = 30, retrySeconds: Int = 10,
        connectTimeoutMilliseconds: Int = 2000, timeoutMilliseconds: Int = 5000
    ) {
        self.minimumSeconds = minimumSeconds
        self.maximumSeconds = maximumSeconds
        self.defaultSeconds = defaultSeconds
        self.refetchCooldownSeconds = refetchCooldownSeconds
        self.retrySeconds = retrySeconds
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

/// `hmac_secrets[i]`: one local HMAC secret (RFC 7518 §3.2), read once at start-up.
public struct HMACSecretSource: Sendable, Equatable {
    /// Where the secret's bytes are.
    public enum Location: Sendable, Equatable {
        /// `{"file": "path"}`: the file's bytes, exactly (relative to `gateway.json`'s directory).
        case file(path: String)
        /// `{"env": "NAME"}`: the UTF-8 bytes of the environment variable's value.
        case environment(variable: String)
    }

    /// `kid`: the key ID tokens name in their header; `nil` matches tokens without `kid` only
    /// by trial (like any key without `kid`).
    public var keyID: String?
    /// `file` or `env`.
    public var location: Location

    public init(keyID: String?, location: Location) {
        self.keyID = keyID
        self.location = location
    }
}
