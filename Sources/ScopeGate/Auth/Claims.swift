import Foundation

/// The registered and scope claims of a JWT access token, checked against the token's
/// issuer settings and an injected `now` (RFC 7519 §4.1, RFC 9068 §4).
///
/// Checks, in order (the first failure wins):
/// Strings compare code point by code point (see `String.isIdentical(to:)`), never by
/// Unicode equivalence.
/// 1. `iss` (§4.1.1) is exactly the issuer's `issuer` → else `invalid_issuer` (the issuer
///    was chosen by this very value, so this only guards against misuse).
/// 2. `aud` (§4.1.3) is a string equal to one of the issuer's `audiences`, or an array of
///    strings containing one → else `invalid_audience`.
/// 3. The time claims, see ``TimeClaims`` (types, then instants).
/// 4. `sub`, `client_id`, `azp`, if present: strings → else `invalid_claim`.
/// 5. The issuer's `scope_claims`, see ``ScopeClaims`` → else `invalid_claim`.
struct Claims: Sendable {
    var issuer: String
    var subject: String?
    var clientID: String?
    var times: TimeClaims
    var scopes: [String]

    /// Checks `payload` against `issuer` at `now`.
    ///
    /// - Throws: ``TokenRejection`` as listed on ``Claims``.
    init(_ payload: [String: JSONValue], issuer config: IssuerConfig, skewSeconds: Int, now: Date) throws(TokenRejection) {
        guard case .string(let issuer)? = payload["iss"], issuer.isIdentical(to: config.issuer) else {
            throw TokenRejection(.invalidIssuer, payload["iss"] == nil ? "iss is missing" : "iss is not a configured issuer")
        }
        try Self.checkAudience(payload["aud"], expected: config.audiences)
        let times = try TimeClaims(payload, requireExp: config.requireExp)
        try times.check(now: now, skewSeconds: skewSeconds, maxLifetimeSeconds: config.maxLifetimeSeconds)

        self.issuer = issuer
        self.times = times
        self.subject = try Self.optionalString("sub", payload)
        let clientID = try Self.optionalString("client_id", payload)
        let authorizedParty = try Self.optionalString("azp", payload)
        self.clientID = clientID ?? authorizedParty
        self.scopes = try ScopeClaims.granted(by: payload, claims: config.scopeClaims)
    }

    private static func checkAudience(_ value: JSONValue?, expected: [String]) throws(TokenRejection) {
        switch value {
        case .string(let audience)? where expected.containsIdentical(audience):
            return
        case .array(let audiences)? where audiences.contains(where: { if case .string(let a) = $0 { expected.containsIdentical(a) } else { false } }):
            return
        case nil:
            throw TokenRejection(.invalidAudience, "aud is missing")
        default:
            throw TokenRejection(.invalidAudience, "aud does not contain a configured audience")
        }
    }

    private static func optionalString(_ name: String, _ payload: [String: JSONValue]) throws(TokenRejection)
        -> String?
    {
        switch payload[name] {
        case nil: return nil
        case .string(let value)?: return value
        case let other?: throw TokenRejection(.invalidClaim, "\(name) is a \(other.typeName), not a string")
        }
    }

    /// `seconds` since the epoch as `2026-11-29T10:00:00Z`.
    static func format(_ seconds: TimeInterval) -> String {
        Date(timeIntervalSince1970: seconds.rounded(.down)).formatted(.iso8601)
    }
}
