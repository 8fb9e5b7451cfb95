/// A route ready for matching: its prefix, its backend and what each method requires.
public struct Route: Sendable, Equatable {
    /// Normalised path prefix, e.g. `/calendar` (matched on whole segments).
    public let prefix: String
    /// The backend allowed requests go to.
    public let backend: BackendConfig
    /// Method token (e.g. `GET`) to its rule; `*` covers every other method.
    public let methods: [String: MethodRule]
    /// The configured methods, sorted, for the `Allow` header of a 405 (RFC 9110 §10.2.1).
    public let allowedMethods: [String]

    /// The rule for `method`: its own entry, else the `*` entry, else `nil` (405).
    public func rule(for method: String) -> MethodRule? {
        methods[method] ?? methods["*"]
    }

    public init(_ config: RouteConfig, backend: BackendConfig) {
        self.prefix = config.prefix
        self.backend = backend
        self.methods = config.methods
        self.allowedMethods = config.methods.keys.filter { $0 != "*" }.sorted()
    }
}
