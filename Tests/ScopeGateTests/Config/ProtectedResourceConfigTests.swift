import Foundation
import Testing
@testable import ScopeGateCore

/// `protected_resource` (RFC 9728): what decodes, and every problem with its JSON path.
@Suite("protected_resource decoding")
struct ProtectedResourceConfigTests {
    static let base = #""api": {"issuer": "https://issuer.example/", "audience": "https://api", "jwks": {"file": "/k.json"}}, "backends": {"b": {"url": "http://127.0.0.1:9102"}}, "routes": [{"prefix": "/b", "backend": "b", "methods": {"GET": ["read:b"]}}]"#

    static func decode(_ extra: String) throws -> GatewayConfig {
        try ConfigLoader.decode(Data("{\(base)\(extra)}".utf8))
    }

    static func problems(_ extra: String) -> [String] {
        do {
            _ = try decode(extra)
            return []
        } catch let error as ConfigError {
            return error.problems.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test("absent or null: none; every member decodes")
    func decodesEveryMember() throws {
        #expect(try Self.decode("").protectedResource == nil)
        #expect(try Self.decode(#", "protected_resource": null"#).protectedResource == nil)
        let config = try Self.decode(#"""
            , "protected_resource": {"resource": "https://api.example.com/v1", "resource_name": "Calendar API",
              "resource_documentation": "https://docs.example.com/api", "resource_policy_uri": "https://example.com/privacy",
              "resource_tos_uri": "https://example.com/tos", "scopes_supported": ["read:b", "write:b"],
              "authorization_servers": ["https://login.example.com", "https://issuer.example/"]}
            """#)
        let resource = try #require(config.protectedResource)
        #expect(resource.resource.value == "https://api.example.com/v1")
        #expect(resource.resource.metadataPath == "/.well-known/oauth-protected-resource/v1")
        #expect(resource.resource.metadataURL == "https://api.example.com/.well-known/oauth-protected-resource/v1")
        #expect(resource.resourceName == "Calendar API")
        #expect(resource.resourceDocumentation == "https://docs.example.com/api")
        #expect(resource.resourcePolicyURI == "https://example.com/privacy")
        #expect(resource.resourceTOSURI == "https://example.com/tos")
        #expect(resource.scopesSupported == ["read:b", "write:b"])
        #expect(resource.authorizationServers == ["https://login.example.com", "https://issuer.example/"])
        #expect(try Self.decode(#", "protected_resource": {"resource": "https://api.example.com", "scopes_supported": []}"#)
            .protectedResource?.scopesSupported == [])
    }

    @Test("the well-known path goes between the host and the path (RFC 9728 §3.1)", arguments: [
        ("https://api.example.com", "https://api.example.com/.well-known/oauth-protected-resource"),
        ("https://api.example.com/", "https://api.example.com/.well-known/oauth-protected-resource"),
        ("https://api.example.com:8443/v1", "https://api.example.com:8443/.well-known/oauth-protected-resource/v1"),
        ("https://api.example.com/v1/tenants/", "https://api.example.com/.well-known/oauth-protected-resource/v1/tenants/"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/.well-known/oauth-protected-resource"),
        ("http://localhost/mcp", "http://localhost/.well-known/oauth-protected-resource/mcp"),
        ("http://[::1]:9000", "http://[::1]:9000/.well-known/oauth-protected-resource"),
        ("https://[2001:db8::1]/x", "https://[2001:db8::1]/.well-known/oauth-protected-resource/x"),
    ])
    func metadataURL(resource: String, url: String) throws {
        let parsed = try ResourceIdentifier.parse(resource).get()
        #expect(parsed.metadataURL == url)
        #expect(parsed.value == resource)
    }

    @Test("each mistake is reported at its JSON path", arguments: [
        (#""protected_resource": []"#, "protected_resource: must be an object"),
        (#""protected_resource": {}"#, "protected_resource.resource: is required"),
        (#""protected_resource": {"resource": "https://a.example", "name": "x"}"#, "protected_resource.name: unknown key"),
        (#""protected_resource": {"resource": 7}"#, "protected_resource.resource: must be a string"),
        (#""protected_resource": {"resource": ""}"#, "protected_resource.resource: must not be empty"),
        (#""protected_resource": {"resource": "api.example.com"}"#, "protected_resource.resource: \"api.example.com\" must be an absolute https URL"),
        (#""protected_resource": {"resource": "HTTPS://api.example.com"}"#, "must be an absolute https URL (lower-case scheme)"),
        (#""protected_resource": {"resource": "ftp://api.example.com"}"#, "must be an absolute https URL"),
        (#""protected_resource": {"resource": "http://api.example.com"}"#, "uses http: only https is allowed (RFC 9728 §1.2), except for a loopback host"),
        (#""protected_resource": {"resource": "http://127.0.0.1.example.com"}"#, "uses http: only https is allowed"),
        (#""protected_resource": {"resource": "http://128.0.0.1"}"#, "uses http: only https is allowed"),
        (#""protected_resource": {"resource": "https://api.example.com/v1#top"}"#, "must not have a fragment (RFC 9728 §1.2)"),
        (#""protected_resource": {"resource": "https://api.example.com/v1?tenant=a"}"#, "must not have a query"),
        (#""protected_resource": {"resource": "https://user@api.example.com"}"#, "must not carry userinfo"),
        (#""protected_resource": {"resource": "https://"}"#, "has no host"),
        (#""protected_resource": {"resource": "https:///v1"}"#, "has no host"),
        (#""protected_resource": {"resource": "https://api.example.com:0"}"#, "has a port that is not a number from 1 to 65535"),
        (#""protected_resource": {"resource": "https://api.example.com:99999"}"#, "has a port that is not a number from 1 to 65535"),
        (#""protected_resource": {"resource": "https://api.example.com:"}"#, "has a port that is not a number"),
        (#""protected_resource": {"resource": "https://[::1"}"#, "has an unclosed \"[\""),
        (#""protected_resource": {"resource": "https://api.example.com/a b"}"#, "contains a character that is not allowed in a URL"),
        (#""protected_resource": {"resource": "https://api.example.com/\"x"}"#, "contains a character that is not allowed in a URL"),
        (#""protected_resource": {"resource": "https://api.example.com/a//b"}"#, "has a path that is not in normal form"),
        (#""protected_resource": {"resource": "https://api.example.com/a/../b"}"#, "has a dot segment"),
        (#""protected_resource": {"resource": "https://api.example.com/%7Ev1"}"#, "has a path that is not in normal form"),
        (#""protected_resource": {"resource": "https://a.example", "resource_name": ""}"#, "protected_resource.resource_name: must not be empty"),
        (#""protected_resource": {"resource": "https://a.example", "resource_documentation": "docs.example.com"}"#,
         "protected_resource.resource_documentation: \"docs.example.com\" must be an absolute http or https URL"),
        (#""protected_resource": {"resource": "https://a.example", "resource_policy_uri": "https://example.com/a b"}"#,
         "protected_resource.resource_policy_uri: \"https://example.com/a b\" must be printable ASCII"),
        (#""protected_resource": {"resource": "https://a.example", "resource_tos_uri": "https:///tos"}"#,
         "protected_resource.resource_tos_uri: \"https:///tos\" has no host"),
        (#""protected_resource": {"resource": "https://a.example", "scopes_supported": "read:b"}"#,
         "protected_resource.scopes_supported: must be an array of strings"),
        (#""protected_resource": {"resource": "https://a.example", "scopes_supported": ["read b"]}"#,
         "protected_resource.scopes_supported[0]: \"read b\" is not a scope token"),
        (#""protected_resource": {"resource": "https://a.example", "scopes_supported": ["a", "a"]}"#,
         "protected_resource.scopes_supported[1]: \"a\" is already protected_resource.scopes_supported[0]"),
        (#""protected_resource": {"resource": "https://a.example", "scopes_supported": [3]}"#,
         "protected_resource.scopes_supported[0]: must be a non-empty string"),
        (#""protected_resource": {"resource": "https://a.example", "authorization_servers": []}"#,
         "protected_resource.authorization_servers: must list at least one authorization server"),
        (#""protected_resource": {"resource": "https://a.example", "authorization_servers": ["issuer.example"]}"#,
         "protected_resource.authorization_servers[0]: \"issuer.example\" must be an absolute http or https URL"),
        (#""protected_resource": {"resource": "https://a.example", "authorization_servers": ["https://i.example", "https://i.example"]}"#,
         "protected_resource.authorization_servers[1]: \"https://i.example\" is already protected_resource.authorization_servers[0]"),
        (#""protected_resource": {"resource": "https://a.example"}, "listen": {"health_path": "/.well-known/oauth-protected-resource"}"#,
         "listen.health_path: \"/.well-known/oauth-protected-resource\" is the protected resource metadata path"),
    ])
    func mistakes(extra: String, expected: String) {
        let found = Self.problems(", " + extra)
        #expect(found.contains { $0.contains(expected) }, "\(found)")
        #expect(found.count == 1, "\(found)")
    }

    @Test("a problem elsewhere in the section is reported beside a bad resource")
    func allProblemsAtOnce() {
        let found = Self.problems(#", "protected_resource": {"resource": "http://api.example.com", "scopes_supported": ["a a"], "resource_tos_uri": "x"}"#)
        #expect(found.count == 3, "\(found)")
        #expect(found.contains { $0.hasPrefix("protected_resource.resource:") })
        #expect(found.contains { $0.hasPrefix("protected_resource.scopes_supported[0]:") })
        #expect(found.contains { $0.hasPrefix("protected_resource.resource_tos_uri:") })
    }
}
