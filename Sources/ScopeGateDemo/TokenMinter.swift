import Foundation
import JWTKit
import ScopeGateCore

/// Makes compact JWS tokens. **Demo and test use only**: the `mint-token` command
/// and the test suite. The gateway itself never signs anything, and nothing on the
/// request path may call this.
///
/// The caller gives the header and payload as JSON (an object, or raw bytes so tests
/// can send malformed claims); the header is NOT derived from the key, so a test can
/// claim `RS512` while signing RS256. Output: `BASE64URL(header).BASE64URL(payload).BASE64URL(signature)`
/// (RFC 7515 §7.1).
public enum TokenMinter {
    /// A private key to sign with.
    public enum SigningKey: Sendable {
        /// RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3) with an RSA private key
        /// PEM of at least 2048 bits.
        case rsaPrivateKeyPEM(String)
        /// ES256 (ECDSA P-256 with SHA-256, RFC 7518 §3.4) with a P-256 private key PEM.
        case p256PrivateKeyPEM(String)
        /// RS256/384/512 or PS256/384/512 (RFC 7518 §3.3, §3.5) with an RSA private key PEM.
        case rsa(pem: String, algorithm: JWSAlgorithm)
        /// ES256/384/512 (RFC 7518 §3.4) with a P-256/P-384/P-521 private key PEM.
        case ecdsa(pem: String, algorithm: JWSAlgorithm)
        /// EdDSA with Ed25519 (RFC 8037 §3.1): the 32-byte private seed.
        case ed25519(seed: [UInt8])
        /// HS256/384/512 (RFC 7518 §3.2) with a shared secret.
        case hmac(secret: [UInt8], algorithm: JWSAlgorithm)
    }

    /// A private key made ready once, to sign many tokens in a row (`mint-token --count`).
    public struct Signer: Sendable {
        fileprivate let algorithm: any JWTAlgorithm

        /// Signs `headerJSON` and `payloadJSON` (taken byte for byte).
        public func sign(headerJSON: [UInt8], payloadJSON: [UInt8]) throws -> String {
            let signingInput = TokenMinter.signingInput(headerJSON: headerJSON, payloadJSON: payloadJSON)
            return signingInput + "." + Base64URL.encode(try algorithm.sign(Array(signingInput.utf8)))
        }

        /// Signs JSON objects given as dictionaries (encoded with sorted keys).
        public func sign(header: [String: Any], payload: [String: Any]) throws -> String {
            try sign(headerJSON: try TokenMinter.json(header), payloadJSON: try TokenMinter.json(payload))
        }
    }

    /// Parses `key` once into a ``Signer``.
    ///
    /// - Throws: jwt-kit's errors when the PEM is not a usable private key.
    public static func signer(for key: SigningKey) async throws -> Signer {
        let kid = JWKIdentifier(string: "minter")
        let collection = JWTKeyCollection()
        switch key {
        case .rsaPrivateKeyPEM(let pem):
            let privateKey = try Insecure.RSA.PrivateKey(pem: pem)
            await collection.add(rsa: privateKey, digestAlgorithm: .sha256, kid: kid)
        case .p256PrivateKeyPEM(let pem):
            let privateKey = try ES256PrivateKey(pem: pem)
            await collection.add(ecdsa: privateKey, kid: kid)
        case .rsa(let pem, let algorithm):
            let privateKey = try Insecure.RSA.PrivateKey(pem: pem)
            switch algorithm {
            case .ps256: await collection.add(pss: privateKey, digestAlgorithm: .sha256, kid: kid)
            case .ps384: await collection.add(pss: privateKey, digestAlgorithm: .sha384, kid: kid)
            case .ps512: await collection.add(pss: privateKey, digestAlgorithm: .sha512, kid: kid)
            case .rs384: await collection.add(rsa: privateKey, digestAlgorithm: .sha384, kid: kid)
            case .rs512: await collection.add(rsa: privateKey, digestAlgorithm: .sha512, kid: kid)
            default: await collection.add(rsa: privateKey, digestAlgorithm: .sha256, kid: kid)
            }
        case .ecdsa(let pem, let algorithm):
            switch algorithm {
            case .es384: await collection.add(ecdsa: try ES384PrivateKey(pem: pem), kid: kid)
            case .es512: await collection.add(ecdsa: try ES512PrivateKey(pem: pem), kid: kid)
            default: await collection.add(ecdsa: try ES256PrivateKey(pem: pem), kid: kid)
            }
        case .ed25519(let seed):
            await collection.add(eddsa: try EdDSA.PrivateKey(d: Base64URL.encode(seed), curve: .ed25519), kid: kid)
        case .hmac(let secret, let algorithm):
            let digest: DigestAlgorithm = algorithm == .hs384 ? .sha384 : algorithm == .hs512 ? .sha512 : .sha256
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: digest, kid: kid)
        }
        return Signer(algorithm: try await collection.getKey(for: kid))
    }

    /// Signs `headerJSON` and `payloadJSON` (taken byte for byte) with `key`.
    ///
    /// - Throws: jwt-kit's errors when the PEM is not a usable private key.
    public static func sign(headerJSON: [UInt8], payloadJSON: [UInt8], with key: SigningKey) async throws -> String {
        try await signer(for: key).sign(headerJSON: headerJSON, payloadJSON: payloadJSON)
    }

    /// Signs JSON objects given as dictionaries (encoded with sorted keys).
    ///
    /// - Throws: when a value is not JSON-encodable, or as ``sign(headerJSON:payloadJSON:with:)``.
    public static func sign(header: [String: Any], payload: [String: Any], with key: SigningKey) async throws -> String {
        let headerJSON = try json(header)
        let payloadJSON = try json(payload)
        return try await sign(headerJSON: headerJSON, payloadJSON: payloadJSON, with: key)
    }

    /// An HS256 token (HMAC-SHA-256, RFC 7518 §3.2) with `secret` as the key: the
    /// "public key as HMAC secret" attack of RFC 8725 §2.1, for tests.
    public static func signHS256(headerJSON: [UInt8], payloadJSON: [UInt8], secret: [UInt8]) async throws -> String {
        let kid = JWKIdentifier(string: "minter")
        let collection = JWTKeyCollection()
        await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: kid)
        let signer = try await collection.getKey(for: kid)
        let signingInput = signingInput(headerJSON: headerJSON, payloadJSON: payloadJSON)
        return signingInput + "." + Base64URL.encode(try signer.sign(Array(signingInput.utf8)))
    }

    /// A token with an arbitrary `signature` (empty for an unsecured `alg: none` JWS).
    public static func assemble(headerJSON: [UInt8], payloadJSON: [UInt8], signature: [UInt8]) -> String {
        signingInput(headerJSON: headerJSON, payloadJSON: payloadJSON) + "." + Base64URL.encode(signature)
    }

    /// `object` as JSON bytes with sorted keys.
    public static func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// Unpadded base64url of `bytes` (RFC 7515 §2), for building odd tokens by hand.
    public static func base64URL(_ bytes: [UInt8]) -> String {
        Base64URL.encode(bytes)
    }

    fileprivate static func signingInput(headerJSON: [UInt8], payloadJSON: [UInt8]) -> String {
        Base64URL.encode(headerJSON) + "." + Base64URL.encode(payloadJSON)
    }
}
