import Foundation

/// `import-openapi --merge gateway.json`: an existing config with the imported routes and scope
/// catalog added, printed whole.
///
/// The config is read as plain JSON (it is not validated here: run `scopegate check` on the
/// result); its keys come out sorted. Imported routes are appended after the existing ones; one
/// whose prefix an existing route already has is skipped (the existing route is kept as it is)
/// and reported. `api.scopes` gains the imported scopes it lacks; its own entries are kept. A
/// `--backend` missing from `backends` is reported (`check` refuses the routes until it is added).
public enum GatewayConfigMerge {
    /// Why the config cannot be merged into: not a JSON object, or `routes` / `api` /
    /// `api.scopes` of the wrong type.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The merged config (pretty, sorted keys) and what was not merged as imported.
    public static func merge(_ imported: OpenAPIImport, into bytes: Data, backend: String) throws(Failure) -> (json: String, findings: [ImportFinding]) {
        guard var config = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else {
            throw Failure(description: "not a JSON object")
        }
        var findings: [ImportFinding] = []
        guard var routes = (config["routes"] ?? [Any]()) as? [Any] else { throw Failure(description: "routes: must be an array") }
        let existing = Dictionary(routes.enumerated().compactMap { index, route in
            ((route as? [String: Any])?["prefix"] as? String).map { ($0, index) }
        }, uniquingKeysWith: { first, _ in first })
        for route in imported.routes {
            if let index = existing[route.prefix] {
                findings.append(ImportFinding(location: "routes[\(index)]", message: "already has the prefix \(route.prefix): kept as it is, the imported route (from \(route.sources[0])) skipped"))
                continue
            }
            routes.append(OpenAPIImport.json(route))
        }
        config["routes"] = routes

        guard var api = (config["api"] ?? [String: Any]()) as? [String: Any] else { throw Failure(description: "api: must be an object") }
        guard var catalog = (api["scopes"] ?? [Any]()) as? [Any] else { throw Failure(description: "api.scopes: must be an array") }
        let named = Set(catalog.compactMap { ($0 as? [String: Any])?["name"] as? String })
        for scope in imported.scopes where !named.contains(scope.name) { catalog.append(OpenAPIImport.json(scope)) }
        if !catalog.isEmpty { api["scopes"] = catalog }
        config["api"] = api

        if (config["backends"] as? [String: Any])?[backend] == nil {
            findings.append(ImportFinding(location: "backends", message: "has no \"\(backend)\": add it, or the imported routes name an undefined backend"))
        }
        let data = (try? JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return (String(decoding: data, as: UTF8.self), findings)
    }
}
