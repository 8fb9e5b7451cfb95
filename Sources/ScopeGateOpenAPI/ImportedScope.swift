/// One entry of the `api.scopes` catalog `import-openapi` prints: a scope of an OAuth2 flow's
/// `scopes` map (OpenAPI 3.1 §4.8.29), with its description.
public struct ImportedScope: Sendable, Equatable {
    public let name: String
    public let description: String

    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }
}
