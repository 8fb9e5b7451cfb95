import Foundation

/// A token's `exp`, `nbf` and `iat` (RFC 7519 §4.1.4-6), read once and checkable against
/// any instant, so that a cached verification is re-judged at every use.
///
/// Reading checks the types: each present claim must be a JSON number (NumericDate,
/// seconds) in `0...1e11`, else `invalid_claim` (a string, boolean, `1e300`, a negative
/// number: never a crash, never "never expires"); `exp` must be present unless the issuer
/// sets `require_exp: false`, else `missing_claim`.
struct TimeClaims: Sendable, Equatable {
    /// The largest accepted NumericDate, in seconds (year 5138): larger is a type error.
    static let maxNumericDate = 1e11

    /// `exp`, seconds since the epoch.
    var expiresAt: Double?
    /// `nbf`, seconds since the epoch.
    var notBefore: Double?
    /// `iat`, seconds since the epoch.
    var issuedAt: Double?

    init(expiresAt: Double?, notBefore: Double?, issuedAt: Double?) {
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.issuedAt = issuedAt
    }

    /// Reads and type-checks the time claims of `payload`.
    /// - Throws: ``TokenRejection`` `missing_claim` or `invalid_claim`.
    init(_ payload: [String: JSONValue], requireExp: Bool) throws(TokenRejection) {
        if requireExp && payload["exp"] == nil { throw TokenRejection(.missingClaim, "exp is missing") }
        self.expiresAt = try Self.numericDate("exp", payload["exp"])
        self.notBefore = try Self.numericDate("nbf", payload["nbf"])
        self.issuedAt = try Self.numericDate("iat", payload["iat"])
    }

    /// Judges the instants at `now`, with `skewSeconds` of leeway, in this order:
    /// 1. `now < exp + skew` → else `token_expired`;
    /// 2. `now + skew >= nbf` → else `token_not_yet_valid`;
    /// 3. `iat <= now + skew` → else `token_issued_in_future`;
    /// 4. with `maxLifetimeSeconds`: `exp` present (else `missing_claim`) and
    ///    `exp - iat` (or `exp - now` without `iat`) at most that → else `token_lifetime_too_long`.
    func check(now: Date, skewSeconds: Int, maxLifetimeSeconds: Int?) throws(TokenRejection) {
        let now = now.timeIntervalSince1970
        let skew = Double(skewSeconds)
        if let exp = expiresAt, !(now < exp + skew) {
            throw TokenRejection(.tokenExpired, "token expired at \(Claims.format(exp))")
        }
        if let nbf = notBefore, !(now + skew >= nbf) {
            throw TokenRejection(.tokenNotYetValid, "token is not valid before \(Claims.format(nbf))")
        }
        if let iat = issuedAt, iat > now + skew {
            throw TokenRejection(.tokenIssuedInFuture, "token is issued in the future, at \(Claims.format(iat))")
        }
        if let maxLifetimeSeconds {
            guard let exp = expiresAt else {
                throw TokenRejection(.missingClaim, "exp is missing and the issuer limits token lifetime")
            }
            let lifetime = exp - (issuedAt ?? now)
            if lifetime > Double(maxLifetimeSeconds) {
                throw TokenRejection(
                    .tokenLifetimeTooLong,
                    "token lifetime \(Int(lifetime.rounded(.up))) s exceeds \(maxLifetimeSeconds) s")
            }
        }
    }

    /// A NumericDate (RFC 7519 §2): a JSON number of seconds, here in `0...1e11`; `nil` when absent.
    private static func numericDate(_ name: String, _ value: JSONValue?) throws(TokenRejection) -> Double? {
        guard let value else { return nil }
        guard case .number(let seconds) = value else {
            throw TokenRejection(.invalidClaim, "\(name) is a \(value.typeName), not a number")
        }
        guard seconds.isFinite, (0...maxNumericDate).contains(seconds) else {
            throw TokenRejection(.invalidClaim, "\(name) is not a date between 1970 and year 5138")
        }
        return seconds
    }
}
