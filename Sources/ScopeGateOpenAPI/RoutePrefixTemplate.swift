import ScopeGateCore

/// An OpenAPI path (OpenAPI 3.1 §4.8.8, "Paths Object": `/pets/{petId}`) as a `gateway.json`
/// route prefix, or why it cannot be one.
///
/// The gateway's path templates match one whole segment per `{name}`, with the rules of prefixes
/// (segment boundaries, normalised paths). So a segment is either a literal of the characters a
/// prefix may hold (unreserved, sub-delimiters other than `;`, `:` and `@`; no percent-escapes)
/// or exactly `{name}`. A partial-segment template (`/files/{name}.json`, `/v1/{a}-{b}`) cannot
/// be expressed and the path is skipped: mapping it to a shorter prefix would put its rule on
/// requests the document does not give it (fail closed). A trailing `/` is dropped (a prefix
/// covers the path with and without it).
enum RoutePrefixTemplate {
    /// `basePath` (`""` or `/v1`, already checked by ``ServerBasePath``) + `path`, or the reason it
    /// cannot be a prefix.
    static func prefix(basePath: String, path: String) -> Result<String, Problem> {
        guard path.hasPrefix("/") else { return .failure(Problem("does not start with \"/\"")) }
        var segments: [Substring] = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0 }
        if segments.last == "" { segments.removeLast() }
        for segment in segments {
            if let problem = Self.problem(segment) { return .failure(problem) }
        }
        let joined = segments.isEmpty ? "" : "/" + segments.joined(separator: "/")
        let prefix = basePath + joined
        // What the segments cannot show: a variable name used twice (`/a/{id}/b/{id}`).
        if let problem = RouteConfig.prefixProblem(prefix.isEmpty ? "/" : prefix, templates: true) { return .failure(Problem(problem)) }
        return .success(prefix.isEmpty ? "/" : prefix)
    }

    /// Whether `segment` is a whole-segment template `{name}`.
    static func isTemplate(_ segment: Substring) -> Bool {
        PathTemplate.variableName(segment) != nil
    }

    struct Problem: Error, Equatable {
        let message: String
        init(_ message: String) { self.message = message }
    }

    private static func problem(_ segment: Substring) -> Problem? {
        if segment.isEmpty { return Problem("has an empty segment (\"//\")") }
        if segment == "." || segment == ".." { return Problem("has a dot segment") }
        if isTemplate(segment) { return nil }
        if segment.contains("{") || segment.contains("}") {
            return Problem("the segment \"\(segment)\" is a partial-segment template; the gateway's templates match whole segments only")
        }
        // The gateway's own rule for a literal segment.
        if RouteConfig.prefixProblem("/" + segment) != nil {
            return Problem("the segment \"\(segment)\" has a character a route prefix cannot hold (only unreserved characters and sub-delimiters other than \";\", no percent-escapes)")
        }
        return nil
    }
}
