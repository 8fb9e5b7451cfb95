import Foundation
import Testing
@testable import ScopeGateCore


private typealias F = AuthFixtures

/// The access decision with `api.token` options: a token from the query is verified and
/// never forwarded; ambiguity is 400 `invalid_request`.
@Suite("Policy: token location")
struct PolicyTokenLocationTests {
    static func policy(_ location: TokenLocationConfig) async throws -> AccessPolicy {
        let keySet = try await VerificationKeySet.load(jwks: F.jwks, allowed: [.rs256, .es256])
        var api = F.api()
        api.token = location
        let verifier = TokenVerifier(api: api, keys: [F.issuer: IssuerKeys(source: StaticKeySource(keySet))], maxTokenBytes: 8192)
        let backend = BackendConfig(name: "b", url: "http://127.0.0.1:1")
        let config = GatewayConfig(
            api: api, backends: ["b": backend],
            routes: [RouteConfig(prefix: "/r", backend: "b", methods: ["GET": .scopes(ScopeRequirement(allOf: ["read"]))]),
                     RouteConfig(prefix: "/p", backend: "b", methods: ["GET": .public])])
        return AccessPolicy(config: config, verifier: verifier)
    }

    @Test("query token: allowed, and the forwarded target loses the parameter")
    func queryTokenStripped() async throws {
        let policy = try await Self.policy(TokenLocationConfig(queryParameter: "access_token"))
        let token = try await F.token(signedBy: F.rsaA)
        let decision = policy.decideAtOnce(AccessRequest(method: "GET", target: "/r?a=1&access_token=\(token)&b=2", tokenHeaderValues: []), now: F.now)
        guard case .allow(let allowance) = decision else { Issue.record("\(decision)"); return }
        #expect(allowance.target.pathAndQuery == "/r?a=1&b=2")
        #expect(!allowance.upstreamURL.contains(token))
        let only = policy.decideAtOnce(AccessRequest(method: "GET", target: "/r?access_token=\(token)", tokenHeaderValues: []), now: F.now)
        guard case .allow(let alone) = only else { Issue.record("\(only)"); return }
        #expect(alone.target.pathAndQuery == "/r")
    }

    @Test("query token ignored when not configured; header and query is 400")
    func ambiguity() async throws {
        let token = try await F.token(signedBy: F.rsaA)
        let off = try await Self.policy(TokenLocationConfig())
        #expect(off.decideAtOnce(AccessRequest(method: "GET", target: "/r?access_token=\(token)", tokenHeaderValues: []), now: F.now).status == 401)
        let on = try await Self.policy(TokenLocationConfig(queryParameter: "access_token"))
        let both = on.decideAtOnce(AccessRequest(method: "GET", target: "/r?access_token=\(token)", tokenHeaderValues: ["Bearer \(token)"]), now: F.now)
        guard case .deny(let denial) = both else { Issue.record("\(both)"); return }
        #expect(denial.status == 400)
        #expect(denial.bearerError == "invalid_request")
    }

    @Test("custom header carries the bare token")
    func customHeader() async throws {
        let policy = try await Self.policy(TokenLocationConfig(header: "X-Access-Token"))
        let token = try await F.token(signedBy: F.rsaA)
        #expect(policy.decideAtOnce(AccessRequest(method: "GET", target: "/r", tokenHeaderValues: [token]), now: F.now).status == 200)
        #expect(policy.decideAtOnce(AccessRequest(method: "GET", target: "/r", tokenHeaderValues: ["Bearer \(token)"]), now: F.now).status == 400)
    }

    static let lookAlikes = ["x=1;access_token=FORGED", "access.token=FORGED", "access%20token=FORGED",
                             "access_token[]=FORGED", "Access_Token=FORGED", "a=1&access_token=abc;x=1"]

    @Test("a look-alike of the query parameter is 400 invalid_request, even with a valid header token", arguments: lookAlikes)
    func lookAlikeOnProtectedRoute(_ query: String) async throws {
        let policy = try await Self.policy(TokenLocationConfig(queryParameter: "access_token"))
        let token = try await F.token(signedBy: F.rsaA)
        let decision = policy.decideAtOnce(AccessRequest(method: "GET", target: "/r?\(query)", tokenHeaderValues: ["Bearer \(token)"]), now: F.now)
        guard case .deny(let denial) = decision else { Issue.record("\(query) was allowed: \(decision)"); return }
        #expect(denial.status == 400)
        #expect(denial.reason == .invalidAuthorizationHeader)
        #expect(denial.bearerError == "invalid_request")
    }

    @Test("a look-alike of the query parameter on a public route is 400, not forwarded", arguments: lookAlikes)
    func lookAlikeOnPublicRoute(_ query: String) async throws {
        let policy = try await Self.policy(TokenLocationConfig(queryParameter: "access_token"))
        let decision = policy.decideAtOnce(AccessRequest(method: "GET", target: "/p?\(query)", tokenHeaderValues: []), now: F.now)
        guard case .deny(let denial) = decision else { Issue.record("\(query) was forwarded: \(decision)"); return }
        #expect(denial.status == 400)
        #expect(denial.reason == .invalidAuthorizationHeader)
        #expect(denial.bearerError == "invalid_request")
        #expect(!denial.description.contains("FORGED"))
    }

    @Test("public route: the exact parameter is removed, other queries and unconfigured look-alikes pass as they are")
    func publicRouteQueries() async throws {
        let on = try await Self.policy(TokenLocationConfig(queryParameter: "access_token"))
        let off = try await Self.policy(TokenLocationConfig())
        let cases: [(AccessPolicy, String, String)] = [
            (on, "/p?a=1&access_token=abc&b=2", "/p?a=1&b=2"),
            (on, "/p?a=1;b=2&access_tokens=x", "/p?a=1;b=2&access_tokens=x"),
            (off, "/p?x=1;access_token=abc&Access_Token=b", "/p?x=1;access_token=abc&Access_Token=b"),
        ]
        for (policy, target, forwarded) in cases {
            let decision = policy.decideAtOnce(AccessRequest(method: "GET", target: target, tokenHeaderValues: []), now: F.now)
            guard case .allow(let allowance) = decision else { Issue.record("\(target): \(decision)"); continue }
            #expect(allowance.target.pathAndQuery == forwarded)
        }
    }
}
