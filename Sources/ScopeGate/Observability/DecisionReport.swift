/// A ``Decision`` rendered for people (`scopegate explain`) or as one JSON object (`--json`).
///
/// JSON members: `allowed` (bool), `status` (200 means "forwarded"), `reason` (a reason
/// code, or `null` when allowed), `description`, `route`, `backend`, `upstream_url`
/// (allowed only), `required_scopes`, `granted_scopes`, `subject`, `client_id`.
public struct DecisionReport: Sendable {
    public var method: String
    public var target: String
    public var decision: Decision

    public init(method: String, target: String, decision: Decision) {
        self.method = method
        self.target = target
        self.decision = decision
    }

    public var json: String {
        var json = JSONLine()
        switch decision {
        case .allow(let allowance):
            json.add("allowed", true)
            json.add("status", 200)
            json.add("reason", orNull: nil)
            json.add("route", orNull: allowance.route.prefix)
            json.add("backend", orNull: allowance.route.backend.name)
            json.add("upstream_url", orNull: allowance.upstreamURL)
            json.add("required_scopes", allowance.requiredScopes)
            if let alternatives = allowance.requirement?.alternatives, alternatives.count > 1 {
                json.add("required_any_of", alternatives)
            }
            json.add("granted_scopes", allowance.token?.grantedScopes ?? [])
            json.add("subject", orNull: allowance.token?.subject)
            json.add("client_id", orNull: allowance.token?.clientID)
        case .deny(let denial):
            json.add("allowed", false)
            json.add("status", denial.status)
            json.add("reason", denial.reason.rawValue)
            json.add("description", denial.description)
            json.add("upstream_url", orNull: nil)
            json.add("route", orNull: denial.route)
            json.add("backend", orNull: denial.backend)
            json.add("required_scopes", denial.requiredScopes)
            if let alternatives = denial.requirement?.alternatives, alternatives.count > 1 {
                json.add("required_any_of", alternatives)
            }
            json.add("granted_scopes", denial.grantedScopes)
            json.add("subject", orNull: denial.subject)
            json.add("client_id", orNull: denial.clientID)
            if denial.status == 405 { json.add("allow", denial.allowedMethods) }
        }
        return json.finish()
    }

    public var text: String {
        var lines: [String] = []
        func row(_ name: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            lines.append("  " + (name + ":").padding(toLength: 18, withPad: " ", startingAt: 0) + value)
        }
        switch decision {
        case .allow(let allowance):
            lines.append("ALLOW \(method) \(allowance.target.path)")
            row("route", allowance.route.prefix)
            row("backend", allowance.route.backend.name)
            row("upstream_url", allowance.upstreamURL)
            row("required_scopes", allowance.token == nil ? "(public)" : Self.describe(allowance.requirement))
            row("granted_scopes", allowance.token?.grantedScopes.joined(separator: " "))
            row("subject", allowance.token?.subject)
            row("client_id", allowance.token?.clientID)
        case .deny(let denial):
            lines.append("DENY \(denial.status) \(denial.reason.rawValue): \(denial.description)")
            row("route", denial.route)
            row("backend", denial.backend)
            row("required_scopes", denial.requirement.map { Self.describe($0) })
            row("granted_scopes", denial.grantedScopes.joined(separator: " "))
            row("subject", denial.subject)
            row("client_id", denial.clientID)
            if denial.status == 405 { row("allow", denial.allowedMethods.joined(separator: ", ")) }
        }
        return lines.joined(separator: "\n")
    }

    /// `a b`, `(a) or (b c)`, or `(any valid token)`.
    private static func describe(_ requirement: ScopeRequirement?) -> String {
        guard let requirement else { return "" }
        if requirement.alternatives.count == 1 {
            return requirement.alternatives[0].isEmpty ? "(any valid token)" : requirement.alternatives[0].joined(separator: " ")
        }
        return requirement.alternatives.map { "(" + $0.joined(separator: " ") + ")" }.joined(separator: " or ")
    }
}
