import Foundation
import Testing
@testable import ScopeGateCore


private typealias F = AuthFixtures

/// CORS in the access decision: preflights answered without a token, CORS headers on every
/// answer for an allowed origin, nothing for others; and the config rules `check` enforces.
@Suite("Policy: CORS")
struct CORSPolicyTests {
    static let app = "https://app.example.com"

    /// Routes: `/r` (GET read, POST write), `/p` (GET public), `/own` (cors "backend"),
    /// `/off` (cors false), `/strict` (its own origins and credentials).
    static func policy(cors: String = #"{"allowed_origins": ["https://app.example.com", "https://*.apps.example.com"]}"#)
        async throws -> AccessPolicy
    {
        let config = try ConfigLoader.decode(Data("""
        {"api": {"issuer": "\(F.issuer)", "audience": "\(F.audience)", "jwks": {"file": "/unused.json"}, "algorithms": ["RS256", "ES256"]},
         "cors": \(cors),
         "backends": {"b": {"url": "http://127.0.0.1:1"}},
         "routes": [{"prefix": "/r", "backend": "b", "methods": {"GET": ["read"], "POST": ["write"]}},
                    {"prefix": "/p", "backend": "b", "methods": {"GET": "public"}},
                    {"prefix": "/own", "backend": "b", "methods": {"GET": ["read"], "OPTIONS": "public"}, "cors": "backend"},
                    {"prefix": "/off", "backend": "b", "methods": {"GET": ["read"]}, "cors": false},
                    {"prefix": "/strict", "backend": "b", "methods": {"PUT": ["write"]},
                     "cors": {"allowed_origins": ["https://admin.example.com"], "allow_credentials": true, "max_age_seconds": 60}}]}
        """.utf8))
        let keySet = try await VerificationKeySet.load(jwks: F.jwks, allowed: [.rs256, .es256])
        let verifier = TokenVerifier(api: config.api, keys: [F.issuer: IssuerKeys(source: StaticKeySource(keySet))], maxTokenBytes: 8192)
        return AccessPolicy(config: config, verifier: verifier)
    }

    static func preflight(_ path: String, origin: String = app, method: String = "GET", headers: [String] = ["authorization"])
        -> AccessRequest
    {
        AccessRequest(method: "OPTIONS", target: path, tokenHeaderValues: [], origin: origin, preflightMethod: method,
                      preflightHeaders: headers)
    }

    static func value(_ name: String, in headers: [ResponseHeader]) -> String? {
        let values = headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    @Test("an allowed preflight is answered 204 with the route's methods and the allowed headers, without a token")
    func allowedPreflight() async throws {
        let decision = try await Self.policy().decideAtOnce(Self.preflight("/r/1", method: "POST", headers: ["Authorization, content-type"]), now: F.now)
        guard case .preflight(let answer) = decision else { Issue.record("\(decision)"); return }
        #expect(decision.status == 204)
        #expect(Self.value("Access-Control-Allow-Origin", in: answer.headers) == Self.app)
        #expect(Self.value("Access-Control-Allow-Methods", in: answer.headers) == "GET, HEAD, POST")
        #expect(Self.value("Access-Control-Allow-Headers", in: answer.headers) == "Authorization, Content-Type, X-Request-Id")
        #expect(Self.value("Access-Control-Max-Age", in: answer.headers) == "600")
        #expect(Self.value("Access-Control-Allow-Credentials", in: answer.headers) == nil)
        #expect(Self.value("Vary", in: answer.headers)?.contains("Origin") == true)
    }

    @Test("refused preflights carry no allow header and say why", arguments: [
        ("/r/1", "https://evil.example", "GET", ["authorization"], "origin"),
        ("/r/1", "https://app.example.com.evil.example", "GET", ["authorization"], "origin"),
        ("/r/1", "https://APP.example.com", "GET", ["authorization"], "origin"),
        ("/r/1", "null", "GET", ["authorization"], "origin"),
        ("/r/1", "https://a.b.apps.example.com", "GET", [], "origin"),
        ("/r/1", "https://apps.example.com", "GET", [], "origin"),
        ("/r/1", "http://x.apps.example.com", "GET", [], "origin"),
        ("/r/1", app, "DELETE", ["authorization"], "method"),
        ("/r/1", app, "get", [], "method"),
        ("/r/1", app, "GET", ["authorization, x-admin"], "x-admin"),
        ("/strict/1", app, "PUT", [], "origin"),
        // Found by attack: two methods in one request header were echoed as allowed.
        ("/r/1", app, "GET, DELETE", [], "one method"),
        ("/r/1", app, "", [], "one method"),
    ])
    func refusedPreflight(path: String, origin: String, method: String, headers: [String], mentions: String) async throws {
        let decision = try await Self.policy().decideAtOnce(Self.preflight(path, origin: origin, method: method, headers: headers), now: F.now)
        guard case .deny(let denial) = decision else { Issue.record("\(decision)"); return }
        #expect(denial.status == 403)
        #expect(denial.reason == .corsPreflightRefused)
        #expect(denial.description.contains(mentions), "\(denial.description)")
        #expect(!denial.corsHeaders.contains { $0.name.hasPrefix("Access-Control-") })
        #expect(denial.bearerError == nil && !denial.challenges)
    }

    @Test("a one-label wildcard origin matches exactly one label")
    func wildcardOrigin() async throws {
        let decision = try await Self.policy().decideAtOnce(Self.preflight("/r/1", origin: "https://tenant-7.apps.example.com"), now: F.now)
        #expect(decision.status == 204)
    }

    @Test("actual requests: an allowed origin can read the 200, 401, 403 and 404; another origin gets only Vary")
    func actualRequests() async throws {
        let policy = try await Self.policy()
        let reader = try await F.token(signedBy: F.rsaA, claims: F.claims(["scope": "read"]))
        let cases: [(String, String, [String], Int)] = [
            ("GET", "/r/1", ["Bearer \(reader)"], 200),
            ("GET", "/r/1", [], 401),
            ("POST", "/r/1", ["Bearer \(reader)"], 403),
            ("GET", "/nowhere", [], 404),
            ("GET", "/p", [], 200),
        ]
        for (method, path, token, status) in cases {
            let allowed = policy.decideAtOnce(AccessRequest(method: method, target: path, tokenHeaderValues: token, origin: Self.app), now: F.now)
            #expect(allowed.status == status)
            let headers: [ResponseHeader]
            switch allowed {
            case .allow(let allowance): headers = allowance.corsHeaders
            case .deny(let denial): headers = denial.corsHeaders
            case .preflight, .resourceMetadata: Issue.record("\(method) \(path) was taken for a gateway answer"); continue
            }
            #expect(Self.value("Access-Control-Allow-Origin", in: headers) == Self.app, "\(method) \(path)")
            #expect(Self.value("Access-Control-Expose-Headers", in: headers) == "WWW-Authenticate, X-Request-Id", "\(method) \(path)")
            #expect(Self.value("Vary", in: headers) == "Origin", "\(method) \(path)")

            let other = policy.decideAtOnce(AccessRequest(method: method, target: path, tokenHeaderValues: token, origin: "https://evil.example"),
                                      now: F.now)
            #expect(other.status == status, "the origin never changes the decision")
            let otherHeaders: [ResponseHeader]
            switch other {
            case .allow(let allowance): otherHeaders = allowance.corsHeaders
            case .deny(let denial): otherHeaders = denial.corsHeaders
            case .preflight, .resourceMetadata: otherHeaders = []
            }
            #expect(otherHeaders == [ResponseHeader("Vary", "Origin")], "\(method) \(path)")
        }
    }

    @Test("credentials: the route's own settings; the origin echoed, never *")
    func credentials() async throws {
        let policy = try await Self.policy()
        let writer = try await F.token(signedBy: F.rsaA, claims: F.claims(["scope": "write"]))
        let decision = policy.decideAtOnce(AccessRequest(method: "PUT", target: "/strict/1", tokenHeaderValues: ["Bearer \(writer)"],
                                                   origin: "https://admin.example.com"), now: F.now)
        guard case .allow(let allowance) = decision else { Issue.record("\(decision)"); return }
        #expect(Self.value("Access-Control-Allow-Origin", in: allowance.corsHeaders) == "https://admin.example.com")
        #expect(Self.value("Access-Control-Allow-Credentials", in: allowance.corsHeaders) == "true")
        #expect(allowance.replacesBackendCORS)
        let preflight = policy.decideAtOnce(Self.preflight("/strict/1", origin: "https://admin.example.com", method: "PUT"), now: F.now)
        guard case .preflight(let answer) = preflight else { Issue.record("\(preflight)"); return }
        #expect(Self.value("Access-Control-Max-Age", in: answer.headers) == "60")
        #expect(Self.value("Access-Control-Allow-Credentials", in: answer.headers) == "true")
    }

    @Test("cors \"backend\": a preflight is an ordinary OPTIONS request of the route; cors false: no CORS at all")
    func backendAndOff() async throws {
        let policy = try await Self.policy()
        let own = policy.decideAtOnce(Self.preflight("/own/1"), now: F.now)
        guard case .allow(let allowance) = own else { Issue.record("\(own)"); return }
        #expect(allowance.corsHeaders.isEmpty && !allowance.replacesBackendCORS)
        let off = policy.decideAtOnce(Self.preflight("/off/1"), now: F.now)
        guard case .deny(let denial) = off else { Issue.record("\(off)"); return }
        #expect(denial.status == 405)
        #expect(denial.corsHeaders.isEmpty)
    }

    @Test("every wildcard origin is a warning: its subdomains must all be yours")
    func wildcardWarning() throws {
        let config = try ConfigLoader.decode(Data("""
        {"api": {"issuer": "https://i/", "audience": "a", "jwks": {"file": "/k.json"}},
         "cors": {"allowed_origins": ["https://app.example.com", "https://*.apps.example.com", "http://[::1]:5173"]},
         "backends": {"b": {"url": "http://127.0.0.1:1"}}, "routes": [{"prefix": "/", "backend": "b", "methods": {"GET": []}}]}
        """.utf8))
        #expect(config.warnings.map(\.path) == ["cors.allowed_origins[1]"])
    }

    @Test("check refuses what browsers reject or what leaks", arguments: [
        (#"{"allowed_origins": ["*"], "allow_credentials": true}"#, "cors.allowed_origins"),
        (#"{"allowed_origins": ["null"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["https://app.example.com/"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["https://app.example.com/path"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["https://App.example.com"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["app.example.com"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["https://*.com"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["https://app.*.example.com"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["https://*example.com"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["https://app.example.com:443"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["ftp://app.example.com"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": []}"#, "cors.allowed_origins"),
        (#"{}"#, "cors.allowed_origins"),
        (#"{"allowed_origins": ["https://a.example"], "allowed_methods": ["get"]}"#, "cors.allowed_methods[0]"),
        (#"{"allowed_origins": ["https://a.example"], "allowed_headers": ["X Bad"]}"#, "cors.allowed_headers[0]"),
        (#"{"allowed_origins": ["https://a.example"], "max_age_seconds": 86401}"#, "cors.max_age_seconds"),
        (#"{"allowed_origins": ["https://a.example"], "origins": []}"#, "cors.origins"),
        // Found by attack: wildcards over public suffixes, and a bracketed host that is no IPv6 address.
        (#"{"allowed_origins": ["https://*.github.io"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["https://*.co.uk"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["https://[evil]"]}"#, "cors.allowed_origins[0]"),
        (#"{"allowed_origins": ["http://[FE80::1]:8080"]}"#, "cors.allowed_origins[0]"),
    ])
    func configRules(cors: String, path: String) async throws {
        do {
            _ = try await Self.policy(cors: cors)
            Issue.record("accepted: \(cors)")
        } catch let error as ConfigError {
            #expect(error.problems.contains { $0.path == path }, "\(error)")
        }
    }
}
