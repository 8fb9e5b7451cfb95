/// One route `import-openapi` prints: an OpenAPI path under the server base path, the
/// backend, and each mapped operation's rule.
public struct ImportedRoute: Sendable, Equatable {
    /// `routes[i].prefix`: base path + the OpenAPI path, whole-segment templates (`{id}`) kept.
    public let prefix: String
    /// `routes[i].backend`: the `--backend` name.
    public let backend: String
    /// `routes[i].methods`: upper-case method -> rule. Never empty.
    public var methods: [String: ImportedMethodRule]
    /// The OpenAPI paths this route comes from (two paths such as `/a` and `/a/` give one prefix).
    public var sources: [String]
}
