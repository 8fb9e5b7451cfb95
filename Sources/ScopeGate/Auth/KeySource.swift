/// Where the ``TokenVerifier`` gets the issuer's current verification keys.
///
/// Read on every verification, from any thread: implementations must return quickly
/// and never block (a JWKS URL source refreshes in the background and swaps its set).
public protocol KeySource: Sendable {
    /// The current key set; `nil` when no keys were ever loaded (tokens are then
    /// rejected with `keys_unavailable`, fail closed).
    var keySet: VerificationKeySet? { get }
}

/// A key set loaded once (from `api.jwks.file` at start-up) and never changed.
public struct StaticKeySource: KeySource {
    public let keySet: VerificationKeySet?

    public init(_ keySet: VerificationKeySet?) {
        self.keySet = keySet
    }
}
