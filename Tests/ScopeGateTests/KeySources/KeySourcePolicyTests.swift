import Foundation
import Testing
@testable import ScopeGateCore


@Suite("KeySource: JWKSRefreshPolicy and Cache-Control")
struct KeySourcePolicyTests {
    /// (Cache-Control value, seconds) for the default policy: minimum 60, maximum 3600, default 600.
    static let intervals: [(String?, Int)] = [
        ("max-age=0", 60),
        ("max-age=30", 60),
        ("max-age=600", 600),
        ("max-age=99999", 3600),
        ("max-age=99999999999999999999999", 3600),
        ("no-store", 600),
        ("no-cache", 600),
        ("max-age=1200, no-store", 600),
        ("no-cache, max-age=1200", 600),
        ("garbage", 600),
        ("max-age=abc", 600),
        ("max-age=-5", 600),
        ("max-age=", 600),
        ("max-age = 900", 900),
        ("", 600),
        (nil, 600),
        ("max-age=\"120\"", 120),
        ("public, max-age=900, must-revalidate", 900),
        ("PUBLIC, Max-Age=900", 900),
        ("max-age=900, max-age=60", 900),
        ("no-cache=\"set-cookie, max-age=5\", max-age=900", 900),
        (",,max-age=900,,", 900),
    ]

    @Test("refresh interval by Cache-Control", arguments: intervals)
    func interval(cacheControl: String?, expected: Int) {
        #expect(JWKSRefreshPolicy().refreshInterval(cacheControl: cacheControl) == expected)
    }

    @Test("defaults: 60 / 3600 / 600, cooldown 30, retry 10")
    func defaults() {
        let policy = JWKSRefreshPolicy()
        #expect(policy.minimumSeconds == 60)
        #expect(policy.maximumSeconds == 3600)
        #expect(policy.defaultSeconds == 600)
        #expect(policy.refetchCooldownSeconds == 30)
        #expect(policy.retrySeconds == 10)
        #expect(policy.retryInterval == 10)
    }

    @Test("inconsistent bounds: the minimum wins, intervals are at least 1 s")
    func normalised() {
        let inverted = JWKSRefreshPolicy(minimumSeconds: 100, maximumSeconds: 50, defaultSeconds: 10)
        #expect(inverted.refreshInterval(cacheControl: nil) == 100)
        #expect(inverted.refreshInterval(cacheControl: "max-age=9999") == 100)
        let zero = JWKSRefreshPolicy(minimumSeconds: 0, maximumSeconds: 0, defaultSeconds: 0, retrySeconds: 0)
        #expect(zero.refreshInterval(cacheControl: "max-age=0") == 1)
        #expect(zero.retryInterval == 1)
        #expect(JWKSRefreshPolicy(minimumSeconds: 1, maximumSeconds: 5, retrySeconds: 60).retryInterval == 5)
        #expect(JWKSRefreshPolicy(maximumSeconds: 5, retrySeconds: 600).retryInterval == 60)
        #expect(JWKSRefreshPolicy(refetchCooldownSeconds: -3).refetchCooldown == 0)
    }

    @Test("Cache-Control directives")
    func directives() {
        #expect(CacheControl(parsing: "no-store, max-age=5") == CacheControl(maxAge: 5, noStore: true))
        #expect(CacheControl(parsing: "No-Cache") == CacheControl(noCache: true))
        #expect(CacheControl(parsing: "no-cache=\"Set-Cookie\"") == CacheControl())
        #expect(CacheControl(parsing: "s-maxage=5") == CacheControl())
        #expect(CacheControl(parsing: "max-age=0010") == CacheControl(maxAge: 10))
        #expect(CacheControl(parsing: "max-age=1e3") == CacheControl())
        #expect(CacheControl(parsing: nil) == CacheControl())
    }
}

@Suite("KeySource: OpenID Connect Discovery documents")
struct KeySourceDiscoveryDocumentTests {
    @Test("configuration URL: trailing slashes removed, then /.well-known/openid-configuration")
    func configurationURL() {
        #expect(OpenIDDiscovery.configurationURL(issuer: "https://id.example") == "https://id.example/.well-known/openid-configuration")
        #expect(OpenIDDiscovery.configurationURL(issuer: "https://id.example/") == "https://id.example/.well-known/openid-configuration")
        #expect(OpenIDDiscovery.configurationURL(issuer: "https://id.example/tenant/") == "https://id.example/tenant/.well-known/openid-configuration")
    }

    static let uris: [(String, Bool)] = [
        ("https://id.example/keys", true),
        ("HTTPS://id.example/keys", true),
        ("http://127.0.0.1:8080/keys", true),
        ("http://127.1.2.3/keys", true),
        ("http://localhost/keys", true),
        ("http://[::1]:9000/keys", true),
        ("http://id.example/keys", false),
        ("http://127.0.0.1.evil.example/keys", false),
        ("http://128.0.0.1/keys", false),
        ("ftp://id.example/keys", false),
        ("file:///etc/keys.json", false),
        ("/keys", false),
        ("https:///keys", false),
        ("not a url", false),
        ("http://u:p@127.0.0.1/keys", false),   // userinfo, refused as in jwks.url (third adversarial pass)
        ("https://u@id.example/keys", false),
        ("https://id.example/keys#x", false),
    ]

    @Test("jwks_uri must be https, or http to a loopback host", arguments: uris)
    func acceptable(uri: String, expected: Bool) {
        #expect(OpenIDDiscovery.isAcceptableJWKSURI(uri) == expected)
    }

    private func document(_ members: [String: String]) -> [UInt8] { Array(try! JSONEncoder().encode(members)) }

    @Test("a matching issuer gives jwks_uri")
    func matching() throws {
        let doc = document(["issuer": "https://id.example/", "jwks_uri": "https://id.example/keys"])
        let uri = try OpenIDDiscovery.jwksURI(fromConfiguration: doc, url: "u", expectedIssuer: "https://id.example/")
        #expect(uri == "https://id.example/keys")
    }

    static let rejected: [(String, [String: String]?, RemoteJWKSError)] = [
        ("issuer differs", ["issuer": "https://evil.example", "jwks_uri": "https://evil.example/keys"],
         .discoveryIssuerMismatch(url: "u", expected: "https://id.example", actual: "https://evil.example")),
        ("issuer differs by a trailing slash", ["issuer": "https://id.example/", "jwks_uri": "https://id.example/keys"],
         .discoveryIssuerMismatch(url: "u", expected: "https://id.example", actual: "https://id.example/")),
        ("no issuer", ["jwks_uri": "https://id.example/keys"], .discoveryInvalid(url: "u", reason: "no string \"issuer\"")),
        ("no jwks_uri", ["issuer": "https://id.example"], .discoveryInvalid(url: "u", reason: "no string \"jwks_uri\"")),
        ("plain http jwks_uri", ["issuer": "https://id.example", "jwks_uri": "http://id.example/keys"],
         .jwksURIRejected(url: "u", uri: "http://id.example/keys")),
        ("not JSON", nil, .discoveryInvalid(url: "u", reason: "not a JSON object")),
    ]

    @Test("rejected configuration documents", arguments: rejected)
    func rejectedDocument(name: String, members: [String: String]?, expected: RemoteJWKSError) {
        let doc = members.map(document) ?? Array("<html>".utf8)
        #expect(throws: expected) {
            try OpenIDDiscovery.jwksURI(fromConfiguration: doc, url: "u", expectedIssuer: "https://id.example")
        }
    }
}
