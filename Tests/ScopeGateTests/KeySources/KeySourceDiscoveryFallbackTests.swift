import Foundation
import Testing
@testable import ScopeGateCore


private typealias F = KeySourceFixtures

/// Discovery: OpenID Connect Discovery first, then RFC 8414 authorization server metadata,
/// against a real server on 127.0.0.1 (issue 11).
@Suite("KeySource: discovery falls back to RFC 8414 metadata")
struct KeySourceDiscoveryFallbackTests {
    private static let openID = "/.well-known/openid-configuration"
    private static let oauth = "/.well-known/oauth-authorization-server"

    private static func metadata(issuer: String, jwksURI: String) -> [UInt8] {
        KeySourceRemoteJWKSTests.configuration(issuer: issuer, jwksURI: jwksURI)
    }

    /// An authorization server that publishes only RFC 8414 metadata: the suffix goes
    /// between the host and the issuer's path (§3.1).
    @Test("RFC 8414 metadata only: keys load, the OpenID configuration was asked first", arguments: [
        ("/tenant1", "/.well-known/oauth-authorization-server/tenant1"),
        ("", "/.well-known/oauth-authorization-server"),
        ("/", "/.well-known/oauth-authorization-server"),
        ("/a/b/", "/.well-known/oauth-authorization-server/a/b"),
    ])
    func onlyRFC8414(issuerPath: String, metadataPath: String) async throws {
        try await KeySourceHarness.with { h in
            let issuer = h.server.base + issuerPath
            h.server.serve(metadataPath, .init(body: Self.metadata(issuer: issuer, jwksURI: h.server.url("/keys"))))
            h.server.serveJWKS("/keys", [F.ec1])
            let source = h.source(.discovery(issuer: issuer))
            #expect(await source.refreshNow())
            #expect(source.keyIDs == ["ec-1"])
            let openIDPath = (issuerPath.hasSuffix("/") ? String(issuerPath.dropLast()) : issuerPath) + Self.openID
            #expect(h.server.requestCount(openIDPath) == 1)
            #expect(h.server.requestCount(metadataPath) == 1)
            // The discovered jwks_uri is reused: the next refresh asks for no metadata.
            #expect(await source.refreshNow())
            #expect(h.server.requestCount(openIDPath) == 1)
            #expect(h.server.requestCount(metadataPath) == 1)
            #expect(h.server.requestCount("/keys") == 2)
        }
    }

    @Test("both published: the OpenID configuration is used, RFC 8414 is never asked")
    func openIDFirst() async throws {
        try await KeySourceHarness.with { h in
            let issuer = h.server.base + "/t"
            h.server.serve("/t" + Self.openID, .init(body: Self.metadata(issuer: issuer, jwksURI: h.server.url("/oidc-keys"))))
            h.server.serve(Self.oauth + "/t", .init(body: Self.metadata(issuer: issuer, jwksURI: h.server.url("/oauth-keys"))))
            h.server.serveJWKS("/oidc-keys", [F.ec1])
            h.server.serveJWKS("/oauth-keys", [F.ec2])
            let source = h.source(.discovery(issuer: issuer))
            #expect(await source.refreshNow())
            #expect(source.keyIDs == ["ec-1"])
            #expect(h.server.requestCount(Self.oauth + "/t") == 0)
        }
    }

    /// Unusable, not absent: the document exists but cannot give a `jwks_uri`.
    @Test("an unusable OpenID configuration falls back", arguments: ["not JSON", "no jwks_uri", "no issuer", "HTTP 500"])
    func unusableFallsBack(variant: String) async throws {
        try await KeySourceHarness.with { h in
            let issuer = h.server.base
            let body: [UInt8] = switch variant {
            case "not JSON": Array("<html>login</html>".utf8)
            case "no jwks_uri": Array(try JSONEncoder().encode(["issuer": issuer]))
            case "no issuer": Array(try JSONEncoder().encode(["jwks_uri": h.server.url("/wrong-keys")]))
            default: Array("oops".utf8)
            }
            h.server.serve(Self.openID, .init(status: variant == "HTTP 500" ? 500 : 200, body: body))
            h.server.serve(Self.oauth, .init(body: Self.metadata(issuer: issuer, jwksURI: h.server.url("/keys"))))
            h.server.serveJWKS("/keys", [F.ec1])
            let source = h.source(.discovery(issuer: issuer))
            #expect(await source.refreshNow())
            #expect(source.keyIDs == ["ec-1"])
            #expect(h.server.requestCount("/wrong-keys") == 0)
        }
    }

    /// Fail closed: an OpenID configuration that names another issuer is not skipped in
    /// favour of the RFC 8414 document (which here would give good keys).
    @Test("an OpenID configuration naming another issuer fails closed: RFC 8414 is not asked")
    func mismatchFailsClosed() async throws {
        try await KeySourceHarness.with { h in
            let issuer = h.server.base
            h.server.serve(Self.openID, .init(body: Self.metadata(issuer: "https://evil.example", jwksURI: h.server.url("/evil-keys"))))
            h.server.serve(Self.oauth, .init(body: Self.metadata(issuer: issuer, jwksURI: h.server.url("/keys"))))
            h.server.serveJWKS("/keys", [F.ec1])
            h.server.serveJWKS("/evil-keys", [F.ec2])
            let source = h.source(.discovery(issuer: issuer))
            #expect(await source.refreshNow() == false)
            #expect(source.keySet == nil)
            #expect(h.server.requestCount(Self.oauth) == 0)
            #expect(h.server.requestCount("/keys") == 0)
            #expect(h.server.requestCount("/evil-keys") == 0)
            let line = try #require(h.log.all.last)
            #expect(line.contains("[discovery_issuer_mismatch]") && line.contains(h.server.url(Self.openID)), "\(line)")
        }
    }

    @Test("an OpenID configuration for this issuer with a refused jwks_uri fails closed")
    func refusedJWKSURIFailsClosed() async throws {
        try await KeySourceHarness.with { h in
            let issuer = h.server.base
            h.server.serve(Self.openID, .init(body: Self.metadata(issuer: issuer, jwksURI: "http://keys.example/jwks")))
            h.server.serve(Self.oauth, .init(body: Self.metadata(issuer: issuer, jwksURI: h.server.url("/keys"))))
            h.server.serveJWKS("/keys", [F.ec1])
            let source = h.source(.discovery(issuer: issuer))
            #expect(await source.refreshNow() == false)
            #expect(h.server.requestCount(Self.oauth) == 0)
            #expect(h.log.all.last?.contains("[discovery_jwks_uri_rejected]") == true)
        }
    }

    @Test("the RFC 8414 document must name this issuer too (§3.3); the error names both URLs")
    func rfc8414Mismatch() async throws {
        try await KeySourceHarness.with { h in
            let issuer = h.server.base + "/t"
            h.server.serve(Self.oauth + "/t", .init(body: Self.metadata(issuer: h.server.base, jwksURI: h.server.url("/keys"))))
            h.server.serveJWKS("/keys", [F.ec1])
            let source = h.source(.discovery(issuer: issuer))
            #expect(await source.refreshNow() == false)
            #expect(source.keySet == nil)
            #expect(h.server.requestCount("/keys") == 0)
            let error = try #require(source.statistics.lastError)
            #expect(error.contains(h.server.url("/t" + Self.openID)) && error.contains("HTTP 404"), "\(error)")
            #expect(error.contains(h.server.url(Self.oauth + "/t")) && error.contains("names issuer"), "\(error)")
        }
    }

    @Test("neither document: one failure, its log line names every URL tried")
    func neither() async throws {
        try await KeySourceHarness.with { h in
            let issuer = h.server.base + "/tenant1"
            let source = h.source(.discovery(issuer: issuer))
            #expect(await source.refreshNow() == false)
            #expect(source.statistics.failures == 1)
            let line = try #require(h.log.all.last)
            #expect(line.contains("[discovery_failed]"), "\(line)")
            #expect(line.contains(h.server.url("/tenant1/.well-known/openid-configuration")), "\(line)")
            #expect(line.contains(h.server.url("/.well-known/oauth-authorization-server/tenant1")), "\(line)")
        }
    }

    static let metadataURLs: [(String, String?)] = [
        ("https://as.example/tenant1", "https://as.example/.well-known/oauth-authorization-server/tenant1"),
        ("https://as.example", "https://as.example/.well-known/oauth-authorization-server"),
        ("https://as.example/", "https://as.example/.well-known/oauth-authorization-server"),
        ("https://as.example:8443/a/b/", "https://as.example:8443/.well-known/oauth-authorization-server/a/b"),
        ("http://127.0.0.1:9000/realms/x", "http://127.0.0.1:9000/.well-known/oauth-authorization-server/realms/x"),
        ("https://as.example/t?x=1", nil),
        ("https://as.example/t#f", nil),
        ("https:///t", nil),
        ("as.example/t", nil),
    ]

    @Test("RFC 8414 §3.1 metadata URL: the suffix between host and path", arguments: metadataURLs)
    func metadataURL(issuer: String, expected: String?) {
        #expect(OpenIDDiscovery.authorizationServerMetadataURL(issuer: issuer) == expected)
    }

    static let fallbacks: [(String, RemoteJWKSError, Bool)] = [
        ("404", .httpStatus(url: "u", status: 404), true),
        ("500", .httpStatus(url: "u", status: 500), true),
        ("too large", .bodyTooLarge(url: "u", limit: 1), true),
        ("not JSON", .discoveryInvalid(url: "u", reason: "not a JSON object"), true),
        ("issuer mismatch", .discoveryIssuerMismatch(url: "u", expected: "a", actual: "b"), false),
        ("jwks_uri refused", .jwksURIRejected(url: "u", uri: "http://x"), false),
        ("transport", .transport(url: "u", detail: "refused"), false),
    ]

    @Test("which OpenID configuration failures fall back", arguments: fallbacks)
    func fallsBack(name: String, error: RemoteJWKSError, expected: Bool) {
        #expect(OpenIDDiscovery.fallsBackToAuthorizationServerMetadata(after: error) == expected)
    }
}
