import Foundation
import Testing

@testable import ScopeGate

private typealias F = AuthFixtures

@Suite("Auth: VerificationKeySet")
struct AuthVerificationKeySetTests {
    @Test("fixture JWKS: every key loads with the algorithms that fit it")
    func fixture() async throws {
        let set = try await VerificationKeySet.load(jwks: F.jwks, allowed: [.rs256, .ps256, .es256])
        #expect(set.skipped.isEmpty)
        #expect(set.keys.map(\.keyID) == ["rsa-b", "rsa-a", "ec-a", "rsa-noalg"])
        #expect(set.keys.map(\.algorithms) == [[.rs256], [.rs256], [.es256], [.ps256, .rs256]])
    }

    @Test("one oct key and one good key: the good one loads, the oct one is skipped")
    func octSkipped() async throws {
        let jwks = DemoKeyPair.jwksJSON([["kty": "oct", "kid": "sym", "k": "c2VjcmV0"], F.rsaA.publicJWK(alg: .rs256)])
        let set = try await VerificationKeySet.load(jwks: jwks, allowed: [.rs256])
        #expect(set.keys.map(\.keyID) == ["rsa-a"])
        #expect(set.skipped.map(\.index) == [0])
        #expect(set.skipped.first?.keyID == "sym")
        #expect(set.skipped.first?.reason.contains("oct") == true)
    }

    static let unusable: [(String, [String: String])] = {
        var enc = F.rsaA.publicJWK()
        enc["use"] = "enc"
        var unknownAlg = F.rsaA.publicJWK()
        unknownAlg["alg"] = "RSA-OAEP-256"
        var notAllowed = F.rsaA.publicJWK()
        notAllowed["alg"] = "RS512"
        var wrongCurve = F.ecA.publicJWK()
        wrongCurve["crv"] = "P-384"
        var unknownCurve = F.ecA.publicJWK()
        unknownCurve["crv"] = "secp256k1"
        var badModulus = F.rsaA.publicJWK()
        badModulus["n"] = "AQAB"
        var badPoint = F.ecA.publicJWK()
        badPoint["x"] = "AAAA"
        var missingE = F.rsaA.publicJWK()
        missingE["e"] = nil
        return [
            ("use enc", enc), ("alg RSA-OAEP-256", unknownAlg), ("alg RS512 not allowed", notAllowed),
            ("EC key on P-384 (only ES256 allowed)", wrongCurve), ("unknown crv", unknownCurve),
            ("RSA modulus too small", badModulus), ("EC point not on curve", badPoint), ("RSA without e", missingE),
            ("unknown kty", ["kty": "XYZ", "kid": "x"]),
        ]
    }()

    @Test("unusable key is skipped, the good key beside it loads", arguments: unusable)
    func unusableKey(_ name: String, _ jwk: [String: String]) async throws {
        let jwks = DemoKeyPair.jwksJSON([jwk, F.rsaB.publicJWK(alg: .rs256)])
        let set = try await VerificationKeySet.load(jwks: jwks, allowed: [.rs256, .es256])
        #expect(set.keys.map(\.keyID) == ["rsa-b"])
        #expect(set.skipped.count == 1)
        #expect(set.skipped.first?.index == 0)
    }

    static let fatal: [(String, [UInt8], KeySetLoadError)] = [
        ("not JSON", Array("nope".utf8), .notJSON),
        ("JSON array", Array("[]".utf8), .notJSON),
        ("no keys member", Array(#"{"key":[]}"#.utf8), .noKeysArray),
        ("keys is an object", Array(#"{"keys":{}}"#.utf8), .noKeysArray),
        ("empty keys", Array(#"{"keys":[]}"#.utf8), .noUsableKeys(skipped: [])),
        (
            "only an oct key", Array(#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#.utf8),
            .noUsableKeys(skipped: [
                SkippedKey(index: 0, keyID: nil, reason: #"kty "oct" is not a signature key type the gateway supports"#)
            ])
        ),
    ]

    @Test("JWKS that cannot be used", arguments: fatal)
    func fatalJWKS(_ name: String, _ jwks: [UInt8], _ expected: KeySetLoadError) async {
        await #expect(throws: expected) { try await VerificationKeySet.load(jwks: jwks, allowed: [.rs256]) }
    }

    @Test("load(fileAt:) reads a JWKS file; a missing file is fileUnreadable")
    func file() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-jwks-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(F.jwks).write(to: URL(fileURLWithPath: path))
        let set = try await VerificationKeySet.load(fileAt: path, allowed: [.rs256])
        #expect(set.keys.map(\.keyID) == ["rsa-b", "rsa-a", "rsa-noalg"])
        #expect(set.skipped.map(\.keyID) == ["ec-a"])

        do {
            _ = try await VerificationKeySet.load(fileAt: path + ".missing", allowed: [.rs256])
            Issue.record("expected fileUnreadable")
        } catch {
            guard case .fileUnreadable(let failedPath, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(failedPath == path + ".missing")
        }
    }

    @Test("key without kid gets verifiers too and is used for tokens without kid")
    func keyWithoutKid() async throws {
        let jwks = DemoKeyPair.jwksJSON([F.ecA.publicJWK(includeKeyID: false)])
        let set = try await VerificationKeySet.load(jwks: jwks, allowed: [.es256])
        #expect(set.keys.first?.keyID == nil)
        let verifier = TokenVerifier(api: F.api(), keys: [F.issuer: IssuerKeys(source: StaticKeySource(set))], maxTokenBytes: 8192)
        let token = try await F.token(signedBy: F.ecA, kid: .some(nil))
        #expect(verifier.verify(token, now: F.now).reason == nil)
        let withKid = try await F.token(signedBy: F.ecA)
        #expect(verifier.verify(withKid, now: F.now).reason == .unknownKeyID)
    }
}
