/// Finds a claim in a JWT payload by the name a config gives (`scope_claims`, `required_claims`).
///
/// A name is first looked up as one top-level member, exactly (code point by code point), so
/// namespaced claims such as `https://example.com/roles` work. Only when no top-level member
/// has that name does a dotted name walk into nested objects: `realm_access.roles`,
/// `resource_access.my-api.roles`.
enum ClaimPath {
    /// The claim's value; `nil` when it, or a step of its path, is missing.
    /// - Throws: ``TokenRejection`` `invalid_claim` when a step of a path is not an object.
    static func value(of claim: String, in payload: [String: JSONValue]) throws(TokenRejection) -> JSONValue? {
        if let value = payload[exactly: claim] { return value }
        guard claim.utf8.contains(UInt8(ascii: ".")) else { return nil }   // not Foundation's substring search
        var members = payload
        let segments = claim.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for (depth, segment) in segments.enumerated() {
            guard let next = members[exactly: segment] else { return nil }
            if depth == segments.count - 1 { return next }
            guard case .object(let inner) = next else {
                let prefix = segments[...depth].joined(separator: ".")
                throw TokenRejection(.invalidClaim, "\(prefix) is a \(next.typeName), not an object")
            }
            members = inner
        }
        return nil
    }
}
