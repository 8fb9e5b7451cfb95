import Foundation

/// What ``OpenAPIImporter`` made of a document: the routes (sorted by prefix), the scope catalog
/// (sorted by name) and the findings (sorted by their location in the document).
public struct OpenAPIImport: Sendable {
    public let routes: [ImportedRoute]
    public let scopes: [ImportedScope]
    public let findings: [ImportFinding]

    /// `{"api": {"scopes": [{"name", "description"}]}, "routes": [{"backend", "methods", "prefix"}]}`,
    /// pretty-printed with sorted keys (`api` is left out when the catalog is empty): the
    /// `gateway.json` fragment `import-openapi` prints.
    public var json: String {
        var object: [String: Any] = ["routes": routes.map(Self.json)]
        if !scopes.isEmpty {
            object["api"] = ["scopes": scopes.map(Self.json)]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// One route as `gateway.json` writes it.
    static func json(_ route: ImportedRoute) -> [String: Any] {
        ["prefix": route.prefix, "backend": route.backend, "methods": route.methods.mapValues(\.json)]
    }

    /// One `api.scopes` entry (no `description` when the document gives none).
    static func json(_ scope: ImportedScope) -> [String: Any] {
        scope.description.isEmpty ? ["name": scope.name] : ["name": scope.name, "description": scope.description]
    }
}
