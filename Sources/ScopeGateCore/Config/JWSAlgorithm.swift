/// A JWS algorithm the gateway can verify (RFC 7518 §3.1, RFC 8037 §3.1).
///
/// `none` is deliberately absent. The HMAC family is present but usable only with
/// secrets configured locally: an issuer's published (public) key must never become an
/// HMAC secret (RFC 8725 §2.1, §3.1), so remote JWKS `oct` keys are never loaded.
public enum JWSAlgorithm: String, Sendable, CaseIterable, Codable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"
    case eddsa = "EdDSA"
    case hs256 = "HS256", hs384 = "HS384", hs512 = "HS512"

    /// The JWK `kty` a key must have to be used with this algorithm (RFC 7518 §6.1, RFC 8037 §2).
    public var keyType: String {
        switch self {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: return "RSA"
        case .es256, .es384, .es512: return "EC"
        case .eddsa: return "OKP"
        case .hs256, .hs384, .hs512: return "oct"
        }
    }

    /// For EC and OKP keys, the JWK `crv` the key must have; `nil` for RSA and oct.
    public var curve: String? {
        switch self {
        case .es256: return "P-256"
        case .es384: return "P-384"
        case .es512: return "P-521"
        case .eddsa: return "Ed25519"
        default: return nil
        }
    }

    /// Whether this is an HMAC algorithm (a shared secret, not a public key).
    public var isHMAC: Bool { keyType == "oct" }

    /// For HMAC: the smallest secret in bytes, the hash output size (RFC 7518 §3.2); else 0.
    public var minimumSecretBytes: Int {
        switch self {
        case .hs256: return 32
        case .hs384: return 48
        case .hs512: return 64
        default: return 0
        }
    }
}
