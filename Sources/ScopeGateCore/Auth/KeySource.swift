/// Where the ``TokenVerifier`` gets an issuer's current verification keys.
///
/// Read on every verification, from any thread: implementations must return quickly
/// and never block (a JWKS URL source refreshes in the background and swaps its set).
public protocol KeySource: Sendable {
    /// The current key set; `nil` when no keys were ever loaded (tokens are then
    /// rejected with `keys_unavailable`, fail closed).
    var keySet: VerificationKeySet? { get }

    /// Asks for a refetch because a token named `keyID`, which the current set lacks
    /// (key rotation at the issuer). Never blocks.
    ///
    /// - Returns: `false` when no refetch will happen (a static source, or one refetched
    ///   within its cooldown); then `completion` is never called. Otherwise `true`, and
    ///   `completion` is called exactly once, on any thread, when the refetch (started
    ///   now, or already under way and shared) has finished: `true` when the set now
    ///   holds `keyID`.
    func refetch(forUnknownKeyID keyID: String, completion: @escaping @Sendable (Bool) -> Void) -> Bool
}

extension KeySource {
    /// Static sources never refetch.
    public func refetch(forUnknownKeyID keyID: String, completion: @escaping @Sendable (Bool) -> Void) -> Bool {
        false
    }
}

/// A key set loaded once (from an issuer's `jwks.file` at start-up) and never changed.
public struct StaticKeySource: KeySource {
    public let keySet: VerificationKeySet?

    public init(_ keySet: VerificationKeySet?) {
        self.keySet = keySet
    }
}
