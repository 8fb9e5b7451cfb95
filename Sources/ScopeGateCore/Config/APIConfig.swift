/// `api`: the OAuth2 resource server settings for the one logical API (RFC 9068).
///
/// Written either in full (`api.issuers: [...]`) or, for one issuer, in the shorthand
/// form whose issuer members (`issuer`, `jwks`, `algorithms`, ...) sit directly in `api`;
/// both decode to this model.
public struct APIConfig: Sendable, Equatable {
    /// `api.audience`: this API's identifier; the default of each issuer's `audiences`.
    /// Required unless every issuer lists its own `audiences` or sets `check_audience: false`.
    public var audience: String?
    /// `api.issuers` (or the shorthand): the trusted issuers, at least one, `issuer` unique.
    public var issuers: [IssuerConfig]
    /// `api.clock_skew_seconds`: leeway applied to `exp`, `nbf` and `iat`, in seconds, 0...600. Default 60.
    public var clockSkewSeconds: Int
    /// `api.realm`: the `realm` in `WWW-Authenticate: Bearer` challenges (RFC 6750 §3). Default `"scopegate"`.
    public var realm: String
    /// `api.token`: where requests carry the bearer token. Default: the `Authorization` header only.
    public var token: TokenLocationConfig
    /// `api.verification_cache`: the cache of verified tokens. Default 10000 entries, 300 s.
    public var verificationCache: VerificationCacheConfig
    /// `api.scopes`: the API's scope catalog, `[{"name": "read:calendar", "description": "..."}]`,
    /// the way identity providers list an API's permissions (Auth0 API permissions, Entra ID
    /// "expose an API" scopes, Okta and Keycloak client scopes). Only ``PolicyLint`` reads it
    /// (scopes routes require that it lacks, catalog scopes no route requires); it never changes
    /// a decision. `nil` (the default): no catalog, and those two rules are silent.
    public var scopes: [ScopeCatalogEntry]? = nil
    /// Whether the file used the single-issuer shorthand (issuer members directly in `api`):
    /// then the issuer's JSON path is `api`, not `api.issuers[0]`. Set by the decoder.
    public var usesShorthand: Bool = false

    public init(
        audience: String?,
        issuers: [IssuerConfig],
        clockSkewSeconds: Int = 60,
        realm: String = "scopegate",
        token: TokenLocationConfig = .init(),
        verificationCache: VerificationCacheConfig = .init()
    ) {
        self.audience = audience
        self.issuers = issuers
        self.clockSkewSeconds = clockSkewSeconds
        self.realm = realm
        self.token = token
        self.verificationCache = verificationCache
    }

    /// The JSON path of `issuers[index]` as written in the file: `api` for the shorthand,
    /// else `api.issuers[<index>]`.
    public func issuerPath(_ index: Int) -> String {
        usesShorthand ? "api" : "api.issuers[\(index)]"
    }

    /// The issuer whose `issuer` is exactly `iss`, if any.
    public func issuer(named iss: String) -> IssuerConfig? {
        issuers.first { $0.issuer == iss }
    }
}

/// `api.token`: where the gateway looks for the bearer token (RFC 6750 §2).
public struct TokenLocationConfig: Sendable, Equatable {
    /// `api.token.header`: the request header carrying the token. `Authorization` (any case)
    /// means the `Bearer` scheme of RFC 6750 §2.1; any other name carries the bare token
    /// (e.g. `X-Access-Token`). Default `"Authorization"`.
    public var header: String
    /// `api.token.query_parameter`: a query parameter also accepted as the token's place
    /// (RFC 6750 §2.3, e.g. `"access_token"`); `nil` (the default) never reads the query.
    /// A token taken from the query is removed from the forwarded request target.
    public var queryParameter: String?

    public init(header: String = "Authorization", queryParameter: String? = nil) {
        self.header = header
        self.queryParameter = queryParameter
    }

    /// Whether ``header`` is `Authorization`, read with the `Bearer` scheme.
    public var usesBearerScheme: Bool { header.lowercased() == "authorization" }
}

/// `api.verification_cache`: successful verifications remembered by token hash.
public struct VerificationCacheConfig: Sendable, Equatable {
    /// `api.verification_cache.max_entries`: the most tokens held, 0...10_000_000; 0 disables
    /// the cache. Default 10000.
    public var maxEntries: Int
    /// `api.verification_cache.ttl_seconds`: the longest an entry lives, in seconds, 1...86400
    /// (never beyond the token's `exp`). It bounds how long a token keeps passing after its
    /// key left the JWKS. Default 300.
    public var ttlSeconds: Int

    public init(maxEntries: Int = 10000, ttlSeconds: Int = 300) {
        self.maxEntries = maxEntries
        self.ttlSeconds = ttlSeconds
    }
}

/// `api.scopes[i]`: one scope of the API's catalog.
public struct ScopeCatalogEntry: Sendable, Equatable {
    /// `name`: the scope token (RFC 6749 §3.3), unique in the catalog.
    public var name: String
    /// `description`: what the scope grants, for people; `nil` when not given.
    public var description: String?

    public init(name: String, description: String? = nil) {
        self.name = name
        self.description = description
    }
}
