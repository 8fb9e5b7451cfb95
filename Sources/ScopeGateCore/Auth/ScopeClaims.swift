/// The scopes an access token grants: the union of the issuer's `scope_claims`.
///
/// Each claim's value may be a string of space-separated scopes (RFC 8693 §4.2 `scope`,
/// Azure's `scp`) or an array of strings (Auth0's `permissions`, Okta's `scp`, Azure's
/// `roles`, Keycloak's `roles`). A dotted name walks into nested objects when the payload
/// has no top-level member with that exact name (so namespaced claims such as
/// `https://example.com/roles` still work): `realm_access.roles`,
/// `resource_access.my-api.roles`. A missing claim, or a missing step of a path, grants
/// nothing. Claim names match code point by code point (`Dictionary[exactly:]`).
///
/// Only RFC 6749 §3.3 scope-tokens are scopes: `1*( %x21 / %x23-5B / %x5D-7E )`, the same
/// syntax `gateway.json` requires of a route's scopes. A string splits at SP (bytes, not
/// grapheme clusters); any piece, or array element, that is not a scope-token (a space
/// inside an array element, a tab, a control character, a quote, a backslash, any
/// non-ASCII letter such as U+212A KELVIN SIGN for `K`) grants nothing and is not passed on
/// in the scope claim header: so the scopes the policy decided on and the space-separated
/// list a backend splits are the same, and no Unicode equivalence makes one scope another.
enum ScopeClaims {
    /// The granted scopes, sorted, without duplicates, and which claim granted which.
    /// - Throws: ``TokenRejection`` `invalid_claim` when a value has another type, or a
    ///   step of a path is not an object.
    static func granted(by payload: [String: JSONValue], claims: [String]) throws(TokenRejection)
        -> (scopes: [String], sources: [VerifiedToken.ScopeSource])
    {
        var scopes = Set<String>()
        var sources: [VerifiedToken.ScopeSource] = []
        for name in claims {
            guard let value = try ClaimPath.value(of: name, in: payload) else { continue }
            var fromClaim = Set<String>()
            try collect(value, claim: name, into: &fromClaim)
            scopes.formUnion(fromClaim)
            sources.append(.init(claim: name, scopes: fromClaim.sorted()))
        }
        return (scopes.sorted(), sources)
    }

    private static func collect(_ value: JSONValue, claim: String, into scopes: inout Set<String>) throws(TokenRejection) {
        switch value {
        case .string(let text):
            for piece in text.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
            where ScopeToken.isValid(piece) {
                scopes.insert(String(decoding: piece, as: UTF8.self))
            }
        case .array(let elements):
            for element in elements {
                guard case .string(let scope) = element else {
                    throw TokenRejection(.invalidClaim, "\(claim) has a \(element.typeName) element, not a string")
                }
                if ScopeToken.isValid(scope.utf8) { scopes.insert(scope) }
            }
        default:
            throw TokenRejection(.invalidClaim, "\(claim) is a \(value.typeName), not a string or an array")
        }
    }
}
