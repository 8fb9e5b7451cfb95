/// A decision that waits for the token issuer's keys (``DecisionStep/awaitingKeys(_:)``).
///
/// It carries what the decision computed before the token needed a key: the route, the
/// normalised target to forward (a query token already removed), the route's scope
/// requirement for the method, the request's `Origin` for CORS, and the ``PendingToken``.
/// ``AccessPolicy/resume(_:now:)`` finishes the decision from there: the request target is
/// not parsed again, the token not extracted or parsed again.
///
/// A value; ``whenKeysArrive(_:)`` may be called from any thread, once.
public struct KeyWait: Sendable {
    /// The matched route.
    public let route: Route
    /// The normalised target to forward.
    public let target: RequestTarget
    /// What the route requires for the method.
    public let requirement: ScopeRequirement
    /// Whether the method's rule is enforced or shadowed.
    let enforcement: Enforcement
    /// The request's `Origin`, for the CORS headers of the decision.
    let origin: String?
    /// The token, parsed and waiting for its keys.
    public let token: PendingToken

    /// Calls `completion` once, on any thread, when the key refetch has finished (at once, on
    /// this thread, when it already has). See ``PendingToken/whenKeysArrive(_:)``.
    public func whenKeysArrive(_ completion: @escaping @Sendable () -> Void) {
        token.whenKeysArrive(completion)
    }

    /// Returns when the key refetch has finished. See ``PendingToken/keysArrived()``.
    public func keysArrived() async {
        await token.keysArrived()
    }
}
