import Foundation
import Testing

@testable import ScopeGate

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
            api: api, backends: ["b": backend], routes: [RouteConfig(prefix: "/r", backend: "b", methods: ["GET": .scopes(ScopeRequirement(allOf: ["read"]))])])
        return AccessPolicy(routes: RouteTable(config: config), verifier: verifier)
    }

    @Test("query token: allowed, and the forwarded target loses the parameter")
    func queryTokenStripped() async throws {
        let policy = try await Self.policy(TokenLocationConfig(queryParameter: "access_token"))
        let token = try await F.token(signedBy: F.rsaA)
        let decision = policy.decide(AccessRequest(method: "GET", target: "/r?a=1&access_token=\(token)&b=2", tokenHeaderValues: []), now: F.now)
        guard case .allow(let allowance) = decision else { Issue.record("\(decision)"); return }
        #expect(allowance.target.pathAndQuery == "/r?a=1&b=2")
        #expect(!allowance.upstreamURL.contains(token))
        let only = policy.decide(AccessRequest(method: "GET", target: "/r?access_token=\(token)", tokenHeaderValues: []), now: F.now)
        guard case .allow(let alone) = only else { Issue.record("\(only)"); return }
        #expect(alone.target.pathAndQuery == "/r")
    }

    @Test("query token ignored when not configured; header and query is 400")
    func ambiguity() async throws {
        let token = try await F.token(signedBy: F.rsaA)
        let off = try await Self.policy(TokenLocationConfig())
        #expect(off.decide(AccessRequest(method: "GET", target: "/r?access_token=\(token)", tokenHeaderValues: []), now: F.now).status == 401)
        let on = try await Self.policy(TokenLocationConfig(queryParameter: "access_token"))
        let both = on.decide(AccessRequest(method: "GET", target: "/r?access_token=\(token)", tokenHeaderValues: ["Bearer \(token)"]), now: F.now)
        guard case .deny(let denial) = both else { Issue.record("\(both)"); return }
        #expect(denial.status == 400)
        #expect(denial.bearerError == "invalid_request")
    }

    @Test("custom header carries the bare token")
    func customHeader() async throws {
        let policy = try await Self.policy(TokenLocationConfig(header: "X-Access-Token"))
        let token = try await F.token(signedBy: F.rsaA)
        #expect(policy.decide(AccessRequest(method: "GET", target: "/r", tokenHeaderValues: [token]), now: F.now).status == 200)
        #expect(policy.decide(AccessRequest(method: "GET", target: "/r", tokenHeaderValues: ["Bearer \(token)"]), now: F.now).status == 400)
    }
}
