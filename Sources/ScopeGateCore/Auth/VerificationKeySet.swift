import Foundation
import JWTKit

/// The issuer's usable verification keys, built from a JWK Set (RFC 7517 §5).
///
/// Each member of `keys` is read on its own: an unusable one (symmetric `oct` unless the
/// JWKS is a local file, an encryption key, an unknown `kty`/`crv`/`alg`, bad key material, an RSA modulus
/// under 2048 bits) is left out and listed in ``skipped``, it does not fail the set.
/// jwt-kit's `add(jwksJSON:)` would throw for the whole set instead, and would let a
/// token's header pick and cache the algorithm of a JWK without `alg`; here every
/// (key, algorithm) verifier is built once, up front, from a single-key
/// `JWTKeyCollection`, and the collection is thrown away.
public struct VerificationKeySet: Sendable {
    /// The usable keys, in JWKS order.
    public let keys: [VerificationKey]
    /// The members that were left out, in JWKS order.
    public let skipped: [SkippedKey]

    /// Builds the set from JWKS JSON bytes.
    ///
    /// - Parameters:
    ///   - jwks: the JWKS document, `{"keys": [JWK, ...]}`.
    ///   - allowed: the issuer's `algorithms`; a key gets a verifier for each of these that fits it.
    ///   - symmetricKeys: whether `oct` members become HMAC keys; `.reject` (the default)
    ///     for anything fetched from the network.
    /// - Returns: the set; EMPTY when every member was skipped or `keys` is `[]`. That is
    ///   a valid set, not an error (an issuer may withdraw every key): its issuer's tokens
    ///   are refused with `unknown_kid`, and the loaders report it (``KeySetWarning``).
    /// - Throws: ``KeySetLoadError`` `notJSON` or `noKeysArray` (RFC 7517 §5).
    public static func load(
        jwks: some Collection<UInt8>, allowed: [JWSAlgorithm], symmetricKeys: SymmetricKeyPolicy = .reject
    ) async throws(KeySetLoadError) -> VerificationKeySet {
        guard let document = JSONValue.decodeObject(Array(jwks)) else { throw .notJSON }
        guard case .array(let members)? = document["keys"] else { throw .noKeysArray }
        var keys: [VerificationKey] = []
        var skipped: [SkippedKey] = []
        for (index, member) in members.enumerated() {
            switch JWKDescription.read(member, allowed: allowed, symmetricKeys: symmetricKeys) {
            case .failure(let reason):
                skipped.append(SkippedKey(index: index, keyID: member.keyID, reason: reason.text))
            case .success(let description):
                do {
                    keys.append(try await makeKey(description, index: index))
                } catch {
                    skipped.append(SkippedKey(index: index, keyID: description.keyID, reason: error.text))
                }
            }
        }
        return VerificationKeySet(keys: keys, skipped: skipped)
    }

    /// Reads a local JWKS file and builds the set from it; its `oct` keys are accepted
    /// (the operator wrote the file).
    ///
    /// - Throws: ``KeySetLoadError`` `fileUnreadable` when the file cannot be read, then
    ///   as ``load(jwks:allowed:symmetricKeys:)``.
    public static func load(fileAt path: String, allowed: [JWSAlgorithm]) async throws(KeySetLoadError)
        -> VerificationKeySet
    {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .fileUnreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return try await load(jwks: data, allowed: allowed, symmetricKeys: .accept)
    }

    /// A set of `keys` built elsewhere (local HMAC secrets), nothing skipped.
    public init(keys: [VerificationKey], skipped: [SkippedKey] = []) {
        self.keys = keys
        self.skipped = skipped
    }

    /// Whether the set holds a key with `kid` exactly `keyID`.
    public func contains(keyID: String) -> Bool {
        keys.contains { $0.keyID?.isIdentical(to: keyID) ?? false }
    }

    /// The keys whose `kid` is exactly `keyID`.
    public func keys(withID keyID: String) -> [VerificationKey] {
        keys.filter { $0.keyID?.isIdentical(to: keyID) ?? false }
    }

    private static func makeKey(_ description: JWKDescription, index: Int) async throws(JWKDescription.SkipReason)
        -> VerificationKey
    {
        if case .oct(let secret) = description.material {
            return VerificationKey.hmac(secret: secret, keyID: description.keyID, algorithms: description.algorithms, index: index)
        }
        // A synthetic kid: the JWK may have none, and two JWKs may share one.
        let internalID = JWKIdentifier(string: "scopegate-key-\(index)")
        var verifiers: [JWSAlgorithm: any JWTAlgorithm] = [:]
        for algorithm in description.algorithms {
            guard let jwkAlgorithm = JWK.Algorithm(rawValue: algorithm.rawValue) else {
                throw "alg \(algorithm.rawValue) is not supported by jwt-kit"
            }
            let jwk: JWK
            switch description.material {
            case .rsa(let modulus, let exponent):
                jwk = .rsa(jwkAlgorithm, identifier: internalID, modulus: modulus, exponent: exponent)
            case .ec(let curve, let x, let y):
                guard let ecCurve = ECDSACurve(rawValue: curve) else { throw "crv \(curve) is not supported" }
                jwk = .ecdsa(jwkAlgorithm, identifier: internalID, x: x, y: y, curve: ecCurve)
            case .okp(let curve, let x):
                guard let okpCurve = EdDSACurve(rawValue: curve) else { throw "crv \(curve) is not supported" }
                jwk = .octetKeyPair(jwkAlgorithm, identifier: internalID, x: x, y: nil, curve: okpCurve)
            case .oct:
                throw "oct keys are built without jwt-kit"
            }
            do {
                let collection = JWTKeyCollection()
                try await collection.add(jwk: jwk)
                verifiers[algorithm] = try await collection.getKey(for: internalID, alg: algorithm.rawValue)
            } catch {
                throw "key material is not a valid \(algorithm.rawValue) public key"
            }
        }
        return VerificationKey(
            keyID: description.keyID, keyType: description.material.keyType, curve: description.material.curve,
            index: index, verifiers: verifiers)
    }
}

extension JWKDescription.Material {
    fileprivate var keyType: String {
        switch self {
        case .rsa: return "RSA"
        case .ec: return "EC"
        case .okp: return "OKP"
        case .oct: return "oct"
        }
    }
}

extension JSONValue {
    /// The `kid` of a JWK member, when it is an object with a string `kid`.
    fileprivate var keyID: String? {
        guard case .object(let members) = self, case .string(let kid)? = members["kid"] else { return nil }
        return kid
    }
}
