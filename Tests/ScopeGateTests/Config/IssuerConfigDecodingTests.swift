import Foundation
import XCTest
@testable import ScopeGateCore

/// `api` with several issuers, the single-issuer shorthand, and every new key with its error path.
final class IssuerConfigDecodingTests: XCTestCase {
    private let rest = #""backends": {"b": {"url": "http://127.0.0.1:1"}}, "routes": [{"prefix": "/", "backend": "b", "methods": {"GET": []}}]"#

    private func decode(_ api: String) throws -> APIConfig {
        try ConfigLoader.decode(Data("{\"api\": \(api), \(rest)}".utf8), baseDirectory: "/etc/sg").api
    }

    private func problems(_ api: String) -> [String] {
        do {
            _ = try decode(api)
            return []
        } catch let error as ConfigError {
            return error.problems.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    func testFullFormWithEveryKey() throws {
        let api = try decode("""
        {"audience": "https://api", "clock_skew_seconds": 30, "realm": "r",
         "issuers": [
           {"issuer": "https://a/", "audiences": ["https://api", "https://api2"], "jwks": {"file": "keys/a.json"},
            "hmac_secrets": [{"kid": "k1", "file": "secret.bin"}, {"env": "SCOPEGATE_HMAC"}],
            "algorithms": ["RS256", "HS256"], "scope_claims": ["scp", "realm_access.roles"], "require_exp": false,
            "max_lifetime_seconds": 86400, "require_typ": "at+jwt"},
           {"issuer": "https://b/", "jwks": {"url": "https://b/jwks.json", "refresh": {"min_seconds": 30, "max_seconds": 900,
             "default_seconds": 300, "refetch_cooldown_seconds": 5, "retry_seconds": 3, "connect_timeout_ms": 500, "timeout_ms": 1500}}},
           {"issuer": "https://c/", "jwks": {"discovery": true}, "algorithms": ["ES256", "EdDSA", "PS256"]},
           {"issuer": "http://127.0.0.1:9/", "jwks": {"url": "http://localhost:9/jwks"}}
         ],
         "token": {"header": "X-Access-Token", "query_parameter": "access_token"},
         "verification_cache": {"max_entries": 0, "ttl_seconds": 60}}
        """)
        XCTAssertEqual(api.audience, "https://api")
        XCTAssertEqual(api.clockSkewSeconds, 30)
        XCTAssertEqual(api.issuers.count, 4)
        XCTAssertEqual(api.issuers[0], IssuerConfig(
            issuer: "https://a/", audiences: ["https://api", "https://api2"], jwks: .file(path: "/etc/sg/keys/a.json"),
            hmacSecrets: [HMACSecretSource(keyID: "k1", location: .file(path: "/etc/sg/secret.bin")),
                          HMACSecretSource(keyID: nil, location: .environment(variable: "SCOPEGATE_HMAC"))],
            algorithms: [.rs256, .hs256], scopeClaims: ["scp", "realm_access.roles"], requireExp: false,
            maxLifetimeSeconds: 86400, requireTyp: true))
        XCTAssertEqual(api.issuers[1].jwks, .url("https://b/jwks.json", refresh: JWKSRefreshSettings(
            minimumSeconds: 30, maximumSeconds: 900, defaultSeconds: 300, refetchCooldownSeconds: 5, retrySeconds: 3,
            connectTimeoutMilliseconds: 500, timeoutMilliseconds: 1500)))
        XCTAssertEqual(api.issuers[1].audiences, ["https://api"])
        XCTAssertEqual(api.issuers[1].algorithms, [.rs256])
        XCTAssertEqual(api.issuers[1].scopeClaims, ["scope", "permissions"])
        XCTAssertTrue(api.issuers[1].requireExp)
        XCTAssertNil(api.issuers[1].maxLifetimeSeconds)
        XCTAssertFalse(api.issuers[1].requireTyp)
        XCTAssertEqual(api.issuers[2].jwks, .discovery(refresh: JWKSRefreshSettings()))
        XCTAssertEqual(api.issuers[2].algorithms, [.es256, .eddsa, .ps256])
        XCTAssertEqual(api.token, TokenLocationConfig(header: "X-Access-Token", queryParameter: "access_token"))
        XCTAssertEqual(api.verificationCache, VerificationCacheConfig(maxEntries: 0, ttlSeconds: 60))
    }

    func testShorthandIsOneIssuer() throws {
        let api = try decode("""
        {"issuer": "https://a/", "audience": "https://api", "jwks": {"file": "k.json"}, "algorithms": ["ES256"],
         "scope_claims": ["scp"], "hmac_secrets": [], "require_exp": true, "max_lifetime_seconds": 60, "require_typ": "application/at+jwt"}
        """)
        XCTAssertEqual(api.issuers, [IssuerConfig(
            issuer: "https://a/", audiences: ["https://api"], jwks: .file(path: "/etc/sg/k.json"), algorithms: [.es256],
            scopeClaims: ["scp"], maxLifetimeSeconds: 60, requireTyp: true)])
    }

    func testProblemsWithTheirPaths() {
        let issuer = #""issuer": "https://a/", "jwks": {"file": "k"}"#
        let cases: [(String, String, String)] = [
            ("no issuers", #"{"audience": "a"}"#, "api.issuers: is required"),
            ("no audience", #"{"issuers": [{\#(issuer)}]}"#, "api.audience: is required"),
            ("shorthand mixed with issuers", #"{"audience": "a", "algorithms": ["RS256"], "issuers": [{\#(issuer)}]}"#,
             "api.algorithms: belongs inside each api.issuers[i]"),
            ("issuers not an array", #"{"audience": "a", "issuers": {}}"#, "api.issuers: must be an array"),
            ("empty issuers", #"{"audience": "a", "issuers": []}"#, "api.issuers: must list at least one issuer"),
            ("duplicate issuer", #"{"audience": "a", "issuers": [{\#(issuer)}, {\#(issuer)}]}"#,
             "api.issuers[1].issuer: \"https://a/\" is already the issuer of api.issuers[0]"),
            ("unknown issuer key", #"{"audience": "a", "issuers": [{\#(issuer), "audience": "x"}]}"#, "api.issuers[0].audience: unknown key"),
            ("jwks missing", #"{"audience": "a", "issuers": [{"issuer": "i"}]}"#, "api.issuers[0].jwks: is required"),
            // Found by attack: 9007199254740993 in a token read as ...992 and matched.
            ("required number beyond 2^53", #"{"audience": "a", "issuers": [{\#(issuer), "required_claims": {"tenant": 9007199254740993}}]}"#,
             "api.issuers[0].required_claims.tenant: is a number a token's claim cannot be told apart"),
            ("issuer with a control character", #"{"audience": "a", "issuers": [{"issuer": "https://a/\n", "jwks": {"file": "k"}}]}"#,
             "api.issuers[0].issuer: must not contain control characters"),
            ("jwks two kinds", #"{"audience": "a", "issuers": [{"issuer": "i", "jwks": {"file": "k", "url": "https://x"}}]}"#,
             "api.issuers[0].jwks: must have only one of"),
            ("jwks url http", #"{"audience": "a", "issuers": [{"issuer": "i", "jwks": {"url": "http://idp.example/jwks"}}]}"#,
             "api.issuers[0].jwks.url: must be an https:// URL"),
            ("jwks url with credentials", #"{"audience": "a", "issuers": [{"issuer": "i", "jwks": {"url": "https://u:p@idp/jwks"}}]}"#,
             "api.issuers[0].jwks.url: must be an https:// URL"),
            ("discovery false", #"{"audience": "a", "issuers": [{"issuer": "https://i/", "jwks": {"discovery": false}}]}"#,
             "api.issuers[0].jwks.discovery: must be true"),
            ("discovery on a non-URL issuer", #"{"audience": "a", "issuers": [{"issuer": "tenant-a", "jwks": {"discovery": true}}]}"#,
             "api.issuers[0].jwks.discovery: needs an https:// issuer"),
            ("refresh on a file", #"{"audience": "a", "issuers": [{"issuer": "i", "jwks": {"file": "k", "refresh": {}}}]}"#,
             "api.issuers[0].jwks.refresh: unknown key"),
            ("refresh out of range", #"{"audience": "a", "issuers": [{"issuer": "i", "jwks": {"url": "https://x", "refresh": {"timeout_ms": 0}}}]}"#,
             "api.issuers[0].jwks.refresh.timeout_ms: must be a whole number from 1 to 600000"),
            ("refresh min above max", #"{"audience": "a", "issuers": [{"issuer": "i", "jwks": {"url": "https://x", "refresh": {"min_seconds": 900, "max_seconds": 60}}}]}"#,
             "api.issuers[0].jwks.refresh.min_seconds: must not exceed max_seconds"),
            ("refresh unknown key", #"{"audience": "a", "issuers": [{"issuer": "i", "jwks": {"url": "https://x", "refresh": {"interval": 1}}}]}"#,
             "api.issuers[0].jwks.refresh.interval: unknown key"),
            ("HS256 with a URL and no secret", #"{"audience": "a", "issuers": [{"issuer": "i", "jwks": {"url": "https://x"}, "algorithms": ["RS256", "HS256"]}]}"#,
             "api.issuers[0].algorithms[1]: \"HS256\" is not allowed: HMAC needs a local secret"),
            ("HS512 with discovery and no secret", #"{"audience": "a", "issuers": [{"issuer": "https://i/", "jwks": {"discovery": true}, "algorithms": ["HS512"]}]}"#,
             "api.issuers[0].algorithms[0]: \"HS512\" is not allowed"),
            ("shorthand HS256 with a URL", #"{"audience": "a", "issuer": "i", "jwks": {"url": "https://x"}, "algorithms": ["HS256"]}"#,
             "api.algorithms[0]: \"HS256\" is not allowed"),
            ("alg none", #"{"audience": "a", "issuers": [{\#(issuer), "algorithms": ["none"]}]}"#, "api.issuers[0].algorithms[0]: \"none\" is not allowed"),
            ("hmac secret both file and env", #"{"audience": "a", "issuers": [{\#(issuer), "hmac_secrets": [{"file": "s", "env": "E"}]}]}"#,
             "api.issuers[0].hmac_secrets[0]: needs exactly one of \"file\" or \"env\""),
            ("hmac secret unknown key", #"{"audience": "a", "issuers": [{\#(issuer), "hmac_secrets": [{"env": "E", "secret": "x"}]}]}"#,
             "api.issuers[0].hmac_secrets[0].secret: unknown key"),
            ("hmac secrets not an array", #"{"audience": "a", "issuers": [{\#(issuer), "hmac_secrets": {"env": "E"}}]}"#,
             "api.issuers[0].hmac_secrets: must be an array"),
            ("scope claim empty segment", #"{"audience": "a", "issuers": [{\#(issuer), "scope_claims": ["realm_access..roles"]}]}"#,
             "api.issuers[0].scope_claims[0]: \"realm_access..roles\" has an empty segment"),
            ("require_exp not a bool", #"{"audience": "a", "issuers": [{\#(issuer), "require_exp": "yes"}]}"#,
             "api.issuers[0].require_exp: must be true or false"),
            ("max lifetime zero", #"{"audience": "a", "issuers": [{\#(issuer), "max_lifetime_seconds": 0}]}"#,
             "api.issuers[0].max_lifetime_seconds: must be a whole number from 1"),
            ("require_typ JWT", #"{"audience": "a", "issuers": [{\#(issuer), "require_typ": "JWT"}]}"#,
             "api.issuers[0].require_typ: must be \"at+jwt\""),
            ("audiences empty", #"{"audience": "a", "issuers": [{\#(issuer), "audiences": []}]}"#,
             "api.issuers[0].audiences: must list at least one audience"),
            ("token header with a space", #"{"audience": "a", "issuers": [{\#(issuer)}], "token": {"header": "X Token"}}"#,
             "api.token.header: \"X Token\" is not a header field name"),
            ("token query parameter with &", #"{"audience": "a", "issuers": [{\#(issuer)}], "token": {"query_parameter": "a&b"}}"#,
             "api.token.query_parameter: \"a&b\" must be a plain parameter name"),
            ("token unknown key", #"{"audience": "a", "issuers": [{\#(issuer)}], "token": {"cookie": "c"}}"#, "api.token.cookie: unknown key"),
            ("cache negative", #"{"audience": "a", "issuers": [{\#(issuer)}], "verification_cache": {"max_entries": -1}}"#,
             "api.verification_cache.max_entries: must be a whole number from 0"),
            ("cache ttl zero", #"{"audience": "a", "issuers": [{\#(issuer)}], "verification_cache": {"ttl_seconds": 0}}"#,
             "api.verification_cache.ttl_seconds: must be a whole number from 1"),
        ]
        for (name, api, expected) in cases {
            let found = problems(api)
            XCTAssertTrue(found.contains { $0.hasPrefix(expected) }, "\(name): \(found)")
        }
    }

    func testEveryProblemOfSeveralIssuersIsReported() {
        let found = problems("""
        {"audience": "a", "issuers": [
          {"issuer": "i", "jwks": {"url": "ftp://x"}},
          {"issuer": "j", "jwks": {"file": "k"}, "algorithms": ["RS257"], "require_typ": 1}
        ]}
        """)
        XCTAssertEqual(found.count, 3, "\(found)")
        XCTAssertTrue(found[0].hasPrefix("api.issuers[0].jwks.url:"), "\(found)")
        XCTAssertTrue(found.contains { $0.hasPrefix("api.issuers[1].algorithms[0]: unknown algorithm") }, "\(found)")
        XCTAssertTrue(found.contains { $0.hasPrefix("api.issuers[1].require_typ:") }, "\(found)")
    }

    func testLoopbackHTTPURLsAllowed() {
        XCTAssertTrue(IssuerConfig.isAllowedFetchURL("http://127.0.0.1:8080/jwks"))
        XCTAssertTrue(IssuerConfig.isAllowedFetchURL("http://[::1]:8080/jwks"))
        XCTAssertTrue(IssuerConfig.isAllowedFetchURL("http://localhost/jwks"))
        XCTAssertTrue(IssuerConfig.isAllowedFetchURL("https://idp.example/jwks"))
        XCTAssertFalse(IssuerConfig.isAllowedFetchURL("http://10.0.0.1/jwks"))
        XCTAssertFalse(IssuerConfig.isAllowedFetchURL("http://localhost.evil.example/jwks"))
        XCTAssertFalse(IssuerConfig.isAllowedFetchURL("https://idp.example/jwks#frag"))
    }
}
