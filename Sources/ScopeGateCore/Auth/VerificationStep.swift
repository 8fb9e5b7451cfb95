/// What one verification of a bearer token came to (``TokenVerifier/verify(_:now:)``).
///
/// Only ``awaitingKeys(_:)`` is not an answer yet: the token's `kid` is not in its issuer's
/// key set, and the issuer's remote key source has started (or joined) a refetch, since the
/// issuer may have rotated its keys (RFC 7517 §4.5; OpenID Connect Core §10.1.1). Its
/// ``PendingToken`` goes to ``TokenVerifier/resume(_:now:)`` once the keys are in, which
/// returns a plain `Result`: a token waits for keys at most once.
public enum VerificationStep: Sendable {
    /// Every check passed (see ``TokenVerifier/verify(_:now:)`` for the list).
    case verified(VerifiedToken)
    /// The first check that failed, final. Among them `unknown_kid` when no refetch will
    /// happen: no `kid`, a `kid` the set holds too often (more than 8 keys), a static key
    /// source, or the source's refetch cooldown.
    case rejected(TokenRejection)
    /// The `kid` is not in the issuer's key set and a refetch is under way.
    case awaitingKeys(PendingToken)
}
