import OpenAPIKit
import ScopeGateCore

/// An OpenAPI document as `gateway.json` routes and an `api.scopes` catalog, with a report of
/// everything it did not map as the document says (`scopegate import-openapi`).
///
/// Each path becomes one route: `prefix` = base path + path (whole-segment templates kept, see
/// ``RoutePrefixTemplate``), `backend` = the given name, `methods` = each operation's method ->
/// its rule (``SecurityRequirementMapping``): the operation's `security`, else the document's;
/// `security: []` (or no requirement anywhere) is `"public"`. Nothing it prints is less strict than
/// the document: what it cannot express is dropped (an alternative), skipped (an operation: the
/// gateway answers 405; a path) and reported. Two paths with one prefix (`/a`, `/a/`) are merged;
/// so are two that differ only in variable names (`/a/{x}`, `/a/{y}`, one route to the gateway);
/// a method they give different rules is dropped (405).
public enum OpenAPIImporter {
    /// Routes for `document` on `backend`, under `basePath` (`nil`: the path of the document's
    /// first server URL; `""`: none). Throws ``OpenAPIImportError/invalidDocument(_:)`` when
    /// `basePath` or the server URL's path cannot be a prefix.
    public static func routes(from document: OpenAPI.Document, backend: String,
                              basePath override: String? = nil) throws(OpenAPIImportError) -> OpenAPIImport {
        var findings: [ImportFinding] = []
        let basePath: String
        switch override.map(ServerBasePath.normalised) ?? document.servers.first.map(ServerBasePath.of) ?? .success("") {
        case .success(let path): basePath = path
        case .failure(let problem):
            throw .invalidDocument(override == nil ? "servers[0].url: its path \(problem.message); give --base-path" : "--base-path: \(problem.message)")
        }
        let security = SecurityRequirementMapping(components: document.components)
        var routes: [String: ImportedRoute] = [:]
        var conflicted: Set<String> = []
        var skipped: [(path: String, location: String)] = []

        // By path, not as decoded: JSON objects come back in no fixed order, and the output must be stable.
        for (path, item) in document.paths.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let location = "paths.\(path.rawValue)"
            guard let pathItem = try? document.components.lookup(item) else {
                findings.append(ImportFinding(location: location, message: "its $ref does not resolve to a path item: path skipped"))
                skipped.append((path.rawValue, location))
                continue
            }
            if let servers = pathItem.servers, !servers.isEmpty {
                findings.append(ImportFinding(location: "\(location).servers", message: "path-level servers ignored: the route is under the base path \"\(basePath)\""))
            }
            let prefix: String
            switch RoutePrefixTemplate.prefix(basePath: basePath, path: path.rawValue) {
            case .success(let value): prefix = value
            case .failure(let problem):
                findings.append(ImportFinding(location: location, message: "path skipped: \(problem.message)"))
                skipped.append((path.rawValue, location))
                continue
            }
            var methods: [String: ImportedMethodRule] = [:]
            for endpoint in pathItem.endpoints {
                let method = endpoint.method.rawValue.uppercased()
                let operationLocation = "\(location).\(endpoint.method.rawValue.lowercased())"
                let subject = "\(method) \(path.rawValue)"
                guard RouteConfig.isMethodToken(method) else {
                    findings.append(ImportFinding(location: operationLocation, message: "\"\(method)\" is not an HTTP method token: operation skipped"))
                    continue
                }
                let operation = endpoint.operation
                if let servers = operation.servers, !servers.isEmpty {
                    findings.append(ImportFinding(location: "\(operationLocation).servers", message: "operation-level servers ignored: the route is under the base path \"\(basePath)\""))
                }
                let rule: ImportedMethodRule?
                if let requirements = operation.security {
                    rule = requirements.isEmpty ? .public
                        : security.rule(requirements, at: "\(operationLocation).security", subject: subject, findings: &findings)
                } else if !document.security.isEmpty {
                    rule = security.rule(document.security, at: "security", subject: subject, findings: &findings)
                } else {
                    findings.append(ImportFinding(location: operationLocation, message: "\(subject): no security requirement (none on the operation, none in the document): mapped as \"public\""))
                    rule = .public
                }
                if let rule { methods[method] = rule }
            }
            if methods.isEmpty {
                findings.append(ImportFinding(location: location, message: "no operation could be mapped: no route for this path (the gateway answers 404, unless another route covers it)"))
                skipped.append((path.rawValue, location))
                continue
            }
            // Keyed by shape: /a/{x} and /a/{y} are one route to the gateway (which refuses both).
            let key = PathTemplate(prefix).shape
            guard var route = routes[key] else {
                routes[key] = ImportedRoute(prefix: prefix, backend: backend, methods: methods, sources: [path.rawValue])
                continue
            }
            let merged = route.prefix
            route.sources.append(path.rawValue)
            for (method, rule) in methods.sorted(by: { $0.key < $1.key }) {
                let conflict = "\(merged) \(method)"
                if conflicted.contains(conflict) { continue }
                if let existing = route.methods[method], existing != rule {
                    route.methods[method] = nil
                    conflicted.insert(conflict)
                    findings.append(ImportFinding(location: "\(location).\(method.lowercased())", message: "\(path.rawValue) and \(route.sources[0]) are both the prefix \(merged) and give \(method) different rules: \(method) dropped (the gateway answers 405)"))
                } else {
                    route.methods[method] = rule
                }
            }
            if route.methods.isEmpty {
                routes[key] = nil
                findings.append(ImportFinding(location: location, message: "no method of the prefix \(merged) is left: no route"))
            } else {
                routes[key] = route
            }
        }

        let sorted = routes.values.sorted { $0.prefix < $1.prefix }
        let templates = sorted.map { PathTemplate($0.prefix) }
        for (path, location) in skipped {
            if let enclosing = enclosingRoute(of: basePath + path, in: sorted, templates: templates) {
                findings.append(ImportFinding(location: location, message: "requests to \(path) fall under the route \(enclosing.prefix) (from \(enclosing.sources[0])), which decides them with its own rules: check them, or add a route for this path by hand"))
            }
        }
        let scopes = catalog(document, findings: &findings)
        // Sorted by location (stable: one location's findings keep their order).
        let ordered = findings.enumerated().sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }.map(\.element)
        return OpenAPIImport(routes: sorted, scopes: scopes, findings: ordered)
    }

    /// Every scope of the OAuth2 schemes' flows, sorted by name; the first description wins.
    private static func catalog(_ document: OpenAPI.Document, findings: inout [ImportFinding]) -> [ImportedScope] {
        var scopes: [String: String] = [:]
        for (name, entry) in document.components.securitySchemes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let location = "components.securitySchemes.\(name.rawValue)"
            guard let scheme = try? document.components.lookup(entry) else {
                findings.append(ImportFinding(location: location, message: "its $ref does not resolve: its scopes are not in api.scopes"))
                continue
            }
            guard case .oauth2(let flows, _) = scheme.type else { continue }
            let maps = [flows.implicit?.scopes, flows.password?.scopes, flows.clientCredentials?.scopes,
                        flows.authorizationCode?.scopes, flows.deviceAuthorization?.scopes].compactMap { $0 }
            for map in maps {
                for (scope, description) in map {
                    guard SecurityRequirementMapping.isScopeToken(scope) else {
                        findings.append(ImportFinding(location: "\(location).flows", message: "the scope \"\(scope)\" is not a scope token (RFC 6749 §3.3): not in api.scopes"))
                        continue
                    }
                    if scopes[scope] == nil { scopes[scope] = description }
                }
            }
        }
        return scopes.keys.sorted().map { ImportedScope(name: $0, description: scopes[$0] ?? "") }
    }

    /// The most specific route that can decide requests for the skipped `path`: a route's
    /// variable matches any segment; its literal matches the same literal, or a segment of `path`
    /// that holds a template (`{id}`, `{name}.json`: some request puts that literal there).
    /// `templates` are `routes`' prefixes, read once.
    private static func enclosingRoute(of path: String, in routes: [ImportedRoute], templates: [PathTemplate]) -> ImportedRoute? {
        let segments = path.split(separator: "/")
        var best: (route: ImportedRoute, template: PathTemplate)? = nil
        for (route, template) in zip(routes, templates) {
            guard template.segments.count <= segments.count else { continue }
            let catches = zip(template.segments, segments).allSatisfy { pair in
                switch pair.0 {
                case .variable: true
                case .literal(let text): pair.1 == text || pair.1.contains("{")
                }
            }
            guard catches else { continue }
            if best.map({ !$0.template.takesPrecedence(over: template) }) ?? true {
                best = (route, template)
            }
        }
        return best?.route
    }

}
