import Foundation

/// What a verified access token says about its caller (RFC 9068 §2.2).
public struct VerifiedToken: Sendable, Equatable {
    /// `sub`: the resource owner or client, if the token names one.
    public var subject: String?
    /// `client_id` (RFC 9068 §2.2), else `azp` (OpenID Connect Core §2), if present.
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

    public init(
        subject: String?, clientID: String?, issuer: String, grantedScopes: [String], expiresAt: Date?, keyID: String?
    ) {
        self.subject = subject
        self.clientID = clientID
        self.issuer = issuer
        self.grantedScopes = grantedScopes
        self.expiresAt = expiresAt
        self.keyID = keyID
    }
}
