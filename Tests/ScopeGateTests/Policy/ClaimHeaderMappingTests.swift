import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo

private typealias F = AuthFixtures

/// The claim headers are part of the decision: built once from `forwarding.claim_headers`,
/// carried by the ``Allowance``, copied by the upstream header builder. A value a header cannot
/// carry denies the request (401 `invalid_claim`); it is never forwarded without the header.
@Suite("Policy: claim headers")
struct ClaimHeaderMappingTests {
    static let mapping = ClaimHeaderMapping(["sub": "X-User", "scope": "X-Scopes", "iss": "X-Issuer", "client_id": "X-Client"])

    static func token(subject: String? = "alice", clientID: String? = "app", issuer: String = "https://issuer.example",
                      scopes: [String] = ["read", "write"]) -> VerifiedToken {
        VerifiedToken(subject: subject, clientID: clientID, issuer: issuer, grantedScopes: scopes, expiresAt: nil, keyID: nil)
    }

    @Test("entries in claim-name order; a claim that cannot be forwarded is left out")
    func order() {
        let mapping = ClaimHeaderMapping(["sub": "X-User", "scope": "X-Scopes", "email": "X-Email", "iss": "X-Issuer", "client_id": "X-Client"])
        #expect(mapping.entries.map(\.claim) == ["client_id", "iss", "scope", "sub"])
        #expect(mapping.entries.map(\.header) == ["X-Client", "X-Issuer", "X-Scopes", "X-User"])
    }

    @Test("a token's headers are its values; a claim it lacks gives no header")
    func values() throws {
        #expect(try Self.mapping.headers(for: Self.token()).get() == [
            ClaimHeader("X-Client", "app"), ClaimHeader("X-Issuer", "https://issuer.example"),
            ClaimHeader("X-Scopes", "read write"), ClaimHeader("X-User", "alice"),
        ])
        #expect(try Self.mapping.headers(for: Self.token(subject: nil, clientID: nil, scopes: [])).get() == [
            ClaimHeader("X-Issuer", "https://issuer.example"), ClaimHeader("X-Scopes", ""),
        ])
        #expect(try ClaimHeaderMapping([:]).headers(for: Self.token()).get() == [])
        #expect(try Self.mapping.headers(for: Self.token(subject: "a\tb")).get().last == ClaimHeader("X-User", "a\tb"))
    }

    static let forbidden: [(String, VerifiedToken, String)] = [
        ("sub with LF", token(subject: "alice\nX-Admin: 1"), "sub holds a control character and cannot be sent in X-User (RFC 9110 §5.5)"),
        ("client claim with NUL", token(clientID: "app\u{0}"), "client_id holds a control character and cannot be sent in X-Client (RFC 9110 §5.5)"),
        ("issuer with CR", token(issuer: "https://i\r"), "iss holds a control character and cannot be sent in X-Issuer (RFC 9110 §5.5)"),
        ("sub with DEL", token(subject: "a\u{7F}"), "sub holds a control character and cannot be sent in X-User (RFC 9110 §5.5)"),
    ]

    /// Such a ``VerifiedToken`` is built by hand: the verifier never produces one (see
    /// ``unreachableThroughTheVerifier(_:_:)``). Fail closed all the same.
    @Test("a value RFC 9110 §5.5 forbids is invalid_claim", arguments: forbidden)
    func forbiddenByte(_ name: String, _ token: VerifiedToken, _ description: String) {
        #expect(Self.mapping.headers(for: token) == .failure(TokenRejection(.invalidClaim, description)))
    }

    @Test("the decision fails closed: 401 invalid_claim, not forwarded without the header")
    func decisionDenies() async throws {
        let policy = try AccessPolicyKeyWaitTests.policy(StaticKeySource(try await TokenVerifierKeyWaitTests.afterRotation()))
        let route = try #require(policy.routes.match(path: "/r/1"))
        let target = try RequestTarget.parse("/r/1").get()
        let decision = policy.conclude(.success(Self.token(subject: "alice\r\nX-Admin: 1")), route: route, target: target,
                                       requirement: ScopeRequirement(allOf: ["read"]), enforcement: .enforce)
        guard case .deny(let denial) = decision else { Issue.record("\(decision)"); return }
        #expect(denial.status == 401)
        #expect(denial.reason == .invalidClaim)
        #expect(denial.description == "sub holds a control character and cannot be sent in X-User (RFC 9110 §5.5)")
        #expect(denial.bearerError == "invalid_token")
        #expect(denial.challenges)
        #expect(denial.route == "/r")
        #expect(denial.token == nil)

        // Shadow mode forwards it, with the denial it would have been and no claim header at all.
        let shadowed = policy.conclude(.success(Self.token(subject: "alice\r\nX-Admin: 1")), route: route, target: target,
                                       requirement: ScopeRequirement(allOf: ["read"]), enforcement: .shadow)
        guard case .allow(let allowance) = shadowed else { Issue.record("\(shadowed)"); return }
        #expect(allowance.wouldDeny == denial)
        #expect(allowance.claimHeaders.isEmpty)
        #expect(allowance.token == nil)
    }

    static let unsafeClaims: [(String, [String: String], ReasonCode?, String?)] = [
        ("sub with CR LF", ["sub": "alice\r\nX-Admin: 1"], .invalidClaim, nil),
        ("sub with DEL", ["sub": "alice\u{7F}"], .invalidClaim, nil),
        ("client_id with NUL", ["client_id": "app\u{0}"], .invalidClaim, nil),
        ("a scope with a control character is no scope", ["scope": "read x\u{1}y"], nil, "admin read"),
    ]

    /// Which configured claims could still carry a forbidden byte through a real token: none.
    /// `sub` and the client claim are refused by the verifier (``Claims``), `iss` is a configured
    /// issuer (the loader refuses control characters) and scopes are scope-tokens.
    @Test("no verified token brings a forbidden byte to a claim header", arguments: unsafeClaims)
    func unreachableThroughTheVerifier(_ name: String, _ claims: [String: String], _ reason: ReasonCode?, _ scopes: String?) async throws {
        let policy = try AccessPolicyKeyWaitTests.policy(StaticKeySource(try await TokenVerifierKeyWaitTests.afterRotation()))
        let token = try await F.token(signedBy: F.ecA, claims: F.claims(claims))
        let decision = policy.decideAtOnce(AccessPolicyKeyWaitTests.request("GET", token: token), now: F.now)
        switch decision {
        case .deny(let denial):
            #expect(denial.reason == reason)
            #expect(denial.description.contains("control character or a line separator"))
        case .allow(let allowance):
            #expect(reason == nil)
            #expect(allowance.claimHeaders.first { $0.name == "X-Scopes" }?.value == scopes)
        case .preflight, .resourceMetadata:
            Issue.record("\(decision)")
        }
    }
}
