/// The JOSE header members the gateway reads (RFC 7515 §4.1).
///
/// - `alg` (§4.1.1): required string.
/// - `kid` (§4.1.4): optional string.
/// - `typ` (§4.1.9): optional string; judged by ``AccessTokenType`` once the signature
///   verified (RFC 9068 §4 asks for `at+jwt`, but many issuers send `JWT` or nothing).
/// - `crit` (§4.1.11): the gateway understands no extension, so any `crit` makes the
///   token invalid.
/// Other members are ignored.
struct JOSEHeader: Sendable, Equatable {
    var algorithm: String
    var keyID: String?
    var type: String?

    /// Reads the header members.
    ///
    /// - Throws: ``TokenRejection`` `malformed_token` when `alg` is missing or not a
    ///   string, `kid` or `typ` is not a string, or `crit` is present.
    init(_ members: [String: JSONValue]) throws(TokenRejection) {
        guard case .string(let alg)? = members["alg"] else {
            throw TokenRejection(.malformedToken, "JWS header has no string \"alg\"")
        }
        if members["crit"] != nil {
            throw TokenRejection(.malformedToken, "JWS header has \"crit\": no extension is supported")
        }
        self.algorithm = alg
        self.keyID = try Self.optionalString("kid", in: members)
        self.type = try Self.optionalString("typ", in: members)
    }

    /// `alg` as one of `allowed` (the issuer's `algorithms`, RFC 8725 §3.1).
    ///
    /// - Throws: ``TokenRejection`` `algorithm_not_allowed` for anything else,
    ///   including `none`, and HMAC unless the issuer allows it.
    func allowedAlgorithm(in allowed: [JWSAlgorithm]) throws(TokenRejection) -> JWSAlgorithm {
        guard let alg = JWSAlgorithm(rawValue: algorithm), allowed.contains(alg) else {
            throw TokenRejection(.algorithmNotAllowed, "alg \(TokenRejection.quoted(algorithm)) is not allowed")
        }
        return alg
    }

    private static func optionalString(_ name: String, in members: [String: JSONValue]) throws(TokenRejection)
        -> String?
    {
        switch members[name] {
        case nil: return nil
        case .string(let value)?: return value
        case let other?: throw TokenRejection(.malformedToken, "JWS header \"\(name)\" is a \(other.typeName), not a string")
        }
    }
}
