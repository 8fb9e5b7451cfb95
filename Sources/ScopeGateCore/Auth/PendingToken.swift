import Foundation

/// A bearer token whose `kid` its issuer's key set lacks, held while the issuer's key source
/// refetches its JWKS (``VerificationStep/awaitingKeys(_:)``).
///
/// It keeps what the verification read before it needed a key: the compact JWS split and
/// decoded (RFC 7515 §7.1), its JOSE header, the issuer its `iss` chose, the `alg` that issuer
/// allows, the `kid` and the cache key. ``TokenVerifier/resume(_:now:)`` carries on from key
/// selection, without parsing the token again. Nothing in it is trusted yet: the signature
/// has not been checked.
///
/// A value; ``whenKeysArrive(_:)`` may be called from any thread, once.
public struct PendingToken: Sendable {
    let token: ParsedToken
    /// The `kid` of the token's JOSE header (RFC 7515 §4.1.4), not in the set when it was read.
    public let keyID: String
    let arrival: KeyArrival

    /// The `issuer` of the configured issuer whose keys are refetched.
    public var issuer: String { token.issuer.issuer }

    /// Calls `completion` once, on any thread, when the refetch has finished, whether it
    /// succeeded or not and whether the new set holds the `kid` (``TokenVerifier/resume(_:now:)``
    /// finds out). When it has already finished, `completion` runs at once, on this thread.
    ///
    /// Call it at most once per pending token (a second call traps).
    public func whenKeysArrive(_ completion: @escaping @Sendable () -> Void) {
        arrival.whenArrived(completion)
    }

    /// Returns when the refetch has finished (``whenKeysArrive(_:)`` awaited; the same once-only rule).
    public func keysArrived() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            whenKeysArrive { continuation.resume() }
        }
    }
}

/// A token read as far as the choice of its verification keys: split and decoded, its header
/// read, its issuer chosen by the unverified `iss` and its `alg` allowed by that issuer.
struct ParsedToken: Sendable {
    var jws: CompactJWS
    var header: JOSEHeader
    var issuer: IssuerConfig
    var algorithm: JWSAlgorithm
    /// The SHA-256 of the token text, when the verifier has a cache.
    var cacheKey: VerificationCache.Key?
}
