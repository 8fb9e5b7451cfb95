import Foundation
import JWTKit

/// A freshly generated signing key and its public JWK. **Demo and test use only**
/// (with ``TokenMinter``): keys live in memory and are never persisted by this type.
public struct DemoKeyPair: Sendable {
    /// The algorithm the key signs with: `RS256` or `ES256`.
    public let algorithm: JWSAlgorithm
    /// The `kid` put in the public JWK.
    public let keyID: String
    /// The private key in PEM (PKCS#8 for RSA, SEC1/PKCS#8 for EC, as jwt-kit emits it).
    public let privateKeyPEM: String
    /// The public key in PEM (SubjectPublicKeyInfo), e.g. to misuse as an HMAC secret in tests.
    public let publicKeyPEM: String
    private let publicMembers: [String: String]

    /// A new RSA-2048 key for RS256. Slow in debug builds (about a second).
    ///
    /// - Throws: jwt-kit's errors if key generation fails.
    public static func rsa(keyID: String) throws -> DemoKeyPair {
        let key = try Insecure.RSA.PrivateKey(backing: .init(keySize: .bits2048))
        let primitives = try key.publicKey.getKeyPrimitives()
        return DemoKeyPair(
            algorithm: .rs256, keyID: keyID, privateKeyPEM: key.pemRepresentation,
            publicKeyPEM: key.publicKey.pemRepresentation,
            publicMembers: [
                "kty": "RSA", "n": Base64URL.encode(primitives.modulus), "e": Base64URL.encode(primitives.publicExponent),
            ])
    }

    /// A new P-256 key for ES256.
    public static func p256(keyID: String) -> DemoKeyPair {
        let key = ES256PrivateKey()
        let parameters = key.parameters ?? (x: "", y: "")
        return DemoKeyPair(
            algorithm: .es256, keyID: keyID, privateKeyPEM: key.pemRepresentation,
            publicKeyPEM: key.publicKey.pemRepresentation,
            publicMembers: ["kty": "EC", "crv": "P-256", "x": parameters.x, "y": parameters.y])
    }

    /// The key for ``TokenMinter``.
    public var signingKey: TokenMinter.SigningKey {
        algorithm == .rs256 ? .rsaPrivateKeyPEM(privateKeyPEM) : .p256PrivateKeyPEM(privateKeyPEM)
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
