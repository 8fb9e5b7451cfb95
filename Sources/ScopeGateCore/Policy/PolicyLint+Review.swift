/// Everything `scopegate check` and `serve` say about a valid config, in one place.
extension PolicyLint {
    /// The decoder's warnings (``GatewayConfig/warnings``) and key loading's (`keyWarnings`) as
    /// findings, then ``findings(_:)`` (a decoder warning the lint also finds is said once),
    /// split by `lint.accept` as ``apply(_:accepting:)`` does.
    public static func review(_ config: GatewayConfig, keyWarnings: [ConfigProblem] = [])
        -> (warnings: [LintFinding], accepted: [(finding: LintFinding, acceptance: LintAcceptance)]) {
        let lint = findings(config)
        let said = (config.warnings + keyWarnings)
            .filter { warning in !lint.contains { $0.path == warning.path && $0.rule.rawValue == warning.rule } }
            .map(finding)
        return apply(said + lint, accepting: config.lint.accepted)
    }

    /// A decoder or key-loading warning as a finding (a JWKS file with no usable key has no rule of its own).
    static func finding(_ warning: ConfigProblem) -> LintFinding {
        LintFinding(
            rule: warning.rule.flatMap(LintRule.init(rawValue:)) ?? .jwksNoUsableKey, path: warning.path,
            message: warning.message,
            hint: warning.hint ?? "publish a key the issuer's algorithms can use in the JWKS file")
    }
}
