import Foundation
import Testing
@testable import ScopeGateCore
import ScopeGateObservability
@testable import ScopeGateServer

private typealias F = AuthFixtures

/// ``ResourceMetadata`` (the RFC 9728 §2 document and its defaults), its place in the access
/// decision (before route matching) and the `resource_metadata` of the challenges.
@Suite("Protected resource metadata")
struct ResourceMetadataTests {
    /// A config whose issuers are `https://issuer.example` and `https://other.example/`, with
    /// `routes` (default: `/` public, `/b` GET `read:b`, POST any-of `write:b` / `admin`).
    static func config(protectedResource: String, api: String = "", routes: String? = nil) throws -> GatewayConfig {
        let routes = routes ?? #"""
            [{"prefix": "/", "backend": "b", "methods": {"GET": "public"}},
             {"prefix": "/b", "backend": "b", "methods": {"GET": ["read:b"], "POST": [["write:b"], ["admin", "read:b"]]}}]
            """#
        let json = #"""
            {"api": {"audience": "\#(F.audience)"\#(api), "issuers": [
                {"issuer": "\#(F.issuer)", "jwks": {"file": "/k.json"}, "algorithms": ["RS256"]},
                {"issuer": "https://other.example/", "jwks": {"file": "/k2.json"}}]},
             "backends": {"b": {"url": "http://127.0.0.1:9102"}},
             "routes": \#(routes),
             "protected_resource": \#(protectedResource)}
            """#
        return try ConfigLoader.decode(Data(json.utf8))
    }

    static func document(_ metadata: ResourceMetadata) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(metadata.body.utf8)) as? [String: Any])
    }

    static func policy(_ config: GatewayConfig) async throws -> AccessPolicy {
        let keySet = try await VerificationKeySet.load(jwks: F.jwks, allowed: [.rs256, .es256])
        let keys = Dictionary(uniqueKeysWithValues: config.api.issuers.map { ($0.issuer, IssuerKeys(source: StaticKeySource(keySet))) })
        return AccessPolicy(config: config, verifier: TokenVerifier(api: config.api, keys: keys, maxTokenBytes: 8192))
    }

    @Test("defaults: the issuers, the scopes routes require (sorted, unique), the header; RFC 9728 §2 names only")
    func defaults() throws {
        let metadata = try #require(ResourceMetadata(config: Self.config(protectedResource: #"{"resource": "https://api.example.com"}"#)))
        let document = try Self.document(metadata)
        #expect(document["resource"] as? String == "https://api.example.com")
        #expect(document["authorization_servers"] as? [String] == [F.issuer, "https://other.example/"])
        #expect(document["scopes_supported"] as? [String] == ["admin", "read:b", "write:b"])
        #expect(document["bearer_methods_supported"] as? [String] == ["header"])
        #expect(Set(document.keys) == ["resource", "authorization_servers", "scopes_supported", "bearer_methods_supported"])
        #expect(metadata.body.hasPrefix(#"{"authorization_servers":["https://issuer.example","https://other.example/"],"#), "\(metadata.body)")
        #expect(metadata.headers == [ResponseHeader("Content-Type", "application/json"),
                                     ResponseHeader("Cache-Control", "public, max-age=300"),
                                     ResponseHeader("Access-Control-Allow-Origin", "*")])
    }

    @Test("the scope catalog, in its order, is the default when given; the query parameter adds \"query\"; a custom header adds nothing")
    func catalogAndTokenLocation() throws {
        let catalog = #", "scopes": [{"name": "write:b"}, {"name": "read:b"}, {"name": "admin"}], "token": {"query_parameter": "access_token"}"#
        let document = try Self.document(try #require(ResourceMetadata(config: Self.config(
            protectedResource: #"{"resource": "https://api.example.com"}"#, api: catalog))))
        #expect(document["scopes_supported"] as? [String] == ["write:b", "read:b", "admin"])
        #expect(document["bearer_methods_supported"] as? [String] == ["header", "query"])
        let custom = try Self.document(try #require(ResourceMetadata(config: Self.config(
            protectedResource: #"{"resource": "https://api.example.com"}"#, api: #", "token": {"header": "X-Access-Token"}"#))))
        #expect(custom["bearer_methods_supported"] as? [String] == [])
    }

    @Test("overrides and the optional members are served as configured")
    func overrides() throws {
        let document = try Self.document(try #require(ResourceMetadata(config: Self.config(protectedResource: #"""
            {"resource": "https://api.example.com/v1", "resource_name": "Kalender-API für Ärzte",
             "resource_documentation": "https://docs.example.com/", "resource_policy_uri": "https://example.com/policy",
             "resource_tos_uri": "https://example.com/tos", "scopes_supported": ["read:b"],
             "authorization_servers": ["https://login.example.com/tenant"]}
            """#))))
        #expect(document["resource"] as? String == "https://api.example.com/v1")
        #expect(document["resource_name"] as? String == "Kalender-API für Ärzte")
        #expect(document["resource_documentation"] as? String == "https://docs.example.com/")
        #expect(document["resource_policy_uri"] as? String == "https://example.com/policy")
        #expect(document["resource_tos_uri"] as? String == "https://example.com/tos")
        #expect(document["scopes_supported"] as? [String] == ["read:b"])
        #expect(document["authorization_servers"] as? [String] == ["https://login.example.com/tenant"])
    }

    @Test("not configured: no document, and the well-known path goes to the routes like any other")
    func notConfigured() async throws {
        var config = try Self.config(protectedResource: "null")
        #expect(ResourceMetadata(config: config) == nil)
        config.protectedResource = nil
        let policy = try await Self.policy(config)
        let decision = policy.decideAtOnce(AccessRequest(method: "GET", target: "/.well-known/oauth-protected-resource", tokenHeaderValues: []), now: F.now)
        guard case .allow(let allowance) = decision else { Issue.record("\(decision)"); return }
        #expect(allowance.route.prefix == "/")
    }

    @Test("GET and HEAD of the metadata path are answered before route matching, though \"/\" covers it")
    func decidedBeforeRoutes() async throws {
        let policy = try await Self.policy(Self.config(protectedResource: #"{"resource": "https://api.example.com/v1"}"#))
        for method in ["GET", "HEAD"] {
            for target in ["/.well-known/oauth-protected-resource/v1", "/.well-known/oauth-protected-resource/v1?x=1",
                           "/.well-known/./oauth-protected-resource/v1"] {
                let decision = policy.decideAtOnce(AccessRequest(method: method, target: target, tokenHeaderValues: []), now: F.now)
                guard case .resourceMetadata(let metadata) = decision else { Issue.record("\(method) \(target): \(decision)"); continue }
                #expect(metadata == policy.resourceMetadata)
                #expect(decision.status == 200)
            }
        }
        // Only the exact path: neighbours, other spellings and the bare well-known path are routes' business.
        for target in ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/v1/x",
                       "/.well-known/oauth-protected-resource/v2", "/.WELL-KNOWN/oauth-protected-resource/v1"] {
            let decision = policy.decideAtOnce(AccessRequest(method: "GET", target: target, tokenHeaderValues: []), now: F.now)
            guard case .allow(let allowance) = decision else { Issue.record("\(target): \(decision)"); continue }
            #expect(allowance.route.prefix == "/")
        }
    }

    @Test("any other method is 405 with Allow: GET, HEAD, never forwarded")
    func otherMethods() async throws {
        let policy = try await Self.policy(Self.config(protectedResource: #"{"resource": "https://api.example.com"}"#))
        for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
            let decision = policy.decideAtOnce(AccessRequest(method: method, target: "/.well-known/oauth-protected-resource", tokenHeaderValues: []), now: F.now)
            guard case .deny(let denial) = decision else { Issue.record("\(method): \(decision)"); continue }
            #expect(denial.status == 405)
            #expect(denial.reason == .methodNotAllowed)
            #expect(denial.allowedMethods == ["GET", "HEAD"])
            #expect(denial.route == nil)
            #expect(!denial.challenges)
        }
    }

    @Test("scopegate explain's report shows the document, in text and JSON")
    func explainReport() async throws {
        let policy = try await Self.policy(Self.config(protectedResource: #"{"resource": "https://api.example.com/v1"}"#))
        let path = "/.well-known/oauth-protected-resource/v1"
        let report = DecisionReport(method: "GET", target: path,
                                    decision: policy.decideAtOnce(AccessRequest(method: "GET", target: path, tokenHeaderValues: []), now: F.now))
        #expect(report.text.hasPrefix("METADATA 200 \(path): the protected resource metadata (RFC 9728)"), "\(report.text)")
        #expect(report.text.contains(#""resource":"https://api.example.com/v1""#), "\(report.text)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(json["status"] as? Int == 200)
        #expect(json["allowed"] as? Bool == true)
        #expect(json["resource_metadata"] as? String == policy.resourceMetadata?.body)
    }

    @Test("every Bearer challenge ends with resource_metadata, after realm, error, error_description and scope")
    func challenges() throws {
        let url = try ResourceIdentifier.parse("https://api.example.com/v1").get().metadataURL
        func challenge(_ denial: Denial, url: String?) -> String? {
            DenialResponse(denial, realm: "cal", resourceMetadataURL: url).headers.first { $0.name == "WWW-Authenticate" }?.value
        }
        let missing = Denial(status: 401, reason: .missingToken, description: "a bearer token is required", challenges: true)
        #expect(challenge(missing, url: url) == #"Bearer realm="cal", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v1""#)
        #expect(challenge(missing, url: nil) == #"Bearer realm="cal""#)
        let scope = Denial(status: 403, reason: .insufficientScope, description: "x", requiredScopes: ["read:b", "admin"],
                           bearerError: "insufficient_scope", challenges: true)
        #expect(challenge(scope, url: url)
                == #"Bearer realm="cal", error="insufficient_scope", error_description="insufficient_scope", scope="read:b admin", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v1""#)
        let malformed = Denial(status: 400, reason: .invalidAuthorizationHeader, description: "x", bearerError: "invalid_request", challenges: true)
        #expect(challenge(malformed, url: url)
                == #"Bearer realm="cal", error="invalid_request", error_description="invalid_authorization_header", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v1""#)
        let notFound = Denial(status: 404, reason: .routeNotFound, description: "no route")
        #expect(challenge(notFound, url: url) == nil, "no challenge, so no resource_metadata, where none was sent before")
    }
}
