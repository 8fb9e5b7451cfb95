/// `lint`: what `scopegate check` is told about findings that are known and meant.
///
/// It never changes a decision; only ``PolicyLint/apply(_:accepting:)`` reads it.
public struct LintConfig: Sendable, Equatable {
    /// `lint.accept`: findings reviewed and kept on purpose. Default none.
    public var accepted: [LintAcceptance]

    public init(accepted: [LintAcceptance] = []) {
        self.accepted = accepted
    }
}

/// `lint.accept[i]`: `{"rule": "less_protected_than_enclosing", "path": "routes[2]", "reason": "..."}`.
///
/// It accepts the findings of `rule` at `path` or below it (`routes[2]` covers
/// `routes[2].methods.GET`). An acceptance no finding matches is itself a warning
/// (`unused_lint_acceptance`), so one left behind by an edit (routes are named by index) is
/// never silent.
public struct LintAcceptance: Sendable, Equatable {
    /// `rule`: a ``LintRule`` code.
    public var rule: LintRule
    /// `path`: the JSON path of the finding, as `check` prints it, or of a member above it.
    public var path: String
    /// `reason`: why the finding is kept, for the next reader (printed by `check`).
    public var reason: String

    public init(rule: LintRule, path: String, reason: String) {
        self.rule = rule
        self.path = path
        self.reason = reason
    }

    /// Whether this acceptance covers `finding`.
    public func covers(_ finding: LintFinding) -> Bool {
        guard finding.rule == rule else { return false }
        guard finding.path.hasPrefix(path) else { return false }
        let rest = finding.path.dropFirst(path.count)
        return rest.isEmpty || rest.hasPrefix(".") || rest.hasPrefix("[")
    }
}

extension LintConfig {
    static func decode(_ value: JSONValue?, reader: inout ConfigReader) -> LintConfig {
        var config = LintConfig()
        guard let value, let members = reader.object(value, at: "lint") else { return config }
        reader.rejectUnknownKeys(members, known: ["accept"], at: "lint")
        guard let list = members["accept"] else { return config }
        guard case .array(let elements) = list else {
            reader.fail("lint.accept", "must be an array of {\"rule\", \"path\", \"reason\"} objects, found \(list.typeDescription)")
            return config
        }
        for (index, element) in elements.enumerated() {
            let path = "lint.accept[\(index)]"
            guard let object = reader.object(element, at: path) else { continue }
            reader.rejectUnknownKeys(object, known: ["rule", "path", "reason"], at: path)
            let code = reader.string(object, "rule", at: path, required: true)
            let memberPath = reader.string(object, "path", at: path, required: true)
            let reason = reader.string(object, "reason", at: path, required: true)
            var rule: LintRule?
            if let code {
                rule = LintRule(rawValue: code)
                if rule == nil || rule == .unusedLintAcceptance {
                    let known = LintRule.allCases.filter { $0 != .unusedLintAcceptance }.map(\.rawValue).joined(separator: ", ")
                    reader.fail("\(path).rule", "\"\(code)\" is not a lint rule (rules: \(known))")
                    rule = nil
                }
            }
            if let rule, let memberPath, let reason {
                config.accepted.append(LintAcceptance(rule: rule, path: memberPath, reason: reason))
            }
        }
        return config
    }
}
