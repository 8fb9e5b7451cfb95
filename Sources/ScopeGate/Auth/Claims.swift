import Foundation

/// The registered and scope claims of a JWT access token, checked against the API
/// configuration and an injected `now` (RFC 7519 §4.1, RFC 9068 §4).
///
/// Checks, in order (the first failure wins):
/// 1. `iss` (§4.1.1) is a string equal to `api.issuer` → else `invalid_issuer`.
/// 2. `aud` (§4.1.3) is a string equal to `api.audience`, or an array of strings
///    containing it → else `invalid_audience`.
/// 3. `exp` (§4.1.4) is present → else `missing_claim`; a JSON number (NumericDate,
///    seconds) in `0...1e11` → else `invalid_claim`; `now < exp + skew` → else `token_expired`.
/// 4. `nbf` (§4.1.5), if present: same type rule; `now + skew >= nbf` → else `token_not_yet_valid`.
/// 5. `iat` (§4.1.6), if present: a JSON number → else `invalid_claim`.
/// 6. `sub`, `client_id`, `azp`, if present: strings → else `invalid_claim`.
/// 7. Each of `api.scope_claims`, if present: a string (split on ASCII spaces, empty
///    pieces dropped, RFC 8693 §4.2) or an array of strings → else `invalid_claim`.
struct Claims: Sendable {
    /// The largest accepted NumericDate, in seconds (year 5138): larger is a type error, not "never expires".
    static let maxNumericDate = 1e11

    var issuer: String
    var subject: String?
    var clientID: String?
    var expiresAt: Date
    var scopes: [String]

    /// Checks `payload` against `api` at `now`.
    ///
    /// - Throws: ``TokenRejection`` as listed on ``Claims``.
    init(_ payload: [String: JSONValue], api: APIConfig, now: Date) throws(TokenRejection) {
        guard case .string(let issuer)? = payload["iss"], issuer == api.issuer else {
            throw TokenRejection(.invalidIssuer, payload["iss"] == nil ? "iss is missing" : "iss is not the configured issuer")
        }
        try Self.checkAudience(payload["aud"], expected: api.audience)

        let skew = TimeInterval(api.clockSkewSeconds)
        guard let expValue = payload["exp"] else { throw TokenRejection(.missingClaim, "exp is missing") }
        let exp = try Self.numericDate("exp", expValue)
        guard now.timeIntervalSince1970 < exp + skew else {
            throw TokenRejection(.tokenExpired, "token expired at \(Self.format(exp))")
        }
        if let nbfValue = payload["nbf"] {
            let nbf = try Self.numericDate("nbf", nbfValue)
            guard now.timeIntervalSince1970 + skew >= nbf else {
                throw TokenRejection(.tokenNotYetValid, "token is not valid before \(Self.format(nbf))")
            }
        }
        if let iat = payload["iat"] {
            guard case .number = iat else {
                throw TokenRejection(.invalidClaim, "iat is a \(iat.typeName), not a number")
            }
        }

        self.issuer = issuer
        self.expiresAt = Date(timeIntervalSince1970: exp)
        self.subject = try Self.optionalString("sub", payload)
        let clientID = try Self.optionalString("client_id", payload)
        let authorizedParty = try Self.optionalString("azp", payload)
        self.clientID = clientID ?? authorizedParty
        var scopes = Set<String>()
        for name in api.scopeClaims {
            scopes.formUnion(try Self.scopes(name, payload[name]))
        }
        self.scopes = scopes.sorted()
    }

    private static func checkAudience(_ value: JSONValue?, expected: String) throws(TokenRejection) {
        switch value {
        case .string(let audience)? where audience == expected:
            return
        case .array(let audiences)? where audiences.contains(.string(expected)):
            return
        case nil:
            throw TokenRejection(.invalidAudience, "aud is missing")
        default:
            throw TokenRejection(.invalidAudience, "aud does not contain the configured audience")
        }
    }

    /// A NumericDate (RFC 7519 §2): a JSON number of seconds, here in `0...1e11`.
    private static func numericDate(_ name: String, _ value: JSONValue) throws(TokenRejection) -> TimeInterval {
        guard case .number(let seconds) = value else {
            throw TokenRejection(.invalidClaim, "\(name) is a \(value.typeName), not a number")
        }
        guard seconds.isFinite, (0...maxNumericDate).contains(seconds) else {
            throw TokenRejection(.invalidClaim, "\(name) is not a date between 1970 and year 5138")
        }
        return seconds
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

    private static func scopes(_ name: String, _ value: JSONValue?) throws(TokenRejection) -> [String] {
        switch value {
        case nil:
            return []
        case .string(let text)?:
            return text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        case .array(let elements)?:
            var result: [String] = []
            for element in elements {
                guard case .string(let scope) = element else {
                    throw TokenRejection(.invalidClaim, "\(name) has a \(element.typeName) element, not a string")
                }
                result.append(scope)
            }
            return result
        case let other?:
            throw TokenRejection(.invalidClaim, "\(name) is a \(other.typeName), not a string or an array")
        }
    }

    /// `seconds` since the epoch as `2026-11-29T10:00:00Z`.
    static func format(_ seconds: TimeInterval) -> String {
        Date(timeIntervalSince1970: seconds.rounded(.down)).formatted(.iso8601)
    }
}
