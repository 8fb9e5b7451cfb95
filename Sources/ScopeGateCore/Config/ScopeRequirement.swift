/// The scopes one method of one route requires: any one of several alternatives, each
/// satisfied when the token grants every scope in it.
///
/// Config forms (`routes[i].methods.<METHOD>`): `["a", "b"]` is one alternative (a and b);
/// `[["a"], ["b", "c"]]` is a, or both b and c; `[]` is any valid token.
public struct ScopeRequirement: Sendable, Equatable {
    /// At least one alternative; an empty alternative means any valid token.
    public let alternatives: [[String]]

    /// One all-of list.
    public init(allOf scopes: [String]) {
        alternatives = [scopes]
    }

    /// Several alternatives (at least one).
    public init(anyOf alternatives: [[String]]) {
        precondition(!alternatives.isEmpty, "a scope requirement needs at least one alternative")
        self.alternatives = alternatives
    }

    /// Whether `granted` (the token's scopes: a handful, so a list, and no set is built on the
    /// request path) satisfies some alternative.
    public func isSatisfied(by granted: [String]) -> Bool {
        alternatives.contains { $0.allSatisfy(granted.containsIdentical) }
    }

    /// The alternative missing the fewest scopes (the first on a tie): what a 403 names in
    /// `WWW-Authenticate: Bearer ... scope="..."` (RFC 6750 §3).
    public func closestAlternative(to granted: Set<String>) -> [String] {
        alternatives.min { lhs, rhs in
            lhs.filter { !granted.contains($0) }.count < rhs.filter { !granted.contains($0) }.count
        } ?? []
    }
}
