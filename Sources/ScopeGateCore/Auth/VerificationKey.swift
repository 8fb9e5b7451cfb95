import Foundation
import Crypto
import JWTKit

/// One usable verification key: a JWKS public key or a local HMAC secret, with a ready
/// verifier per algorithm.
///
/// Verifiers are built once, at load time; ``verify(_:signs:with:)`` is synchronous and
/// touches no actor, so it is safe and cheap on any thread of the request path.
public struct VerificationKey: Sendable {
    /// The JWK's `kid` (or the HMAC secret's configured `kid`), if it had one (RFC 7517 §4.5).
    public let keyID: String?
    /// The JWK's `kty`: `RSA`, `EC`, `OKP` or `oct`.
    public let keyType: String
    /// The JWK's `crv` for EC and OKP keys.
    public let curve: String?
    /// Position of the key in the JWKS `keys` array (or in `hmac_secrets`), 0-based.
    public let index: Int
    private let verifiers: [JWSAlgorithm: any JWTAlgorithm]

    init(keyID: String?, keyType: String, curve: String?, index: Int, verifiers: [JWSAlgorithm: any JWTAlgorithm]) {
        self.keyID = keyID
        self.keyType = keyType
        self.curve = curve
        self.index = index
        self.verifiers = verifiers
    }

    /// An HMAC key for those of `algorithms` that are HMAC and whose minimum secret size
    /// `secret` meets (RFC 7518 §3.2); it supports no algorithm when none is left.
    static func hmac(secret: [UInt8], keyID: String?, algorithms: [JWSAlgorithm], index: Int) -> VerificationKey {
        let key = SymmetricKey(data: secret)
        var verifiers: [JWSAlgorithm: any JWTAlgorithm] = [:]
        for algorithm in algorithms where algorithm.isHMAC && secret.count >= algorithm.minimumSecretBytes {
            switch algorithm {
            case .hs256: verifiers[algorithm] = HMACVerifier<SHA256>(key: key, name: algorithm.rawValue)
            case .hs384: verifiers[algorithm] = HMACVerifier<SHA384>(key: key, name: algorithm.rawValue)
            default: verifiers[algorithm] = HMACVerifier<SHA512>(key: key, name: algorithm.rawValue)
            }
        }
        return VerificationKey(keyID: keyID, keyType: "oct", curve: nil, index: index, verifiers: verifiers)
    }

    /// The algorithms this key verifies, sorted by name.
    public var algorithms: [JWSAlgorithm] {
        verifiers.keys.sorted { $0.rawValue < $1.rawValue }
    }

    /// Whether this key can verify signatures made with `algorithm`.
    public func supports(_ algorithm: JWSAlgorithm) -> Bool {
        verifiers[algorithm] != nil
    }

    /// Whether `signature` is a valid `algorithm` signature of `signingInput` under this
    /// key (RFC 7515 §5.2 step 8). `false` when the key does not support `algorithm` or
    /// the signature is garbled: an ECDSA signature must be exactly `R || S` of the
    /// curve's size with `1 <= r, s < n` (RFC 7518 §3.4; checked here before the library
    /// sees it, against CVE-2022-21449-style "psychic" signatures), an Ed25519 one 64 bytes.
    public func verify(_ signature: [UInt8], signs signingInput: [UInt8], with algorithm: JWSAlgorithm) -> Bool {
        guard let verifier = verifiers[algorithm] else { return false }
        switch algorithm {
        case .es256, .es384, .es512:
            guard ECDSASignatureShape.isWellFormed(signature, for: algorithm) else { return false }
        case .eddsa:
            guard signature.count == 64 else { return false }
        default:
            break
        }
        return (try? verifier.verify(signature, signs: signingInput)) ?? false
    }
}

/// HMAC verification with a constant-time comparison (swift-crypto's
/// `isValidAuthenticationCode`), without jwt-kit's debug-only key-size assertion.
struct HMACVerifier<H: HashFunction>: JWTAlgorithm {
    let key: SymmetricKey
    let name: String

    func sign(_ plaintext: some DataProtocol) throws -> [UInt8] {
        Array(HMAC<H>.authenticationCode(for: plaintext, using: key))
    }

    func verify(_ signature: some DataProtocol, signs plaintext: some DataProtocol) throws -> Bool {
        HMAC<H>.isValidAuthenticationCode(Array(signature), authenticating: plaintext, using: key)
    }
}
