/// Why a JWKS could not become a ``VerificationKeySet``.
///
/// A JWK Set whose members are all unusable is NOT one of these: it is a valid, empty set
/// (its ``VerificationKeySet/skipped`` says why), whether it came from a file or a URL.
public enum KeySetLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file at `path` could not be read; `reason` is the system's message.
    case fileUnreadable(path: String, reason: String)
    /// The bytes are not a JSON object (RFC 7517 §5).
    case notJSON
    /// The JSON object has no `keys` array (RFC 7517 §5.1).
    case noKeysArray

    public var description: String {
        switch self {
        case .fileUnreadable(let path, let reason): return "JWKS file \(path) cannot be read: \(reason)"
        case .notJSON: return "JWKS is not a JSON object"
        case .noKeysArray: return "JWKS has no \"keys\" array"
        }
    }
}

/// A JWKS member that was left out of a ``VerificationKeySet``, and why.
public struct SkippedKey: Sendable, Equatable, CustomStringConvertible {
    /// Position in the `keys` array (0-based), as in `keys[3]`.
    public var index: Int
    /// The key's `kid`, if it had a string one.
    public var keyID: String?
    /// A short reason, e.g. `kty "oct" is not a signature key type the gateway supports`.
    public var reason: String

    public init(index: Int, keyID: String?, reason: String) {
        self.index = index
        self.keyID = keyID
        self.reason = reason
    }

    public var description: String {
        "keys[\(index)]" + (keyID.map { " (kid \(TokenRejection.quoted($0)))" } ?? "") + ": " + reason
    }
}
