import Foundation

/// The registered and scope claims of a JWT access token, checked against the token's
/// issuer settings and an injected `now` (RFC 7519 §4.1, RFC 9068 §4).
///
/// Strings compare code point by code point (see `String.isIdentical(to:)`), never by
/// Unicode equivalence. Checks, in order (the first failure wins):
/// 1. `iss` (§4.1.1) is exactly the issuer's `issuer` → else `invalid_issuer` (the issuer
///    was chosen by this very value, so this only guards against misuse).
/// 2. Unless the issuer sets `check_audience: false`: `aud` (§4.1.3) is a string equal to
///    one of the issuer's `audiences`, or an array of strings containing one → else
///    `invalid_audience`.
/// 3. The time claims, see ``TimeClaims`` (types, then instants).
/// 4. `sub` and the client claim (`client_id_claim`; by default `client_id`, else `azp`), if
///    present: strings a header carries exactly as the policy saw them (RFC 9110 §5.5): no
///    control character but an inner HTAB (C0, DEL, C1), no U+2028/U+2029, no white space at
///    either end (a backend reads field values trimmed) → else `invalid_claim`.
/// 5. With `allowed_client_ids`: the client claim is present and one of them → else
///    `client_not_allowed`.
/// 6. Each of `required_claims`, in name order: present → else `missing_claim`; equal to
///    one of its values, or an array containing one → else `invalid_claim`.
/// 7. The issuer's `scope_claims`, see ``ScopeClaims`` → else `invalid_claim`.
struct Claims: Sendable {
    var issuer: String
    var subject: String?
    var clientID: String?
    var times: TimeClaims
    var scopes: [String]
    var scopeSources: [VerifiedToken.ScopeSource]

    /// Checks `payload` against `issuer` at `now`.
    ///
    /// - Throws: ``TokenRejection`` as listed on ``Claims``.
    init(_ payload: [String: JSONValue], issuer config: IssuerConfig, skewSeconds: Int, now: Date) throws(TokenRejection) {
        guard case .string(let issuer)? = payload["iss"], issuer.isIdentical(to: config.issuer) else {
            throw TokenRejection(.invalidIssuer, payload["iss"] == nil ? "iss is missing" : "iss is not a configured issuer")
        }
        if config.checkAudience {
            try Self.checkAudience(payload["aud"], expected: config.audiences)
        }
        let times = try TimeClaims(payload, requireExp: config.requireExp)
        try times.check(now: now, skewSeconds: skewSeconds, maxLifetimeSeconds: config.maxLifetimeSeconds)

        self.issuer = issuer
        self.times = times
        self.subject = try Self.headerSafeString("sub", payload)
        let clientClaim: String
        if let name = config.clientIDClaim {
            clientClaim = name
            self.clientID = try Self.headerSafeString(name, payload)
        } else {
            let clientID = try Self.headerSafeString("client_id", payload)
            let authorizedParty = try Self.headerSafeString("azp", payload)
            clientClaim = clientID == nil && authorizedParty != nil ? "azp" : "client_id"
            self.clientID = clientID ?? authorizedParty
        }
        if let allowed = config.allowedClientIDs {
            guard let clientID else {
                throw TokenRejection(.clientNotAllowed, "\(clientClaim) is missing; this issuer's tokens must name an allowed client")
            }
            guard allowed.containsIdentical(clientID) else {
                throw TokenRejection(.clientNotAllowed, "\(clientClaim) \(TokenRejection.quoted(clientID)) is not an allowed client")
            }
        }
        for required in config.requiredClaims {
            try Self.check(required, in: payload)
        }
        (self.scopes, self.scopeSources) = try ScopeClaims.granted(by: payload, claims: config.scopeClaims)
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

    private static func check(_ required: RequiredClaim, in payload: [String: JSONValue]) throws(TokenRejection) {
        guard let value = try ClaimPath.value(of: required.name, in: payload) else {
            throw TokenRejection(.missingClaim, "\(required.name) is missing (required_claims)")
        }
        func matches(_ element: JSONValue) -> Bool {
            required.values.contains { expected in
                switch (expected, element) {
                case (.string(let a), .string(let b)): return a.isIdentical(to: b)
                case (.number(let a), .number(let b)): return a == b
                case (.bool(let a), .bool(let b)): return a == b
                default: return false
                }
            }
        }
        let holds: Bool
        if case .array(let elements) = value {
            holds = elements.contains(where: matches)
        } else {
            holds = matches(value)
        }
        guard holds else {
            let expected = required.values.map(\.description).joined(separator: " or ")
            throw TokenRejection(.invalidClaim, "\(required.name) is not \(expected) (required_claims)")
        }
    }

    /// A string claim that may go into a request header, or `nil` when absent.
    private static func headerSafeString(_ name: String, _ payload: [String: JSONValue]) throws(TokenRejection)
        -> String?
    {
        switch payload[exactly: name] {
        case nil: return nil
        case .string(let value)?:
            guard !value.unicodeScalars.contains(where: Self.isUnsafeInHeader) else {
                throw TokenRejection(.invalidClaim, "\(name) holds a control character or a line separator")
            }
            guard let first = value.utf8.first, let last = value.utf8.last,
                  first != 0x20, first != 0x09, last != 0x20, last != 0x09 else {
                if value.isEmpty { return value }
                throw TokenRejection(.invalidClaim, "\(name) begins or ends with white space (a backend would read it trimmed)")
            }
            return value
        case let other?: throw TokenRejection(.invalidClaim, "\(name) is a \(other.typeName), not a string")
        }
    }

    /// A control character other than HTAB (C0, DEL, C1: U+0080-U+009F) or a line or paragraph
    /// separator (U+2028, U+2029): a header cannot carry it, or a backend may split on it.
    private static func isUnsafeInHeader(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value < 0x20 && value != 0x09) || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
    }

    /// `seconds` since the epoch as `2026-11-29T10:00:00Z`.
    static func format(_ seconds: TimeInterval) -> String {
        Date(timeIntervalSince1970: seconds.rounded(.down)).formatted(.iso8601)
    }
}
