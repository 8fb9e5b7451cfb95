/// The public part of one JWK (RFC 7517 §4) as the gateway reads it, before any
/// cryptographic object is built.
///
/// Only signature-verification keys survive: `kty` `RSA` (RFC 7518 §6.3.1: `n`, `e`),
/// `EC` (§6.2.1: `crv`, `x`, `y`), `OKP` (RFC 8037 §2: `crv`, `x`) and, from a local
/// JWKS file only (``SymmetricKeyPolicy/accept``), `oct` (§6.4.1: `k`) for HMAC. An `RSA`,
/// `EC` or `OKP` key that carries private members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`) is
/// skipped: a private key published in a JWKS is compromised (RFC 7517 §9.2), anyone could
/// sign with it. So is an Ed25519 key that is a small-order or non-canonical point
/// (``Ed25519WeakKey``).
struct JWKDescription: Sendable, Equatable {
    enum Material: Sendable, Equatable {
        case rsa(modulus: String, exponent: String)
        case ec(curve: String, x: String, y: String)
        case okp(curve: String, x: String)
        /// An HMAC secret (the decoded `k`).
        case oct(secret: [UInt8])
    }


    /// `kid`, if present.
    var keyID: String?
    /// The key material.
    var material: Material
    /// The algorithms this key will verify: the JWK's `alg` alone when present
    /// (RFC 7517 §4.4), else every allowed algorithm that fits `kty` and `crv`.
    var algorithms: [JWSAlgorithm]

    /// Reads one member of the JWKS `keys` array.
    ///
    /// - Returns: the description, or `.failure(reason)` with a short reason when the key
    ///   is unusable: not an object, `use` not `sig` (RFC 7517 §4.2), `key_ops` without
    ///   `verify` (§4.3), unknown or symmetric `kty` (`oct`), unknown `crv`, missing
    ///   members, an `alg` that is unknown, not allowed or does not fit the key type.
    static func read(
        _ value: JSONValue, allowed: [JWSAlgorithm], symmetricKeys: SymmetricKeyPolicy = .reject
    ) -> Result<JWKDescription, SkipReason> {
        guard case .object(let members) = value else { return .failure("not a JSON object") }
        func string(_ name: String) -> String?? {
            switch members[name] {
            case nil: return .some(nil)
            case .string(let text)?: return .some(text)
            default: return nil
            }
        }
        guard let keyID = string("kid") else { return .failure("\"kid\" is not a string") }
        guard let use = string("use") else { return .failure("\"use\" is not a string") }
        if let use, use != "sig" { return .failure("\"use\" is \(TokenRejection.quoted(use)), not \"sig\"") }
        if let ops = members["key_ops"] {
            guard case .array(let list) = ops, list.contains(.string("verify")) else {
                return .failure("\"key_ops\" does not contain \"verify\"")
            }
        }
        guard case .string(let kty)? = members["kty"] else { return .failure("no string \"kty\"") }
        guard let algName = string("alg") else { return .failure("\"alg\" is not a string") }

        let material: Material
        switch kty {
        case "RSA":
            guard case .string(let n)? = members["n"], case .string(let e)? = members["e"] else {
                return .failure("RSA key without string \"n\" and \"e\"")
            }
            material = .rsa(modulus: n, exponent: e)
        case "EC":
            guard case .string(let crv)? = members["crv"], case .string(let x)? = members["x"],
                case .string(let y)? = members["y"]
            else { return .failure("EC key without string \"crv\", \"x\" and \"y\"") }
            material = .ec(curve: crv, x: x, y: y)
        case "OKP":
            guard case .string(let crv)? = members["crv"], case .string(let x)? = members["x"] else {
                return .failure("OKP key without string \"crv\" and \"x\"")
            }
            material = .okp(curve: crv, x: x)
        case "oct" where symmetricKeys == .accept:
            guard case .string(let k)? = members["k"], let secret = Base64URL.decode(Array(k.utf8)), !secret.isEmpty else {
                return .failure("oct key without a base64url \"k\"")
            }
            material = .oct(secret: secret)
        default:
            return .failure("kty \(TokenRejection.quoted(kty)) is not a signature key type the gateway supports")
        }
        if kty != "oct" {
            let privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth"].filter { members[$0] != nil }
            if !privateMembers.isEmpty {
                return .failure("holds private key members (\(privateMembers.joined(separator: ", "))): a published private key is compromised (RFC 7517 §9.2)")
            }
        }
        if case .okp("Ed25519", let x) = material, let bytes = Base64URL.decode(Array(x.utf8)), Ed25519WeakKey.isWeak(bytes) {
            return .failure("Ed25519 key is a small-order or non-canonical point: anyone could forge its signatures (RFC 8032 §5.1.7)")
        }

        let fitting = JWSAlgorithm.allCases.filter {
            $0.keyType == kty && $0.curve == material.curve && material.secretLength >= $0.minimumSecretBytes
        }
        guard !fitting.isEmpty else {
            if case .oct(let secret) = material {
                return .failure("oct key of \(secret.count) bytes is shorter than HS256's 32 (RFC 7518 §3.2)")
            }
            return .failure("crv \(TokenRejection.quoted(material.curve ?? "")) is not supported")
        }
        let algorithms: [JWSAlgorithm]
        if let algName {
            guard let alg = JWSAlgorithm(rawValue: algName) else {
                return .failure("alg \(TokenRejection.quoted(algName)) is not supported")
            }
            guard fitting.contains(alg) else { return .failure("alg \(alg.rawValue) does not fit the key") }
            guard allowed.contains(alg) else { return .failure("alg \(alg.rawValue) is not in the issuer's algorithms") }
            algorithms = [alg]
        } else {
            algorithms = fitting.filter { allowed.contains($0) }
            guard !algorithms.isEmpty else { return .failure("no algorithm of the issuer's algorithms fits the key") }
        }
        return .success(JWKDescription(keyID: keyID, material: material, algorithms: algorithms))
    }

    /// A short, token-free reason why a key was skipped.
    struct SkipReason: Error, Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
        var text: String
        init(_ text: String) { self.text = text }
        init(stringLiteral value: String) { self.text = value }
    }
}

extension JWKDescription.Material {
    /// `crv` for EC and OKP keys, `nil` for RSA.
    var curve: String? {
        switch self {
        case .rsa, .oct: return nil
        case .ec(let curve, _, _), .okp(let curve, _): return curve
        }
    }

    /// The secret's length in bytes for `oct`, else `Int.max` (no HMAC size rule applies).
    var secretLength: Int {
        if case .oct(let secret) = self { return secret.count }
        return .max
    }
}
