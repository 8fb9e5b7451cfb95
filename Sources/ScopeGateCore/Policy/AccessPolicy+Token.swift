/// The decision once the token's verification is known: steps 5 to 7 of ``AccessPolicy``,
/// shared by ``AccessPolicy/decide(_:now:)`` and ``AccessPolicy/resume(_:now:)``.
extension AccessPolicy {
    /// The denial a protected route's answer starts from: its route, path and requirement, and
    /// a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3).
    static func tokenDenial(route: Route, path: String, requirement: ScopeRequirement) -> Denial {
        Denial(status: 0, reason: .routeNotFound, description: "", route: route.prefix, backend: route.backend.name,
               path: path, requiredScopes: requirement.alternatives[0], requirement: requirement, challenges: true)
    }

    /// Allows or denies a request on `route` whose token verified or was rejected:
    /// - a rejection: 401 `invalid_token` with its reason (RFC 6750 §3.1), or 503 without a
    ///   challenge for `keys_unavailable`;
    /// - a claim header that cannot be sent (``ClaimHeaderMapping/headers(for:)``): 401
    ///   `invalid_claim`, like a claim the verifier refused;
    /// - scopes short of `requirement`: 403 `insufficient_scope`, naming the alternative
    ///   closest to what the token granted;
    /// - else allowed, to `target`, with the claim headers.
    ///
    /// With `enforcement` ``Enforcement/shadow`` a denial is allowed instead, carrying it
    /// (``Allowance/wouldDeny``); claim headers only when the token verified and they are valid.
    func conclude(_ verification: Result<VerifiedToken, TokenRejection>, route: Route, target: RequestTarget,
                  requirement: ScopeRequirement, enforcement: Enforcement) -> Decision {
        var denial = Self.tokenDenial(route: route, path: target.path, requirement: requirement)
        let verified: VerifiedToken
        let headers: [ClaimHeader]
        switch verification.flatMap({ token in claimHeaders.headers(for: token).map { (token, $0) } }) {
        case .success(let result):
            (verified, headers) = result
        case .failure(let rejection):
            denial.reason = rejection.reason
            denial.description = rejection.description
            if rejection.reason == .keysUnavailable {
                denial.status = 503
                denial.challenges = false
            } else {
                denial.status = 401
                denial.bearerError = "invalid_token"
            }
            return Self.enforcing(denial, enforcement, route: route, target: target)
        }
        denial.token = verified

        guard requirement.isSatisfied(by: verified.grantedScopes) else {
            let granted = Set(verified.grantedScopes)
            let closest = requirement.closestAlternative(to: granted)
            let missing = closest.filter { !granted.contains($0) }
            denial.status = 403
            denial.reason = .insufficientScope
            denial.requiredScopes = closest
            denial.description = "the token lacks scope \(missing.joined(separator: " "))"
                + (requirement.alternatives.count > 1 ? " (or another alternative of the route)" : "")
            denial.bearerError = "insufficient_scope"
            return Self.enforcing(denial, enforcement, route: route, target: target, token: verified, claimHeaders: headers)
        }
        return .allow(Allowance(route: route, target: target, token: verified, requirement: requirement, claimHeaders: headers))
    }
}
