import Foundation

/// The OAuth 2.0 Protected Resource Metadata document (RFC 9728 §2) of one configuration,
/// rendered once when the policy is built (a reload builds a new one), never per request.
///
/// Members (RFC 9728 §2 names): `resource` (``ResourceIdentifier/value``); `authorization_servers`
/// (`protected_resource.authorization_servers`, else every `api.issuers[i].issuer` in order);
/// `scopes_supported` (`protected_resource.scopes_supported`, else the `api.scopes` catalog's
/// names in catalog order, else every scope any route requires, sorted and unique);
/// `bearer_methods_supported` (RFC 6750 §2: `"header"` when the token is read from
/// `Authorization`, `"query"` when `api.token.query_parameter` is set; a custom `api.token.header`
/// is no RFC 6750 method, so it adds nothing, and the list may be empty, which §2 allows);
/// `resource_name`, `resource_documentation`, `resource_policy_uri`, `resource_tos_uri` when set.
///
/// Served by the gateway with 200 and ``headers`` for `GET` and `HEAD` of
/// ``ResourceIdentifier/metadataPath`` (``Decision/resourceMetadata(_:)``).
public struct ResourceMetadata: Sendable, Equatable {
    /// The configured resource identifier: the served path and the challenges' URL come from it.
    public let resource: ResourceIdentifier
    /// The JSON document, UTF-8, members sorted by name.
    public let body: String
    /// `Content-Type: application/json`, `Cache-Control: public, max-age=<cacheSeconds>` and
    /// `Access-Control-Allow-Origin: *` (a public document, read by browser clients without
    /// credentials; WHATWG Fetch §3.2.3).
    public let headers: [ResponseHeader]

    /// How long clients and caches may keep the document, in seconds (a reload may change it).
    public static let cacheSeconds = 300

    /// The document of `config`, or `nil` when `protected_resource` is not configured.
    public init?(config: GatewayConfig) {
        guard let settings = config.protectedResource else { return nil }
        var document: [String: Any] = [
            "resource": settings.resource.value,
            "authorization_servers": settings.authorizationServers ?? config.api.issuers.map(\.issuer),
            "scopes_supported": settings.scopesSupported ?? Self.defaultScopes(config),
            "bearer_methods_supported": Self.bearerMethods(config.api.token),
        ]
        let optional: [(String, String?)] = [
            ("resource_name", settings.resourceName), ("resource_documentation", settings.resourceDocumentation),
            ("resource_policy_uri", settings.resourcePolicyURI), ("resource_tos_uri", settings.resourceTOSURI),
        ]
        for case let (name, value?) in optional { document[name] = value }
        // Strings and arrays of strings only: serialisation cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        self.resource = settings.resource
        self.body = String(decoding: data, as: UTF8.self)
        self.headers = [
            ResponseHeader("Content-Type", "application/json"),
            ResponseHeader("Cache-Control", "public, max-age=\(Self.cacheSeconds)"),
            ResponseHeader("Access-Control-Allow-Origin", "*"),
        ]
    }

    /// The `api.scopes` names, else every scope a route requires (sorted, unique).
    static func defaultScopes(_ config: GatewayConfig) -> [String] {
        if let catalog = config.api.scopes { return catalog.map(\.name) }
        var scopes = Set<String>()
        for route in config.routes {
            for rule in route.methods.values {
                guard case .scopes(let requirement) = rule else { continue }
                for alternative in requirement.alternatives { scopes.formUnion(alternative) }
            }
        }
        return scopes.sorted()
    }

    /// RFC 6750 §2 methods the gateway accepts the token by.
    static func bearerMethods(_ token: TokenLocationConfig) -> [String] {
        var methods: [String] = []
        if token.usesBearerScheme { methods.append("header") }
        if token.queryParameter != nil { methods.append("query") }
        return methods
    }
}
