import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


private typealias F = AuthFixtures

/// Issuer, audience, `kid`, claim names and scopes compare code point by code point (RFC 7515
/// §5.3, RFC 7519 §7.3, RFC 9068 §4), never by Swift's Unicode canonical equivalence, under
/// which `"\u{212A}"` (KELVIN SIGN) equals `"K"` and `"e\u{301}"` equals `"é"`.
@Suite("Auth: byte-exact comparisons")
struct AuthExactComparisonTests {
    static let kelvin = "\u{212A}"

    @Test("the helpers tell canonically equivalent strings apart")
    func helpers() {
        #expect("\(Self.kelvin)iosk" == "Kiosk")   // what Swift's == says, and why these exist
        #expect(!"\(Self.kelvin)iosk".isIdentical(to: "Kiosk"))
        #expect(!"cafe\u{301}".isIdentical(to: "café"))
        #expect("café".isIdentical(to: "café"))
        #expect(!["Kiosk", "other"].containsIdentical("\(Self.kelvin)iosk"))
        let table = ["Kiosk": 1]
        #expect(table["\(Self.kelvin)iosk"] == 1)
        #expect(table[exactly: "\(Self.kelvin)iosk"] == nil)
        #expect(table[exactly: "Kiosk"] == 1)
    }

    /// A verifier whose one issuer is `issuer` with audience `audience`.
    private func verifier(issuer: String, audience: String) async throws -> TokenVerifier {
        let keySet = try await VerificationKeySet.load(jwks: F.jwks, allowed: [.rs256], symmetricKeys: .accept)
        var config = F.issuerConfig(issuer, algorithms: [.rs256])
        config.audiences = [audience]
        let api = APIConfig(audience: audience, issuers: [config], clockSkewSeconds: 60,
                            verificationCache: .init(maxEntries: 0))
        return TokenVerifier(api: api, keys: [issuer: IssuerKeys(source: StaticKeySource(keySet), hmacKeys: [])],
                             maxTokenBytes: 8192)
    }

    @Test("iss with KELVIN SIGN for K is not the configured issuer")
    func issuer() async throws {
        let verifier = try await verifier(issuer: "https://Kiosk.issuer.example/", audience: F.audience)
        let good = try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": "https://Kiosk.issuer.example/"]))
        #expect((try? verifier.verifyAtOnce(good, now: F.now).get()) != nil)
        let twin = try await F.token(signedBy: F.rsaA, claims: F.claims(["iss": "https://\(Self.kelvin)iosk.issuer.example/"]))
        #expect(verifier.verifyAtOnce(twin, now: F.now).reason == .invalidIssuer)
    }

    @Test("aud decomposed (e + combining acute) is not the configured composed audience", arguments: [false, true])
    func audience(asArray: Bool) async throws {
        let verifier = try await verifier(issuer: F.issuer, audience: "urn:scopegate:caf\u{E9}-api")
        let twin = "urn:scopegate:cafe\u{301}-api"
        let token = try await F.token(signedBy: F.rsaA, claims: F.claims(["aud": asArray ? [twin, "other"] as Any : twin]))
        #expect(verifier.verifyAtOnce(token, now: F.now).reason == .invalidAudience)
        let good = try await F.token(signedBy: F.rsaA, claims: F.claims(["aud": "urn:scopegate:caf\u{E9}-api"]))
        #expect((try? verifier.verifyAtOnce(good, now: F.now).get()) != nil)
    }

    @Test("a kid that only Unicode-equals the key's kid names no key")
    func keyID() async throws {
        var jwk = F.rsaA.publicJWK(alg: .rs256)
        jwk["kid"] = "Key-1"
        let keySet = try await VerificationKeySet.load(
            jwks: DemoKeyPair.jwksJSON([jwk]), allowed: [.rs256], symmetricKeys: .accept)
        #expect(keySet.contains(keyID: "Key-1"))
        #expect(!keySet.contains(keyID: "\(Self.kelvin)ey-1"))
        #expect(keySet.keys(withID: "\(Self.kelvin)ey-1").isEmpty)
        let verifier = TokenVerifier(
            api: F.api(algorithms: [.rs256]), keys: [F.issuer: IssuerKeys(source: StaticKeySource(keySet), hmacKeys: [])],
            maxTokenBytes: 8192)
        let good = try await F.token(signedBy: F.rsaA, kid: "Key-1")
        #expect((try? verifier.verifyAtOnce(good, now: F.now).get()) != nil)
        let twin = try await F.token(signedBy: F.rsaA, kid: "\(Self.kelvin)ey-1")
        #expect(verifier.verifyAtOnce(twin, now: F.now).reason == .unknownKeyID)
    }

    @Test("a scope with KELVIN SIGN grants nothing, and a claim name matches only exactly")
    func scopes() async throws {
        let verifier = try await F.verifier(configure: { $0.scopeClaims = ["scope", "Kroles"] })
        let claims = F.claims(["scope": "\(Self.kelvin)iosk:read Kiosk:write", "permissions": NSNull(),
                               "\(Self.kelvin)roles": ["admin"]])
        let token = try await F.token(signedBy: F.rsaA, claims: claims)
        #expect((try? verifier.verifyAtOnce(token, now: F.now).get())?.grantedScopes == ["Kiosk:write"])
        #expect(!ScopeRequirement(allOf: ["Kiosk:read"]).isSatisfied(by: ["\(Self.kelvin)iosk:read"]))
    }
}
