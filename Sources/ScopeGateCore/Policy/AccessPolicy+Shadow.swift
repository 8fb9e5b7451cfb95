/// Shadow mode (``Enforcement/shadow``): where a rule's denial becomes a report.
extension AccessPolicy {
    /// `denial` as the decision of a rule whose enforcement is `enforcement`: the denial itself
    /// when enforced; when shadowed, an ``Allowance`` to `target` that carries it as
    /// ``Allowance/wouldDeny``, with the verified `token` and its `claimHeaders` when there was
    /// one (never claim headers from a token that did not verify).
    ///
    /// Only the rule's own denials come here (no token, a token that did not verify or lacks a
    /// scope, no keys, a method the route lacks); the refusals ``Enforcement/shadow`` lists as
    /// never shadowed are returned as denials before.
    static func enforcing(_ denial: Denial, _ enforcement: Enforcement, route: Route, target: RequestTarget,
                          token: VerifiedToken? = nil, claimHeaders: [ClaimHeader] = []) -> Decision {
        guard enforcement == .shadow else { return .deny(denial) }
        return .allow(Allowance(route: route, target: target, token: token, requirement: denial.requirement,
                                claimHeaders: claimHeaders, wouldDeny: denial))
    }
}
