/// What ``AccessPolicy/decide(_:now:)`` came to: a ``Decision``, or a wait for the token
/// issuer's keys.
///
/// A request waits only when its token names a `kid` the issuer's key set lacks and the
/// verifier started (or joined) a refetch (``VerificationStep/awaitingKeys(_:)``). The
/// ``KeyWait`` then goes to ``AccessPolicy/resume(_:now:)``, which returns a ``Decision``:
/// a request waits for keys at most once, and is decided once.
public enum DecisionStep: Sendable {
    /// Decided: forward, deny, or answer a preflight.
    case decided(Decision)
    /// Waiting for the issuer's keys; nothing is decided yet.
    case awaitingKeys(KeyWait)
}
