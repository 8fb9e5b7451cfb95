/// One method's rule in an imported route, in the shape `gateway.json` writes it
/// (`routes[i].methods.<METHOD>`): `"public"`, or scopes.
public enum ImportedMethodRule: Sendable, Equatable {
    /// No credentials needed: the document's `security: []`, an empty requirement `{}` among
    /// the alternatives, or no security requirement at all.
    case `public`
    /// Any of the alternatives, each all-of its scopes (sorted, no duplicates). One empty
    /// alternative means any valid token and is then the only one (`[]` in `gateway.json`).
    case scopes([[String]])

    /// The JSON value: `"public"`, `["a", "b"]` for one alternative, `[["a"], ["b", "c"]]` for several.
    var json: Any {
        switch self {
        case .public: "public"
        case .scopes(let alternatives) where alternatives.count == 1: alternatives[0]
        case .scopes(let alternatives): alternatives
        }
    }
}
