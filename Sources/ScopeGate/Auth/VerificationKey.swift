import JWTKit

/// One usable public key of a JWKS, with a ready jwt-kit verifier per algorithm.
///
/// Verifiers are built once, at load time; ``verify(_:signs:with:)`` is synchronous and
/// touches no actor, so it is safe and cheap on any thread of the request path.
public struct VerificationKey: Sendable {
    /// The JWK's `kid`, if it had one (RFC 7517 §4.5).
    public let keyID: String?
    /// The JWK's `kty`: `RSA`, `EC` or `OKP`.
    public let keyType: String
    /// The JWK's `crv` for EC and OKP keys.
    public let curve: String?
    /// Position of the key in the JWKS `keys` array (0-based).
    public let index: Int
    private let verifiers: [JWSAlgorithm: any JWTAlgorithm]

    init(keyID: String?, keyType: String, curve: String?, index: Int, verifiers: [JWSAlgorithm: any JWTAlgorithm]) {
        self.keyID = keyID
        self.keyType = keyType
        self.curve = curve
        self.index = index
        self.verifiers = verifiers
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
    /// the signature is garbled (wrong length, not a curve point, ...).
    public func verify(_ signature: [UInt8], signs signingInput: [UInt8], with algorithm: JWSAlgorithm) -> Bool {
        guard let verifier = verifiers[algorithm] else { return false }
        return (try? verifier.verify(signature, signs: signingInput)) ?? false
    }
}
