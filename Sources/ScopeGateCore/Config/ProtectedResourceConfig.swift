/// `protected_resource`: what the gateway publishes about the API it protects, as OAuth 2.0
/// Protected Resource Metadata (RFC 9728).
///
/// When set, the main listener answers `GET`/`HEAD` ``ResourceIdentifier/metadataPath`` with the
/// metadata document (``ResourceMetadata``), and every `WWW-Authenticate: Bearer` challenge
/// carries `resource_metadata="<metadata URL>"` (RFC 9728 §5.1), so that a client that got a 401
/// can discover which authorization server issues tokens for the API. `nil` (the default):
/// neither.
///
/// Members left out take defaults from the rest of the configuration (see
/// ``ResourceMetadata/init(config:)``): `authorization_servers` from the issuers' `iss`,
/// `scopes_supported` from `api.scopes` or the routes, `bearer_methods_supported` from `api.token`.
public struct ProtectedResourceConfig: Sendable, Equatable {
    /// `resource`: the resource identifier (RFC 9728 §1.2). Required.
    public var resource: ResourceIdentifier
    /// `resource_name`: a human-readable name of the resource (RFC 9728 §2). Optional.
    public var resourceName: String?
    /// `resource_documentation`: URL of documentation for developers (RFC 9728 §2), an absolute
    /// `http(s)` URL. Optional.
    public var resourceDocumentation: String?
    /// `resource_policy_uri`: URL of the resource's data-use policy (RFC 9728 §2). Optional.
    public var resourcePolicyURI: String?
    /// `resource_tos_uri`: URL of the resource's terms of service (RFC 9728 §2). Optional.
    public var resourceTOSURI: String?
    /// `scopes_supported`: overrides the default list of scopes (RFC 9728 §2), each a scope token
    /// (RFC 6749 §3.3), unique. `nil`: the default.
    public var scopesSupported: [String]?
    /// `authorization_servers`: overrides the default list of authorization server issuer
    /// identifiers (RFC 9728 §2, RFC 8414 §2), each an absolute `http(s)` URL, unique, at least
    /// one. `nil`: the default (every configured issuer's `issuer`).
    public var authorizationServers: [String]?

    public init(resource: ResourceIdentifier, resourceName: String? = nil, resourceDocumentation: String? = nil,
                resourcePolicyURI: String? = nil, resourceTOSURI: String? = nil, scopesSupported: [String]? = nil,
                authorizationServers: [String]? = nil) {
        self.resource = resource
        self.resourceName = resourceName
        self.resourceDocumentation = resourceDocumentation
        self.resourcePolicyURI = resourcePolicyURI
        self.resourceTOSURI = resourceTOSURI
        self.scopesSupported = scopesSupported
        self.authorizationServers = authorizationServers
    }
}
