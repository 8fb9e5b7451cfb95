import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo

private typealias F = AuthFixtures

/// One decision per request: a token whose `kid` the set lacks makes ``AccessPolicy/decide(_:now:)``
/// wait with what it computed (route, target, requirement, CORS), and
/// ``AccessPolicy/resume(_:now:)`` finishes it as `decide` would have with the keys in hand.
@Suite("Policy: a decision that waits for keys")
struct AccessPolicyKeyWaitTests {
    static let app = "https://app.example.com"

    /// Route `/r` (GET `read`, DELETE `delete`, which the test tokens lack), a query token, CORS for ``app``, every claim header.
    static func policy(_ source: any KeySource, enforce: String = "enforce") throws -> AccessPolicy {
        let config = try ConfigLoader.decode(Data("""
        {"api": {"issuer": "\(F.issuer)", "audience": "\(F.audience)", "jwks": {"file": "/unused.json"},
                 "algorithms": ["RS256", "ES256"], "token": {"query_parameter": "access_token"}},
         "cors": {"allowed_origins": ["\(app)"]},
         "forwarding": {"claim_headers": {"sub": "X-User", "scope": "X-Scopes", "client_id": "X-Client", "iss": "X-Issuer"}},
         "backends": {"b": {"url": "http://127.0.0.1:1"}},
         "routes": [{"prefix": "/r", "backend": "b", "enforce": "\(enforce)", "methods": {"GET": ["read"], "DELETE": ["delete"]}}]}
        """.utf8))
        let verifier = TokenVerifier(api: config.api, keys: [F.issuer: IssuerKeys(source: source)], maxTokenBytes: 8192)
        return AccessPolicy(config: config, verifier: verifier)
    }

    static func request(_ method: String, token: String) -> AccessRequest {
        AccessRequest(method: method, target: "/r/1?a=1&access_token=\(token)", tokenHeaderValues: [], origin: app)
    }

    @Test("decide waits with the route, the target less its query token, the requirement; resume allows")
    func waitThenAllow() async throws {
        let source = ManualKeySource(try await TokenVerifierKeyWaitTests.beforeRotation())
        let policy = try Self.policy(source)
        let token = try await F.token(signedBy: F.ecA)
        guard case .awaitingKeys(let wait) = policy.decide(Self.request("GET", token: token), now: F.now) else {
            Issue.record("expected a wait for keys")
            return
        }
        #expect(wait.route.prefix == "/r")
        #expect(wait.target.pathAndQuery == "/r/1?a=1")
        #expect(wait.requirement == ScopeRequirement(allOf: ["read"]))
        #expect(wait.token.keyID == "ec-a")
        source.finishRefetch(with: try await TokenVerifierKeyWaitTests.afterRotation())
        let decision = policy.resume(wait, now: F.now)
        guard case .allow(let allowance) = decision else { Issue.record("\(decision)"); return }
        #expect(allowance.target.pathAndQuery == "/r/1?a=1")
        #expect(allowance.token?.subject == "user-1")
        #expect(allowance.claimHeaders == [ClaimHeader("X-Client", "app-1"), ClaimHeader("X-Issuer", F.issuer),
                                           ClaimHeader("X-Scopes", "admin read write"), ClaimHeader("X-User", "user-1")])
        #expect(allowance.corsHeaders.contains(ResponseHeader("Access-Control-Allow-Origin", Self.app)))
        #expect(source.askedKeyIDs == ["ec-a"])
    }

    @Test("a shadow route's wait keeps its enforcement: resume forwards what it would deny, with the denial")
    func shadowedAfterTheWait() async throws {
        let source = ManualKeySource(try await TokenVerifierKeyWaitTests.beforeRotation())
        let policy = try Self.policy(source, enforce: "shadow")
        let token = try await F.token(signedBy: F.ecA)
        guard case .awaitingKeys(let wait) = policy.decide(Self.request("DELETE", token: token), now: F.now) else {
            Issue.record("expected a wait for keys")
            return
        }
        source.finishRefetch(with: try await TokenVerifierKeyWaitTests.afterRotation())
        let decision = policy.resume(wait, now: F.now)
        guard case .allow(let allowance) = decision else { Issue.record("\(decision)"); return }
        #expect(allowance.wouldDeny?.status == 403)
        #expect(allowance.wouldDeny?.reason == .insufficientScope)
        #expect(allowance.target.pathAndQuery == "/r/1?a=1", "the query token is never forwarded")
        #expect(allowance.token?.subject == "user-1")
        #expect(allowance.claimHeaders.contains(ClaimHeader("X-User", "user-1")), "the token verified")
        #expect(allowance.corsHeaders.contains(ResponseHeader("Access-Control-Allow-Origin", Self.app)))
        // The same request on the enforced route is the denial the shadow one carries.
        let enforced = try Self.policy(StaticKeySource(try await TokenVerifierKeyWaitTests.afterRotation()))
            .decideAtOnce(Self.request("DELETE", token: token), now: F.now)
        guard case .deny(var denial) = enforced else { Issue.record("\(enforced)"); return }
        denial.corsHeaders = []
        #expect(allowance.wouldDeny == denial)
    }

    /// resume's answer equals the answer of a policy that had the keys from the start.
    @Test("resume decides as decide does with the keys in hand", arguments: ["GET", "DELETE"])
    func sameAsWithTheKeys(_ method: String) async throws {
        let token = try await F.token(signedBy: F.ecA)
        let source = ManualKeySource(try await TokenVerifierKeyWaitTests.beforeRotation())
        guard case .awaitingKeys(let wait) = try Self.policy(source).decide(Self.request(method, token: token), now: F.now) else {
            Issue.record("expected a wait for keys")
            return
        }
        source.finishRefetch(with: try await TokenVerifierKeyWaitTests.afterRotation())
        let resumed = try Self.policy(source).resume(wait, now: F.now)
        let direct = try Self.policy(StaticKeySource(try await TokenVerifierKeyWaitTests.afterRotation()))
            .decideAtOnce(Self.request(method, token: token), now: F.now)
        switch (resumed, direct) {
        case (.allow(let a), .allow(let b)):
            #expect(a.route == b.route && a.target == b.target && a.token == b.token && a.requirement == b.requirement)
            #expect(a.claimHeaders == b.claimHeaders && a.corsHeaders == b.corsHeaders)
        case (.deny(let a), .deny(let b)):
            #expect(a == b)
            #expect(a.status == 403)
        default:
            Issue.record("resumed \(resumed), direct \(direct)")
        }
    }

    @Test("a kid still missing after the refetch: the 401 unknown_kid a static source gives, with CORS")
    func stillMissing() async throws {
        let token = try await F.token(signedBy: F.ecA)
        let source = ManualKeySource(try await TokenVerifierKeyWaitTests.beforeRotation())
        let policy = try Self.policy(source)
        guard case .awaitingKeys(let wait) = policy.decide(Self.request("GET", token: token), now: F.now) else {
            Issue.record("expected a wait for keys")
            return
        }
        source.finishRefetch(with: try await TokenVerifierKeyWaitTests.beforeRotation())
        let resumed = policy.resume(wait, now: F.now)
        let direct = try Self.policy(StaticKeySource(try await TokenVerifierKeyWaitTests.beforeRotation()))
            .decideAtOnce(Self.request("GET", token: token), now: F.now)
        guard case .deny(let denial) = resumed, case .deny(let expected) = direct else {
            Issue.record("resumed \(resumed), direct \(direct)")
            return
        }
        #expect(denial == expected)
        #expect(denial.status == 401)
        #expect(denial.reason == .unknownKeyID)
        #expect(denial.bearerError == "invalid_token")
        #expect(denial.route == "/r")
        #expect(denial.corsHeaders.contains(ResponseHeader("Access-Control-Allow-Origin", Self.app)))
        #expect(source.askedKeyIDs == ["ec-a"])
    }
}
