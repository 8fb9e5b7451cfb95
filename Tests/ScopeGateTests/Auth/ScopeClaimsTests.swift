import Foundation
import Testing
@testable import ScopeGateCore


private typealias F = AuthFixtures

/// Tokens shaped like those of common identity providers grant exactly the expected scopes.
@Suite("Auth: scope claims of real identity providers")
struct AuthScopeClaimsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let scopeClaims: [String]
        /// Claims replacing the fixture's `scope` and `permissions`.
        let claims: [String: any Sendable]
        /// `nil`: `invalid_claim`.
        let expected: [String]?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Auth0: scope string + permissions array", scopeClaims: ["scope", "permissions"],
             claims: ["scope": "openid profile read:appointments", "permissions": ["read:appointments", "write:appointments"]],
             expected: ["openid", "profile", "read:appointments", "write:appointments"]),
        Case(name: "Azure AD: scp string + roles array", scopeClaims: ["scp", "roles"],
             claims: ["scp": "Calendar.Read Calendar.Write", "roles": ["Admin"]],
             expected: ["Admin", "Calendar.Read", "Calendar.Write"]),
        Case(name: "Okta: scp array", scopeClaims: ["scp"], claims: ["scp": ["openid", "read:calendar"]],
             expected: ["openid", "read:calendar"]),
        Case(name: "Keycloak: realm_access.roles + resource_access.<client>.roles", scopeClaims: ["scope", "realm_access.roles", "resource_access.scopegate-api.roles"],
             claims: ["scope": "profile", "realm_access": ["roles": ["offline_access", "user"]],
                      "resource_access": ["scopegate-api": ["roles": ["read:calendar"]], "other-client": ["roles": ["admin"]]]],
             expected: ["offline_access", "profile", "read:calendar", "user"]),
        Case(name: "namespaced claim with dots is read as one member first", scopeClaims: ["https://example.com/roles"],
             claims: ["https://example.com/roles": ["editor"]], expected: ["editor"]),
        Case(name: "missing path step grants nothing", scopeClaims: ["realm_access.roles"], claims: ["scope": "a"], expected: []),
        Case(name: "claims not configured grant nothing", scopeClaims: ["scope"], claims: ["scp": "a b", "permissions": ["c"]], expected: []),
        Case(name: "path through a string", scopeClaims: ["realm_access.roles"], claims: ["realm_access": "admin"], expected: nil),
        Case(name: "roles a number", scopeClaims: ["realm_access.roles"], claims: ["realm_access": ["roles": 1]], expected: nil),
        Case(name: "scp array with an object", scopeClaims: ["scp"], claims: ["scp": ["a", ["b": "c"] as [String: String]] as [any Sendable]], expected: nil),
        Case(name: "scope null", scopeClaims: ["scope"], claims: ["scope": NSNull()], expected: nil),
        // Only RFC 6749 scope-tokens are scopes: the forwarded space-separated list must split
        // back into exactly what the policy decided on.
        Case(name: "array element with a space grants nothing", scopeClaims: ["scope", "permissions"],
             claims: ["scope": "read:appointments", "permissions": ["x admin:appointments", "write:appointments"]],
             expected: ["read:appointments", "write:appointments"]),
        Case(name: "tab, CR and LF inside pieces", scopeClaims: ["scope", "roles"],
             claims: ["scope": "a\tb c", "roles": ["d\re", "f\ng", "h"]], expected: ["c", "h"]),
        Case(name: "quote, backslash, DEL, empty", scopeClaims: ["roles"],
             claims: ["roles": ["a\"b", "c\\d", "e\u{7F}", "", "ok"]], expected: ["ok"]),
        Case(name: "non-ASCII: no-break space does not split, look-alikes are not scopes", scopeClaims: ["scope"],
             claims: ["scope": "a\u{A0}b \u{212A}iosk:read caf\u{E9} ok"], expected: ["ok"]),
        Case(name: "SP followed by a combining mark splits on the byte", scopeClaims: ["scope"],
             claims: ["scope": "a \u{301}b"], expected: ["a"]),
    ]

    @Test("granted scopes", arguments: cases)
    func granted(_ testCase: Case) async throws {
        let verifier = try await F.verifier(configure: { $0.scopeClaims = testCase.scopeClaims })
        var claims = F.claims(["scope": NSNull(), "permissions": NSNull()])
        for (name, value) in testCase.claims { claims[name] = value }
        if testCase.name == "scope null" { claims["scope"] = NSNull() }
        let token = try await F.token(signedBy: F.rsaA, claims: claims)
        let result = verifier.verifyAtOnce(token, now: F.now)
        if let expected = testCase.expected {
            #expect((try? result.get())?.grantedScopes == expected, "\(result)")
        } else {
            #expect(result.reason == .invalidClaim, "\(result)")
        }
    }
}
