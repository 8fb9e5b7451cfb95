/// A JWK Set that loaded but gives its issuer no usable verification key.
///
/// One rule for a JWKS file and a fetched JWKS alike: such a set is loaded, valid and empty
/// (an issuer may withdraw every key, RFC 7517 §5), the issuer counts as ready, and every
/// token it would have verified is refused with 401 `unknown_kid`. It is never silent:
/// `scopegate check` prints this as `warning: <path>: <message>` (JWKS files; remote sets are
/// not fetched by `check`), and `serve` logs it as one `jwks_no_usable_key` line.
public struct KeySetWarning: Sendable, Equatable, CustomStringConvertible {
    /// JSON path of the config member: `api.issuers[1].jwks.file`, `….jwks.url` or
    /// `….jwks.discovery` (`api.issuers[0]` is also the single-issuer shorthand).
    public var path: String
    /// The issuer (`iss` string) whose tokens are affected.
    public var issuer: String
    /// Where the set came from: the file's path or the JWKS URL.
    public var location: String
    /// The members that were left out, and why, in JWKS order (empty for `"keys": []`).
    public var skipped: [SkippedKey]
    /// Whether the issuer has `hmac_secrets`: then its `HS*` tokens still verify.
    public var hasHMACSecrets: Bool

    /// The warning for `keySet`, or `nil` when the set holds a usable key, or when it is an
    /// empty `keys` array beside `hmac_secrets` (how an issuer with only local HMAC secrets
    /// fills its required `jwks`: nothing was left out, nothing to warn about).
    public init?(keySet: VerificationKeySet, path: String, issuer: String, location: String, hasHMACSecrets: Bool) {
        guard keySet.keys.isEmpty, !(keySet.skipped.isEmpty && hasHMACSecrets) else { return nil }
        self.path = path
        self.issuer = issuer
        self.location = location
        self.skipped = keySet.skipped
        self.hasHMACSecrets = hasHMACSecrets
    }

    /// `JWK Set <location> has no usable verification key: keys[0] (kid "x"): <reason>; every
    /// token of this issuer is refused (401 unknown_kid) until it holds a usable key`.
    public var message: String {
        let why = skipped.isEmpty ? " (\"keys\" is empty)" : ": " + skipped.map(\.description).joined(separator: "; ")
        let effect = hasHMACSecrets
            ? "only this issuer's hmac_secrets verify its tokens"
            : "every token of this issuer is refused (401 unknown_kid) until it holds a usable key"
        return "JWK Set \(location) has no usable verification key\(why); \(effect)"
    }

    /// The warning as a path and a message, the form `scopegate check` prints.
    public var problem: ConfigProblem { ConfigProblem(path: path, message: message) }

    public var description: String { problem.description }
}
