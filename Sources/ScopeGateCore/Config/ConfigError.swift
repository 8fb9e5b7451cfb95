/// One problem found in `gateway.json`.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// JSON path of the offending member, e.g. `routes[2].backend`; `$` for the document itself.
    public var path: String
    /// What is wrong and, where it helps, how to fix it.
    public var message: String
    /// For a warning: its ``LintRule`` code (`cors_wildcard_origin`), so that `scopegate check`
    /// can print it like a ``PolicyLint`` finding; `nil` for problems.
    public var rule: String?
    /// For a warning: a one-line fix; `nil` when none is given.
    public var hint: String?

    public init(path: String, message: String, rule: String? = nil, hint: String? = nil) {
        self.path = path
        self.message = message
        self.rule = rule
        self.hint = hint
    }

    /// `path: message`, the form `scopegate check` prints.
    public var description: String { "\(path): \(message)" }
}

/// Every problem found while loading `gateway.json`; loading never stops at the first.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config file, when loaded from a file.
    public var file: String?
    /// At least one problem, in document order.
    public var problems: [ConfigProblem]

    public init(file: String? = nil, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        let head = "\(file ?? "configuration"): \(problems.count) problem\(problems.count == 1 ? "" : "s")"
        return ([head] + problems.map { "  \($0)" }).joined(separator: "\n")
    }
}
