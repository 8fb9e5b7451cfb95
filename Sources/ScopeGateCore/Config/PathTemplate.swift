/// A route prefix read as segments, some of which may be path template variables:
/// `/users/{id}/keys` is the literal `users`, the variable `id` and the literal `keys`
/// (the syntax of OpenAPI path templates, RFC 6570 level 1 restricted to whole segments).
///
/// - A variable is a WHOLE segment `{name}`, `name` one or more of `A-Z a-z 0-9 _ . -` (the
///   names OpenAPI documents use, such as `{user-id}`) and
///   unique within the prefix. It matches exactly one non-empty segment of a normalised path,
///   whatever its bytes (percent-escapes included; never `.` or `..`, which normalisation removed).
/// - A literal segment matches only itself, byte for byte (paths are case-sensitive, RFC 3986 §6.2.2.1).
/// - The prefix covers the paths whose first ``segments`` it matches: its own path and everything below it.
///
/// **Specificity** (which route decides a path that several match):
/// 1. more segments wins (`/users/{id}/keys` beats `/users` for `/users/7/keys`);
/// 2. with as many segments, a template that has a literal wherever the other has one, and at
///    least one literal where the other has a variable, wins (`/users/me` beats `/users/{id}`).
///
/// Two templates with as many segments that can match the same path, where neither is at
/// least as specific as the other in every segment (`/a/{x}/c` and `/a/b/{y}`: `/a/b/c`), are
/// **ambiguous**; the config decoder refuses them (``ambiguity(with:)``). Two templates equal up
/// to variable names (`/u/{id}`, `/u/{uid}`) have the same ``shape`` and are duplicates.
public struct PathTemplate: Sendable, Hashable {
    /// One segment of a prefix.
    public enum Segment: Sendable, Hashable {
        /// Matches only these bytes.
        case literal(String)
        /// `{name}`: matches any one non-empty segment.
        case variable(String)

        var isVariable: Bool { if case .variable = self { true } else { false } }
    }

    /// The segments after the leading `/`; empty for `/`.
    public let segments: [Segment]

    /// Whether some segment is a variable.
    public var hasVariables: Bool { segments.contains { $0.isVariable } }

    /// The prefix with every variable written `{}`: equal for duplicates (`/u/{}` for `/u/{id}`).
    public var shape: String {
        segments.isEmpty ? "/" : segments.map { if case .literal(let text) = $0 { "/" + text } else { "/{}" } }.joined()
    }

    /// How many literal segments the template has.
    public var literalCount: Int { segments.count { !$0.isVariable } }

    /// Reads `prefix`, which must be valid (``problem(in:)`` returned `nil` for it); a segment
    /// that is not a whole `{name}` is taken as a literal.
    public init(_ prefix: String) {
        if prefix == "/" { segments = []; return }
        segments = prefix.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { segment in
            if let name = Self.variableName(segment) { .variable(String(name)) } else { .literal(String(segment)) }
        }
    }

    /// The name inside a whole-segment `{name}`, or `nil` when `segment` is not one.
    package static func variableName(_ segment: Substring) -> Substring? {
        guard segment.utf8.count >= 3, segment.utf8.first == UInt8(ascii: "{"), segment.utf8.last == UInt8(ascii: "}") else { return nil }
        let name = segment.dropFirst().dropLast()
        guard name.utf8.allSatisfy(isNameByte) else { return nil }
        return name
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
    }

    /// Why the template segments of `prefix` are wrong, with a fix hint, or `nil`: a brace
    /// outside a whole `{name}` segment (`/files/{name}.json`, `/a{b}`, `/{}`, `/{a b}`, `/x}`),
    /// or a variable name used twice. Literal characters are checked by the caller.
    static func problem(in prefix: String) -> String? {
        var names = Set<Substring>()
        for segment in prefix.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if let name = variableName(segment) {
                if !names.insert(name).inserted {
                    return "\"\(prefix)\" uses the variable {\(name)} twice; give each variable its own name"
                }
            } else if segment.utf8.contains(UInt8(ascii: "{")) || segment.utf8.contains(UInt8(ascii: "}")) {
                return "\"\(prefix)\" has the segment \"\(segment)\": a template variable must be a whole segment \"{name}\" "
                    + "(name: letters, digits, \"_\", \".\" or \"-\"), e.g. \"/files/{name}\" rather than \"/files/{name}.json\""
            }
        }
        return nil
    }

    /// Whether every segment of `self` is at least as specific as the same segment of `other`
    /// (a literal where `other` has one). Meaningful for templates with as many segments.
    public func isEverywhereAtLeastAsSpecific(as other: PathTemplate) -> Bool {
        guard segments.count == other.segments.count else { return false }
        return zip(segments, other.segments).allSatisfy { !$0.isVariable || $1.isVariable }
    }

    /// Whether `self` decides a path both match rather than `other`: more segments, or as many
    /// and at least as specific in every segment (then also when the two have the same shape).
    public func takesPrecedence(over other: PathTemplate) -> Bool {
        segments.count != other.segments.count ? segments.count > other.segments.count : isEverywhereAtLeastAsSpecific(as: other)
    }

    /// Whether some path matches both, segment for segment (as many segments; each pair is a
    /// variable on either side or the same literal).
    public func overlaps(_ other: PathTemplate) -> Bool {
        guard segments.count == other.segments.count else { return false }
        return zip(segments, other.segments).allSatisfy { pair in
            if case .literal(let a) = pair.0, case .literal(let b) = pair.1 { return a == b }
            return true
        }
    }

    /// A path both `self` and `other` match when they are ambiguous (same segment count, they
    /// overlap, neither is at least as specific in every segment), else `nil`. The path takes
    /// each literal of either template and `x` where both have a variable: `/a/b/c` for
    /// `/a/{x}/c` and `/a/b/{y}`.
    public func ambiguity(with other: PathTemplate) -> String? {
        guard overlaps(other), !isEverywhereAtLeastAsSpecific(as: other), !other.isEverywhereAtLeastAsSpecific(as: self) else { return nil }
        return zip(segments, other.segments).map { pair -> String in
            if case .literal(let text) = pair.0 { return "/" + text }
            if case .literal(let text) = pair.1 { return "/" + text }
            return "/x"
        }.joined()
    }

    /// Whether `self` encloses `other`: `other` is not `self` (nor its shape) and every path
    /// `other` covers, `self` covers too. Each segment of `self` must cover the same segment of
    /// `other` (a variable covers any segment, a literal only itself; a literal does not cover a
    /// variable), and `self` has at most as many segments. `/users/{id}` encloses `/users/me`
    /// and `/users/{uid}/keys`; `/users/me` does not enclose `/users/{id}/keys`.
    public func encloses(_ other: PathTemplate) -> Bool {
        guard segments.count <= other.segments.count, shape != other.shape else { return false }
        return zip(segments, other.segments).allSatisfy { pair in
            switch pair {
            case (.variable, _): true
            case (.literal(let a), .literal(let b)): a == b
            case (.literal, .variable): false
            }
        }
    }

    /// Whether `other` takes some requests under this template without ``encloses(_:)`` it:
    /// `other` has more segments, and where this one has a literal `other` has the same literal
    /// or a variable (`/{tenant}/{page}` takes `/admin/users` from `/admin`: more segments win).
    /// - Returns: such a path (this template's literals, `other`'s beyond them, `x` for a
    ///   variable of both), or `nil` when `other` takes none of its requests that way.
    public func requestTakenAway(by other: PathTemplate) -> String? {
        guard segments.count < other.segments.count, !encloses(other) else { return nil }
        var path = ""
        for (index, segment) in other.segments.enumerated() {
            let own = index < segments.count ? segments[index] : nil
            switch (own, segment) {
            case (.literal(let a)?, .literal(let b)):
                guard a == b else { return nil }
                path += "/" + a
            case (.literal(let a)?, .variable): path += "/" + a
            case (_, .literal(let b)): path += "/" + b
            case (_, .variable): path += "/x"
            }
        }
        return path
    }

    /// Whether the first ``segments`` of the normalised `path` match (a trailing `/` ignored).
    /// The reference definition the route table's trie must agree with.
    public func matches(path: String) -> Bool {
        var pathSegments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if pathSegments.last == "" { pathSegments = pathSegments.dropLast() }
        guard pathSegments.count >= segments.count else { return false }
        return zip(segments, pathSegments).allSatisfy { pair in
            switch pair.0 {
            case .variable: !pair.1.isEmpty
            case .literal(let text): pair.1.utf8.elementsEqual(text.utf8)
            }
        }
    }
}
