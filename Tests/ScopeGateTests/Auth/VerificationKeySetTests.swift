import Foundation
import Testing
@testable import ScopeGateCore
@testable import ScopeGateDemo


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

    /// A published private key is compromised (RFC 7517 §9.2): the key is skipped, whatever
    /// else it holds. Found by an adversarial pass: a JWKS with `d` let anyone mint tokens.
    @Test("keys carrying private members are skipped", arguments: ["d", "p", "q", "dp", "dq", "qi"])
    func privateMembers(_ member: String) async throws {
        var rsa = F.rsaA.publicJWK(alg: .rs256)
        rsa[member] = "AQAB"
        var ec = F.ecA.publicJWK()
        ec["d"] = "AQAB"
        let jwks = DemoKeyPair.jwksJSON([rsa, ec, F.rsaB.publicJWK(alg: .rs256)])
        let set = try await VerificationKeySet.load(jwks: jwks, allowed: [.rs256, .es256])
        #expect(set.keys.map(\.keyID) == ["rsa-b"])
        #expect(set.skipped.map(\.index) == [0, 1])
        #expect(set.skipped.allSatisfy { $0.reason.contains("private key members") })
    }

    /// Small-order and non-canonical Ed25519 points (a signature R = identity, S = 0 verified
    /// for any message under the identity key, found by an adversarial pass), with and
    /// without the sign bit; a real Ed25519 key beside them loads.
    @Test("degenerate Ed25519 keys are skipped")
    func weakEd25519() async throws {
        let real = DemoKeyPair.ed25519(keyID: "real")
        let encodings: [[UInt8]] = [
            [UInt8](repeating: 0, count: 32),
            [1] + [UInt8](repeating: 0, count: 31),
            [0xEC] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],
            [0xED] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],   // y = p (non-canonical 0)
            [0xEE] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],   // y = p + 1 (non-canonical 1)
            [0xFF] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],   // y = 2^255 - 1
            [0x26, 0xE8, 0x95, 0x8F, 0xC2, 0xB2, 0x27, 0xB0, 0x45, 0xC3, 0xF4, 0x89, 0xF2, 0xEF, 0x98, 0xF0,
             0xD5, 0xDF, 0xAC, 0x05, 0xD3, 0xC6, 0x33, 0x39, 0xB1, 0x38, 0x02, 0x88, 0x6D, 0x53, 0xFC, 0x05],
            [0xC7, 0x17, 0x6A, 0x70, 0x3D, 0x4D, 0xD8, 0x4F, 0xBA, 0x3C, 0x0B, 0x76, 0x0D, 0x10, 0x67, 0x0F,
             0x2A, 0x20, 0x53, 0xFA, 0x2C, 0x39, 0xCC, 0xC6, 0x4E, 0xC7, 0xFD, 0x77, 0x92, 0xAC, 0x03, 0x7A],
        ]
        var members: [[String: String]] = []
        for (index, encoding) in encodings.enumerated() {
            for sign in [UInt8(0), 0x80] {
                var x = encoding
                x[31] |= sign
                #expect(Ed25519WeakKey.isWeak(x), "encoding \(index) sign \(sign)")
                members.append(["kty": "OKP", "crv": "Ed25519", "kid": "weak-\(index)-\(sign)", "x": Base64URL.encode(x)])
            }
        }
        members.append(real.publicJWK())
        let set = try await VerificationKeySet.load(jwks: DemoKeyPair.jwksJSON(members), allowed: [.eddsa])
        #expect(set.keys.map(\.keyID) == ["real"])
        #expect(set.skipped.count == encodings.count * 2)
        #expect(set.skipped.allSatisfy { $0.reason.contains("small-order") })
        // Ordinary keys are not caught: 200 fresh ones.
        for _ in 0..<200 {
            let key = DemoKeyPair.ed25519(keyID: "k")
            let encoded = try #require(key.publicJWK()["x"])
            let x = try #require(Base64URL.decode(Array(encoded.utf8)))
            #expect(!Ed25519WeakKey.isWeak(x))
        }
    }

    /// A kid-less token is tried against at most `maxCandidateKeys` keys: a large JWKS must
    /// not turn one forged kid-less token into thousands of signature checks on an event loop.
    @Test("kid-less tokens: up to 8 fitting keys are tried, past that a kid is required")
    func candidateCap() async throws {
        let signer = DemoKeyPair.p256(keyID: "signer")
        var signerJWK = signer.publicJWK()
        signerJWK["kid"] = nil
        func verifier(extraKeys: Int) async throws -> TokenVerifier {
            var members = (0..<extraKeys).map { _ -> [String: String] in
                var jwk = DemoKeyPair.p256(keyID: "x").publicJWK()
                jwk["kid"] = nil
                return jwk
            }
            members.append(signerJWK)
            let set = try await VerificationKeySet.load(jwks: DemoKeyPair.jwksJSON(members), allowed: [.es256])
            return TokenVerifier(api: F.api(algorithms: [.es256]), keys: [F.issuer: IssuerKeys(source: StaticKeySource(set), hmacKeys: [])],
                                 maxTokenBytes: 8192)
        }
        let token = try await F.token(signedBy: signer, kid: .some(nil))
        #expect((try? await verifier(extraKeys: 7).verifyAtOnce(token, now: F.now).get()) != nil)
        let result = try await verifier(extraKeys: 8).verifyAtOnce(token, now: F.now)
        #expect(result.reason == .unknownKeyID)
    }

    static let fatal: [(String, [UInt8], KeySetLoadError)] = [
        ("not JSON", Array("nope".utf8), .notJSON),
        ("JSON array", Array("[]".utf8), .notJSON),
        ("no keys member", Array(#"{"key":[]}"#.utf8), .noKeysArray),
        ("keys is an object", Array(#"{"keys":{}}"#.utf8), .noKeysArray),
    ]

    @Test("JWKS that cannot be used", arguments: fatal)
    func fatalJWKS(_ name: String, _ jwks: [UInt8], _ expected: KeySetLoadError) async {
        await #expect(throws: expected) { try await VerificationKeySet.load(jwks: jwks, allowed: [.rs256]) }
    }

    static let empty: [(String, [UInt8], [SkippedKey])] = [
        ("empty keys", Array(#"{"keys":[]}"#.utf8), []),
        (
            "only an oct key", Array(#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#.utf8),
            [SkippedKey(index: 0, keyID: nil, reason: #"kty "oct" is not a signature key type the gateway supports"#)]
        ),
    ]

    /// One rule for files and URLs: a JWK Set with no usable key is a valid, empty set.
    @Test("a JWKS with no usable key loads as an empty set, the skipped members listed", arguments: empty)
    func emptySet(_ name: String, _ jwks: [UInt8], _ skipped: [SkippedKey]) async throws {
        let set = try await VerificationKeySet.load(jwks: jwks, allowed: [.rs256])
        #expect(set.keys.isEmpty)
        #expect(set.skipped == skipped)
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
        #expect(verifier.verifyAtOnce(token, now: F.now).reason == nil)
        let withKid = try await F.token(signedBy: F.ecA)
        #expect(verifier.verifyAtOnce(withKid, now: F.now).reason == .unknownKeyID)
    }
}
