import Crypto
import Foundation
import JWTKit
import ScopeGateCore

/// A freshly generated signing key and its public JWK. **Demo and test use only**
/// (with ``TokenMinter``): keys live in memory and are never persisted by this type.
public struct DemoKeyPair: Sendable {
    /// The algorithm the key signs with.
    public let algorithm: JWSAlgorithm
    /// The `kid` put in the public JWK.
    public let keyID: String
    /// The private key in PEM (PKCS#8 for RSA, SEC1/PKCS#8 for EC, as jwt-kit emits it);
    /// empty for Ed25519 and HMAC keys.
    public let privateKeyPEM: String
    /// The public key in PEM (SubjectPublicKeyInfo), e.g. to misuse as an HMAC secret in
    /// tests; empty for Ed25519 and HMAC keys.
    public let publicKeyPEM: String
    /// The key for ``TokenMinter``.
    public let signingKey: TokenMinter.SigningKey
    private let publicMembers: [String: String]

    /// A new RSA-2048 key for `algorithm` (RS256/384/512, PS256/384/512). Slow in debug
    /// builds (about a second).
    ///
    /// - Throws: jwt-kit's errors if key generation fails.
    public static func rsa(keyID: String, algorithm: JWSAlgorithm = .rs256) throws -> DemoKeyPair {
        let key = try Insecure.RSA.PrivateKey(backing: .init(keySize: .bits2048))
        let primitives = try key.publicKey.getKeyPrimitives()
        let pem = key.pemRepresentation
        return DemoKeyPair(
            algorithm: algorithm, keyID: keyID, privateKeyPEM: pem, publicKeyPEM: key.publicKey.pemRepresentation,
            signingKey: algorithm == .rs256 ? .rsaPrivateKeyPEM(pem) : .rsa(pem: pem, algorithm: algorithm),
            publicMembers: [
                "kty": "RSA", "n": Base64URL.encode(primitives.modulus), "e": Base64URL.encode(primitives.publicExponent),
            ])
    }

    /// A new P-256 key for ES256.
    public static func p256(keyID: String) -> DemoKeyPair {
        ecdsa(keyID: keyID, algorithm: .es256)
    }

    /// A new ECDSA key for `algorithm`: ES256 (P-256), ES384 (P-384) or ES512 (P-521).
    public static func ecdsa(keyID: String, algorithm: JWSAlgorithm) -> DemoKeyPair {
        let pem: String, publicPEM: String, parameters: ECDSAParameters?
        switch algorithm {
        case .es384:
            let key = ES384PrivateKey()
            (pem, publicPEM, parameters) = (key.pemRepresentation, key.publicKey.pemRepresentation, key.parameters)
        case .es512:
            let key = ES512PrivateKey()
            (pem, publicPEM, parameters) = (key.pemRepresentation, key.publicKey.pemRepresentation, key.parameters)
        default:
            let key = ES256PrivateKey()
            (pem, publicPEM, parameters) = (key.pemRepresentation, key.publicKey.pemRepresentation, key.parameters)
        }
        let algorithm: JWSAlgorithm = [.es384, .es512].contains(algorithm) ? algorithm : .es256
        return DemoKeyPair(
            algorithm: algorithm, keyID: keyID, privateKeyPEM: pem, publicKeyPEM: publicPEM,
            signingKey: algorithm == .es256 ? .p256PrivateKeyPEM(pem) : .ecdsa(pem: pem, algorithm: algorithm),
            publicMembers: [
                "kty": "EC", "crv": algorithm.curve ?? "P-256", "x": parameters?.x ?? "", "y": parameters?.y ?? "",
            ])
    }

    /// A new Ed25519 key for EdDSA (RFC 8037).
    public static func ed25519(keyID: String) -> DemoKeyPair {
        let key = Curve25519.Signing.PrivateKey()
        return DemoKeyPair(
            algorithm: .eddsa, keyID: keyID, privateKeyPEM: "", publicKeyPEM: "",
            signingKey: .ed25519(seed: Array(key.rawRepresentation)),
            publicMembers: ["kty": "OKP", "crv": "Ed25519", "x": Base64URL.encode(Array(key.publicKey.rawRepresentation))])
    }

    /// An HMAC key for `algorithm` (HS256/384/512): `secret`, or fresh random bytes of the
    /// hash size. Its "public" JWK is the `oct` key itself (`k`): for local JWKS files only.
    public static func hmac(keyID: String, algorithm: JWSAlgorithm = .hs256, secret: [UInt8]? = nil) -> DemoKeyPair {
        let bytes = secret ?? Array(SymmetricKey(size: .init(bitCount: max(32, algorithm.minimumSecretBytes) * 8))
            .withUnsafeBytes { Array($0) })
        return DemoKeyPair(
            algorithm: algorithm, keyID: keyID, privateKeyPEM: "", publicKeyPEM: "",
            signingKey: .hmac(secret: bytes, algorithm: algorithm),
            publicMembers: ["kty": "oct", "k": Base64URL.encode(bytes)])
    }

    /// The public JWK (RFC 7517 §4) as string members: `kty`, key material, `kid`
    /// (unless `includeKeyID` is false), `use: "sig"`, and `alg` when given.
    public func publicJWK(alg: JWSAlgorithm? = nil, includeKeyID: Bool = true) -> [String: String] {
        var members = publicMembers
        members["use"] = "sig"
        if includeKeyID { members["kid"] = keyID }
        if let alg { members["alg"] = alg.rawValue }
        return members
    }

    /// A JWKS document `{"keys": [...]}` holding `keys` in order, as JSON bytes.
    public static func jwksJSON(_ keys: [[String: String]]) -> [UInt8] {
        (try? TokenMinter.json(["keys": keys])) ?? []
    }
}
