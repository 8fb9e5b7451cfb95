extension RouteConfig {
    static func decodeAll(_ value: JSONValue?, backends: Set<String>?, cors: CORSConfig? = nil, reader: inout ConfigReader) -> [RouteConfig]? {
        guard let value else {
            reader.fail("routes", "is required: an array of {\"prefix\", \"backend\", \"methods\"}")
            return nil
        }
        guard case .array(let elements) = value else {
            reader.fail("routes", "must be an array, found \(value.typeDescription)")
            return nil
        }
        if elements.isEmpty { reader.fail("routes", "must define at least one route") }
        var result: [RouteConfig] = []
        // Keyed by shape: prefixes equal up to variable names are duplicates.
        var firstIndexOfShape: [String: Int] = [:]
        var templated: [(index: Int, prefix: String, template: PathTemplate)] = []
        var ok = true
        for (index, element) in elements.enumerated() {
            let path = "routes[\(index)]"
            guard let route = decode(element, at: path, backends: backends, cors: cors, reader: &reader) else {
                ok = false
                continue
            }
            let template = PathTemplate(route.prefix)
            if let first = firstIndexOfShape[template.shape] {
                let same = result.first { PathTemplate($0.prefix).shape == template.shape }?.prefix ?? route.prefix
                if same == route.prefix {
                    reader.fail("\(path).prefix", "\"\(route.prefix)\" is already the prefix of routes[\(first)]")
                } else {
                    reader.fail("\(path).prefix", "\"\(route.prefix)\" is the prefix of routes[\(first)], \"\(same)\", with other "
                                + "variable names (both match the same paths); merge the two routes")
                }
                ok = false
            } else {
                firstIndexOfShape[template.shape] = index
                if template.hasVariables {
                    ok = refuseAmbiguity(template, prefix: route.prefix, at: path, against: templated, reader: &reader) && ok
                    templated.append((index, route.prefix, template))
                }
            }
            result.append(route)
        }
        return ok ? result : nil
    }

    /// Records a problem at `routes[i].prefix` for each earlier templated route that `template`
    /// is ambiguous with (see ``PathTemplate/ambiguity(with:)``); `false` when there was one.
    /// Only templated routes can be ambiguous: a literal prefix is at least as specific in every
    /// segment as any template with as many segments. Pairs with other segment counts are never
    /// compared, so the cost is that of the templated routes of each length, pairwise.
    private static func refuseAmbiguity(_ template: PathTemplate, prefix: String, at path: String,
                                        against earlier: [(index: Int, prefix: String, template: PathTemplate)],
                                        reader: inout ConfigReader) -> Bool {
        var ok = true
        for other in earlier where other.template.segments.count == template.segments.count {
            guard let example = template.ambiguity(with: other.template) else { continue }
            reader.fail("\(path).prefix", "\"\(prefix)\" and routes[\(other.index)] \"\(other.prefix)\" are ambiguous: both match \(example) "
                        + "and neither is at least as specific in every segment (a literal wherever the other has one), "
                        + "so neither can win; write one with a literal wherever the other has one, or give them different literals")
            ok = false
        }
        return ok
    }

    private static func decode(_ value: JSONValue, at path: String, backends: Set<String>?, cors: CORSConfig?,
                               reader: inout ConfigReader) -> RouteConfig? {
        guard let members = reader.object(value, at: path) else { return nil }
        reader.rejectUnknownKeys(members, known: ["prefix", "backend", "methods", "strip_prefix", "rewrite_prefix",
                                                  "forward_authorization", "preserve_host", "cors", "enforce"], at: path)
        var prefix = reader.string(members, "prefix", at: path, required: true)
        if let candidate = prefix, let problem = Self.prefixProblem(candidate, templates: true) {
            reader.fail("\(path).prefix", problem)
            prefix = nil
        }
        var backend = reader.string(members, "backend", at: path, required: true)
        if let name = backend, let backends, !backends.contains(name) {
            let known = backends.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            reader.fail("\(path).backend", "\"\(name)\" is not a defined backend (defined: \(known))")
            backend = nil
        }
        let decodedMethods = decodeMethods(members["methods"], at: "\(path).methods", reader: &reader)
        let enforcement = decodeEnforcement(members["enforce"], at: "\(path).enforce", reader: &reader)
        let strip = reader.bool(members, "strip_prefix", at: path, default: false)
        var upstreamPrefix: String? = strip ? "/" : nil
        if let rewrite = reader.string(members, "rewrite_prefix", at: path, required: false) {
            if strip {
                reader.fail("\(path).rewrite_prefix", "cannot be combined with strip_prefix")
            } else if rewrite.utf8.contains(UInt8(ascii: "{")) || rewrite.utf8.contains(UInt8(ascii: "}")) {
                reader.fail("\(path).rewrite_prefix", "\"\(rewrite)\" has a brace: rewrite_prefix is a plain path without template "
                            + "variables (it replaces the segments the prefix matched, e.g. \"/api/users\")")
            } else if let problem = Self.prefixProblem(rewrite) {
                reader.fail("\(path).rewrite_prefix", problem)
            } else {
                upstreamPrefix = rewrite
            }
        }
        let forwardAuthorization = reader.bool(members, "forward_authorization", at: path, default: true)
        let preserveHost = reader.bool(members, "preserve_host", at: path, default: false)
        let routeCORS = RouteCORS.decode(members["cors"], at: "\(path).cors", base: cors, reader: &reader)
        guard let prefix, let backend, let decodedMethods, let routeCORS, let enforcement else { return nil }
        var route = RouteConfig(prefix: prefix, backend: backend, methods: decodedMethods.0, upstreamPrefix: upstreamPrefix,
                                forwardAuthorization: forwardAuthorization)
        route.preserveHost = preserveHost
        route.cors = routeCORS
        route.enforcement = enforcement
        route.methodEnforcement = decodedMethods.1
        return route
    }

    /// The method rules, and the `enforce` of those written in the object form.
    private static func decodeMethods(_ value: JSONValue?, at path: String,
                                      reader: inout ConfigReader) -> ([String: MethodRule], [String: Enforcement])? {
        guard let value else {
            reader.fail(path, "is required, e.g. {\"GET\": [\"read:items\"], \"POST\": [\"write:items\"]}")
            return nil
        }
        guard let members = reader.object(value, at: path) else { return nil }
        if members.isEmpty { reader.fail(path, "must configure at least one method") }
        var result: [String: MethodRule] = [:]
        var enforcement: [String: Enforcement] = [:]
        var ok = !members.isEmpty
        for method in members.keys.sorted() {
            let methodPath = ConfigReader.join(path, method)
            guard method == "*" || Self.isMethodToken(method) else {
                reader.fail(methodPath, "\"\(method)\" is not an upper-case HTTP method (methods are case-sensitive, RFC 9110 §9.1)")
                ok = false
                continue
            }
            var ruleValue = members[method]!
            var rulePath = methodPath
            if case .object(let form) = ruleValue {
                // {"scopes": <rule>, "enforce": "shadow"}: the rule with its own enforcement.
                reader.rejectUnknownKeys(form, known: ["scopes", "enforce"], at: methodPath)
                guard let scopes = form["scopes"] else {
                    reader.fail(ConfigReader.join(methodPath, "scopes"), "is required in the object form of a method rule, e.g. {\"scopes\": [\"write:items\"], \"enforce\": \"shadow\"}")
                    ok = false
                    continue
                }
                if form["enforce"] != nil {
                    guard let mode = decodeEnforcement(form["enforce"], at: ConfigReader.join(methodPath, "enforce"), reader: &reader) else {
                        ok = false
                        continue
                    }
                    if mode == .shadow, case .string("public") = scopes {
                        reader.fail(ConfigReader.join(methodPath, "enforce"), "a public method denies nothing, so it has nothing to shadow; drop \"enforce\"")
                        ok = false
                        continue
                    }
                    enforcement[method] = mode
                }
                ruleValue = scopes
                rulePath = ConfigReader.join(methodPath, "scopes")
            }
            switch ruleValue {
            case .string("public"):
                result[method] = .public
            case .array(let elements):
                if let requirement = decodeRequirement(elements, at: rulePath, reader: &reader) {
                    result[method] = .scopes(requirement)
                } else {
                    ok = false
                }
            case let other:
                reader.fail(rulePath, "must be an array of required scopes, an array of alternatives, or \"public\" (or {\"scopes\": <one of those>, \"enforce\": \"shadow\"}), found \(ConfigReader.render(other))")
                ok = false
            }
        }
        return ok ? (result, enforcement) : nil
    }

    /// `"enforce"` or `"shadow"`; absent is ``Enforcement/enforce``; `nil` with the problem recorded.
    private static func decodeEnforcement(_ value: JSONValue?, at path: String, reader: inout ConfigReader) -> Enforcement? {
        guard let value else { return .enforce }
        if case .string(let text) = value, let mode = Enforcement(rawValue: text) { return mode }
        reader.fail(path, "must be \"enforce\" or \"shadow\", found \(ConfigReader.render(value))")
        return nil
    }

    /// `["a", "b"]` (all of) or `[["a"], ["b", "c"]]` (any of); `nil` with problems recorded.
    private static func decodeRequirement(_ elements: [JSONValue], at path: String, reader: inout ConfigReader) -> ScopeRequirement? {
        let nested = elements.contains { if case .array = $0 { return true } else { return false } }
        if !nested {
            guard let scopes = scopeList(.array(elements), at: path, reader: &reader) else { return nil }
            return ScopeRequirement(allOf: scopes)
        }
        var alternatives: [[String]] = []
        var ok = true
        for (index, element) in elements.enumerated() {
            let elementPath = "\(path)[\(index)]"
            guard case .array(let inner) = element else {
                reader.fail(elementPath, "mixes scopes and alternatives; write every alternative as an array, e.g. [[\"a\"], [\"b\", \"c\"]]")
                ok = false
                continue
            }
            if inner.isEmpty {
                reader.fail(elementPath, "an empty alternative would accept any valid token; use [] for that")
                ok = false
                continue
            }
            if let scopes = scopeList(element, at: elementPath, reader: &reader) { alternatives.append(scopes) } else { ok = false }
        }
        return ok ? ScopeRequirement(anyOf: alternatives) : nil
    }

    private static func scopeList(_ value: JSONValue, at path: String, reader: inout ConfigReader) -> [String]? {
        guard let scopes = reader.stringArray(value, at: path) else { return nil }
        var valid = true
        for (index, scope) in scopes.enumerated() where !ScopeToken.isValid(scope.utf8) {
            reader.fail("\(path)[\(index)]", "\"\(scope)\" is not a scope token (RFC 6749 §3.3: printable ASCII, no spaces, quotes or backslashes)")
            valid = false
        }
        return valid ? scopes : nil
    }

    /// Why `prefix` is not a normalised absolute path, or `nil` when it is. With `templates`,
    /// whole segments `{name}` are allowed (``PathTemplate``), and braces anywhere else are the problem.
    package static func prefixProblem(_ prefix: String, templates: Bool = false) -> String? {
        guard prefix.hasPrefix("/") else { return "\"\(prefix)\" must start with \"/\"" }
        if prefix == "/" { return nil }
        if prefix.hasSuffix("/") { return "\"\(prefix)\" must not end with \"/\" (prefixes match whole segments: \"/a\" covers \"/a/...\")" }
        // Bytes, not Characters: `Character` equality is Unicode canonical equivalence, so a
        // Set of Characters would let U+212A KELVIN SIGN pass as "K".
        var allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,=:@/".utf8)
        if templates {
            if let problem = PathTemplate.problem(in: prefix) { return problem }
            allowed.formUnion("{}".utf8)
        }
        if !prefix.utf8.allSatisfy(allowed.contains) {
            let bad = prefix.unicodeScalars.first { !($0.isASCII && allowed.contains(UInt8($0.value))) }.map { String($0) } ?? "?"
            return "\"\(prefix)\" contains \"\(bad)\"; use only unreserved characters, sub-delimiters other than \";\", \":\" and \"@\" (no percent-escapes)"
        }
        for segment in prefix.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if segment.isEmpty { return "\"\(prefix)\" has an empty segment (\"//\")" }
            if segment == "." || segment == ".." { return "\"\(prefix)\" has a dot segment" }
        }
        return nil
    }

    /// Whether `method` is an upper-case method token as `routes[i].methods` keys are (RFC 9110 §9.1).
    package static func isMethodToken(_ method: String) -> Bool {
        !method.isEmpty && method.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
    }
}
