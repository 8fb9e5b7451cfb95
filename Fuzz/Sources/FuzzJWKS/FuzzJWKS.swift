import Foundation
import FuzzSupport
import ScopeGateCore
import ScopeGateDemo

/// A JWK Set as an issuer's endpoint serves it (RFC 7517 §5, RFC 7518 §6): parse, key
/// import, then every imported key used to check a token, as a request would; and the same
/// bytes as an OpenID Connect discovery document (Discovery §4.2, RFC 8414 §3.2).
///
/// Invariants: the set is loaded or refused with a typed error, never a trap; from the network
/// no `oct` member becomes a key (RFC 8725 §2.1); every key kept has a type one of its
/// algorithms fits; no token is accepted with a signature none of these keys made.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWKS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    let probe = Probe.shared
    for symmetric in bytes.count < 1 << 16 && contains(bytes, "\"oct\"") ? [false, true] : [false] {
        let loaded = FuzzFixture.blocking {
            try await VerificationKeySet.load(jwks: bytes, allowed: JWSAlgorithm.allCases,
                                              symmetricKeys: symmetric ? .accept : .reject)
        }
        guard case .success(let set) = loaded else { continue }
        for key in set.keys {
            FuzzInvariant.require(symmetric || key.keyType != "oct", "an oct member became a key from the network")
            FuzzInvariant.require(!key.algorithms.isEmpty && key.algorithms.allSatisfy { $0.keyType == key.keyType },
                                  "key \(key.keyID.debugDescription) of type \(key.keyType) kept for \(key.algorithms)")
        }
        probe.verifyEveryToken(against: set)
    }
    _ = try? OpenIDDiscovery.jwksURI(fromConfiguration: bytes, url: "https://issuer.fuzz.scopegate.local/.well-known/openid-configuration",
                                     expectedIssuer: FuzzFixture.issuer)
    return 0
}

private func contains(_ bytes: [UInt8], _ text: String) -> Bool {
    let needle = Array(text.utf8)
    guard bytes.count >= needle.count else { return false }
    return (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
}

/// One token per algorithm, without `kid` (so every key of the set whose type and `alg` fit
/// is tried): the four the fixture can sign, signed by the fixture's keys; the others with a
/// signature of the right length made of 0x01 bytes.
private final class Probe: Sendable {
    static let shared = Probe()
    let tokens: [String]
    let api: APIConfig

    private init() {
        let fixture = FuzzFixture.shared
        var api = fixture.config.api
        api.issuers[0].algorithms = JWSAlgorithm.allCases
        api.issuers[0].requiredClaims = []
        api.verificationCache = .init(maxEntries: 0)
        self.api = api
        let payload = Array("""
        {"iss":"\(FuzzFixture.issuer)","aud":"\(FuzzFixture.audience)","exp":1800000600,"iat":1799999900,"sub":"s","scope":"read:appointments"}
        """.utf8)
        tokens = JWSAlgorithm.allCases.map { algorithm in
            let header = Array("{\"alg\":\"\(algorithm.rawValue)\",\"typ\":\"at+jwt\"}".utf8)
            if let signer = fixture.signers.first(where: { $0.algorithm == algorithm.rawValue }),
               let token = try? signer.signer.sign(headerJSON: header, payloadJSON: payload) {
                return token
            }
            let length = ["ES384": 96, "ES512": 132, "EdDSA": 64, "HS256": 32, "HS384": 48, "HS512": 64][algorithm.rawValue] ?? 256
            return TokenMinter.assemble(headerJSON: header, payloadJSON: payload, signature: Array(repeating: 1, count: length))
        }
    }

    func verifyEveryToken(against set: VerificationKeySet) {
        let keys = [FuzzFixture.issuer: IssuerKeys(source: StaticKeySource(set))]
        let verifier = TokenVerifier(api: api, keys: keys, maxTokenBytes: 8192)
        for token in tokens {
            if case .verified(let verified) = verifier.verify(token, now: FuzzFixture.now) {
                // Only the fixture's own keys could have made these signatures.
                let own = FuzzFixture.shared.signers.map(\.keyID)
                FuzzInvariant.require(verified.algorithm.map { ["HS256", "ES256", "EdDSA", "RS256"].contains($0.rawValue) } ?? false,
                                      "accepted a \(String(describing: verified.algorithm)) token with a made-up signature (kid \(String(describing: verified.keyID)), own \(own))")
            }
        }
    }
}
