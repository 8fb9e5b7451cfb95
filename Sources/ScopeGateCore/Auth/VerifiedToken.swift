import Foundation

/// What a verified access token says about its caller (RFC 9068 §2.2).
public struct VerifiedToken: Sendable, Equatable {
    /// Scopes one of the issuer's `scope_claims` granted.
    public struct ScopeSource: Sendable, Equatable {
        /// The claim name (or dotted path) as configured, e.g. `scp`, `realm_access.roles`.
        public var claim: String
        /// The scope-tokens it held, sorted, without duplicates.
        public var scopes: [String]

        public init(claim: String, scopes: [String]) {
            self.claim = claim
            self.scopes = scopes
        }
    }

    /// `sub`: the resource owner or client, if the token names one. Never holds a control
    /// character other than HTAB (such a token is refused), so it can go into a header.
    public var subject: String?
    /// The issuer's `client_id_claim` (by default `client_id` (RFC 9068 §2.2), else `azp`
    /// (OpenID Connect Core §2)), if present. Header-safe like ``subject``.
    public var clientID: String?
    /// `iss`: exactly the `issuer` of the configured issuer whose keys verified the token.
    public var issuer: String
    /// The union of the values of the issuer's `scope_claims`, sorted, without duplicates.
    public var grantedScopes: [String]
    /// `exp` as a date (seconds since 1970-01-01T00:00:00Z); `nil` only for an issuer with
    /// `require_exp: false` and a token without `exp`.
    public var expiresAt: Date?
    /// The JWS header's `kid`, if the token had one.
    public var keyID: String?
    /// The JWS `alg` the signature was verified with; `nil` only for values built by hand.
    public var algorithm: JWSAlgorithm?
    /// Which claims granted which scopes, in the order of the issuer's `scope_claims`
    /// (claims the token lacks are left out): what `scopegate explain` shows.
    public var scopeSources: [ScopeSource]

    public init(
        subject: String?, clientID: String?, issuer: String, grantedScopes: [String], expiresAt: Date?, keyID: String?,
        algorithm: JWSAlgorithm? = nil, scopeSources: [ScopeSource] = []
    ) {
        self.subject = subject
        self.clientID = clientID
        self.issuer = issuer
        self.grantedScopes = grantedScopes
        self.expiresAt = expiresAt
        self.keyID = keyID
        self.algorithm = algorithm
        self.scopeSources = scopeSources
    }
}
