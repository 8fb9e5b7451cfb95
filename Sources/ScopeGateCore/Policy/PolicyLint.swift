/// The stable code of each ``PolicyLint`` rule (and of the decoder's own warnings), as
/// `scopegate check` prints it and `lint.accept[i].rule` names it.
public enum LintRule: String, Sendable, Equatable, CaseIterable {
    /// A method of a route is public, or requires scopes that do not imply those of the route
    /// it sits under (the nearest enclosing route, by whole segments, that has a rule for it).
    case lessProtectedThanEnclosing = "less_protected_than_enclosing"
    /// A method any valid token may call (`[]`) beside sibling methods that require scopes.
    case methodWithoutScope = "method_without_scope"
    /// An explicit `HEAD` rule weaker than `GET`'s: a HEAD answers with GET's headers.
    case headLessProtectedThanGet = "head_less_protected_than_get"
    /// The `*` rule (every method not named) is weaker than a method the route names.
    case wildcardLessProtected = "wildcard_less_protected"
    /// A route requires a scope `api.scopes` does not list.
    case scopeNotInCatalog = "scope_not_in_catalog"
    /// `api.scopes` lists a scope no route requires.
    case catalogScopeUnused = "catalog_scope_unused"
    /// An issuer with `check_audience: false`.
    case audienceNotChecked = "audience_not_checked"
    /// An issuer accepting `HS*` while an issuer's keys come from a remote JWKS.
    case hmacBesideRemoteJWKS = "hmac_beside_remote_jwks"
    /// Two issuers whose `iss` differ only in a trailing `/` or letter case, or that share one JWKS.
    case overlappingIssuers = "overlapping_issuers"
    /// A backend routes use with neither a whole-exchange nor an idle timeout.
    case backendWithoutTimeout = "backend_without_timeout"
    /// A public method whose `Authorization` header reaches the backend unchecked (the token
    /// header is another one, so the gateway does not strip it).
    case authorizationForwardedUnchecked = "authorization_forwarded_unchecked"
    /// A route or method in shadow mode (`"enforce": "shadow"`): it denies nothing.
    case shadowMode = "shadow_mode"
    /// A route whose prefix covers the RFC 9728 metadata path (`protected_resource`): the
    /// gateway answers that path itself, so the route's backend never sees it.
    case routeShadowsResourceMetadata = "route_shadows_resource_metadata"
    /// A CORS origin pattern with a wildcard (a decoder warning).
    case corsWildcardOrigin = "cors_wildcard_origin"
    /// A JWKS file with no usable key (a key-loading warning).
    case jwksNoUsableKey = "jwks_no_usable_key"
    /// A `lint.accept` entry no finding matches.
    case unusedLintAcceptance = "unused_lint_acceptance"
}

/// One thing ``PolicyLint`` found: `warning: <path>: <message> (<rule>; fix: <hint>)`.
public struct LintFinding: Sendable, Equatable, CustomStringConvertible {
    /// The rule that found it.
    public var rule: LintRule
    /// JSON path of the member it is about, e.g. `routes[3].methods.GET`.
    public var path: String
    /// What is wrong.
    public var message: String
    /// One line on how to fix it.
    public var hint: String

    public init(rule: LintRule, path: String, message: String, hint: String) {
        self.rule = rule
        self.path = path
        self.message = message
        self.hint = hint
    }

    /// `<path>: <message> (<rule>; fix: <hint>)`.
    public var description: String { "\(path): \(message) (\(rule.rawValue); fix: \(hint))" }
}

/// Semantic lint of a valid config: what loads and runs but is probably not the policy meant.
///
/// Pure (no I/O): ``findings(_:)`` reads the ``GatewayConfig`` only. Rules, per method where
/// they apply (codes in ``LintRule``):
/// - routes: a method less protected than under the enclosing route (the most specific prefix covering it by whole
///   segments, template variables covering any segment, as ``RouteTable`` matches; a method's rule as ``Route/rule(for:)`` resolves it:
///   its own, `HEAD` from `GET`, else `*`), or than a route whose requests a templated route
///   with more segments takes away (`/{tenant}/{page}` decides `/admin/users`, not `/admin`:
///   ``PathTemplate/requestTakenAway(by:)``); a method any valid token may call beside scoped
///   siblings; a `HEAD` weaker than `GET`; a `*` weaker than a named method;
/// - scopes, when `api.scopes` is given: required but not in the catalog, in it but never required;
/// - issuers: `check_audience: false`; `HS*` beside a remote JWKS; overlapping issuers (exact
///   duplicates are a config error; since `iss` is matched byte for byte, a prefix is no overlap,
///   but two spellings of one issuer, or two issuers sharing one key set, are);
/// - backends with `timeout_ms` and `idle_timeout_ms` both 0;
/// - public methods whose `Authorization` header is forwarded: only when `api.token.header` is
///   another header (``UpstreamHeaders`` strips the token header on every public method, so with
///   the default `Authorization` nothing is forwarded and nothing is said);
/// - routes and methods in shadow mode (`"enforce": "shadow"`), which deny nothing: meant for a
///   rollout, so `check --strict` fails until they are enforced or accepted in `lint.accept`.
/// - routes whose prefix covers the `protected_resource` metadata path (the gateway answers it
///   before route matching, so the backend would never get it).
///
/// "Weaker" is about tokens: requirement A is at least as strong as B when every token that
/// satisfies A satisfies B (each alternative of A contains some alternative of B); `public`
/// is weaker than any scope requirement.
public enum PolicyLint {
    /// Every finding for `config`, in document order of the rules above.
    public static func findings(_ config: GatewayConfig) -> [LintFinding] {
        var result: [LintFinding] = []
        result += routeFindings(config)
        result += catalogFindings(config)
        result += issuerFindings(config)
        result += backendFindings(config)
        result += authorizationFindings(config)
        result += shadowFindings(config)
        result += resourceMetadataFindings(config)
        return result
    }

    /// One finding per route in shadow mode, and per method written with `"enforce": "shadow"`
    /// on a route that enforces.
    static func shadowFindings(_ config: GatewayConfig) -> [LintFinding] {
        var result: [LintFinding] = []
        let hint = "enforce it once its would_deny lines show only requests that should be denied; until then accept it in lint.accept"
        for (index, route) in config.routes.enumerated() {
            if route.enforcement == .shadow {
                result.append(LintFinding(rule: .shadowMode, path: "routes[\(index)].enforce",
                                          message: route.methodEnforcement.values.contains(.enforce)
                                              ? "is \"shadow\": on \(route.prefix) the methods without their own \"enforce\" deny nothing; requests their rules would deny are forwarded and logged as would_deny"
                                              : "is \"shadow\": \(route.prefix) denies nothing; requests its rules would deny are forwarded and logged as would_deny",
                                          hint: hint))
                continue
            }
            for method in route.methodEnforcement.keys.sorted() where route.methodEnforcement[method] == .shadow {
                result.append(LintFinding(rule: .shadowMode, path: "routes[\(index)].methods.\(method).enforce",
                                          message: "is \"shadow\": \(method) on \(route.prefix) denies nothing; requests its rule would deny are forwarded and logged as would_deny",
                                          hint: hint))
            }
        }
        return result
    }

    /// `findings` split by `accepted`: what is still a warning (plus one
    /// ``LintRule/unusedLintAcceptance`` finding per acceptance nothing matched), and what an
    /// acceptance covers, with it.
    public static func apply(_ findings: [LintFinding], accepting accepted: [LintAcceptance])
        -> (warnings: [LintFinding], accepted: [(finding: LintFinding, acceptance: LintAcceptance)]) {
        var warnings: [LintFinding] = []
        var kept: [(finding: LintFinding, acceptance: LintAcceptance)] = []
        var used = Set<Int>()
        for finding in findings {
            if let index = accepted.firstIndex(where: { $0.covers(finding) }) {
                used.insert(index)
                kept.append((finding, accepted[index]))
            } else {
                warnings.append(finding)
            }
        }
        for (index, acceptance) in accepted.enumerated() where !used.contains(index) {
            warnings.append(LintFinding(
                rule: .unusedLintAcceptance, path: "lint.accept[\(index)]",
                message: "accepts \(acceptance.rule.rawValue) at \(acceptance.path), but no such finding exists",
                hint: "remove it, or point its path at the finding (routes and issuers are named by index)"))
        }
        return (warnings, kept)
    }

    /// The `check_audience: false` finding; the decoder's warning uses the same words.
    /// - Parameter bound: whether `allowed_client_ids` or `required_claims` bind the tokens.
    public static func audienceNotChecked(path: String, bound: Bool) -> LintFinding {
        bound
            ? LintFinding(rule: .audienceNotChecked, path: path,
                          message: "is false, so aud is not checked; only allowed_client_ids and required_claims bind this issuer's tokens to this API",
                          hint: "check the audience when the issuer's access tokens carry one; else keep allowed_client_ids narrow")
            : LintFinding(rule: .audienceNotChecked, path: path,
                          message: "is false and nothing else binds this issuer's tokens to this API: a token it issued for any other API or client is accepted (set allowed_client_ids or required_claims)",
                          hint: "set audiences, or allowed_client_ids / required_claims")
    }

    // MARK: - Requirements

    /// Whether every request `rule` lets through, `reference` lets through too.
    static func isAtLeastAsStrong(_ rule: MethodRule, as reference: MethodRule) -> Bool {
        switch (rule, reference) {
        case (_, .public): return true
        case (.public, .scopes): return false
        case (.scopes(let a), .scopes(let b)):
            return a.alternatives.allSatisfy { alternative in
                b.alternatives.contains { $0.allSatisfy(alternative.contains) }
            }
        }
    }

    static func describe(_ rule: MethodRule) -> String {
        switch rule {
        case .public: return "public"
        case .scopes(let requirement):
            if requirement.alternatives.contains(where: \.isEmpty) { return "any valid token" }
            return requirement.alternatives.map { $0.joined(separator: " and ") }.joined(separator: ", or ")
        }
    }

    /// The key of `methods` ``Route/rule(for:)`` takes `method`'s rule from, or `nil` (405).
    static func ruleKey(_ methods: [String: MethodRule], for method: String) -> String? {
        if methods[method] != nil { return method }
        if method == "HEAD", methods["GET"] != nil { return "GET" }
        return methods["*"] != nil ? "*" : nil
    }

    /// The rule ``Route/rule(for:)`` would give `method` on a route with these `methods`.
    static func rule(_ methods: [String: MethodRule], for method: String) -> MethodRule? {
        ruleKey(methods, for: method).flatMap { methods[$0] }
    }

    static func methodPath(_ routeIndex: Int, _ key: String) -> String {
        ConfigReader.join("routes[\(routeIndex)].methods", key)
    }

    /// Whether `outer` encloses `inner` on whole segments (and is not it): each segment of
    /// `outer` covers the same segment of `inner` (a template variable covers any segment, a
    /// literal only itself), so every path `inner` covers, `outer` covers too. `/admin`
    /// encloses `/admin/export`; `/users/{id}` encloses `/users/me` and `/users/{uid}/keys`.
    /// See ``PathTemplate/encloses(_:)``.
    static func encloses(_ outer: String, _ inner: String) -> Bool {
        PathTemplate(outer).encloses(PathTemplate(inner))
    }

    // MARK: - Routes

    static func routeFindings(_ config: GatewayConfig) -> [LintFinding] {
        var result: [LintFinding] = []
        let routes = config.routes
        let templates = routes.map { PathTemplate($0.prefix) }
        for (index, route) in routes.enumerated() {
            // Enclosing routes, nearest (most specific: more segments, then more literals) first.
            // Those of one depth all cover this route, so they overlap, and since none is
            // ambiguous with another their literal counts order them.
            let enclosing = routes.enumerated().filter { templates[$0.offset].encloses(templates[index]) }
                .map { (offset: $0.offset, element: $0.element, template: templates[$0.offset]) }
                .sorted { ($0.template.segments.count, $0.template.literalCount) > ($1.template.segments.count, $1.template.literalCount) }
            if !enclosing.isEmpty {
                let named = Set(route.methods.keys).union(enclosing.flatMap { $0.element.methods.keys })
                var methods = named.subtracting(["*"])
                if methods.contains("GET") { methods.insert("HEAD") }
                var reported = Set<String>()
                for method in methods.sorted() + (route.methods["*"] != nil ? ["*"] : []) {
                    guard let key = method == "*" ? "*" : ruleKey(route.methods, for: method), let rule = route.methods[key] else { continue }
                    func outerRule(_ candidate: RouteConfig) -> MethodRule? {
                        method == "*" ? candidate.methods["*"] : Self.rule(candidate.methods, for: method)
                    }
                    // The nearest enclosing route that has a rule for this method.
                    guard let outer = enclosing.first(where: { outerRule($0.element) != nil }),
                          let outerRule = outerRule(outer.element) else { continue }
                    // A HEAD that follows GET on both sides says nothing GET did not.
                    if method == "HEAD", key == "GET", ruleKey(outer.element.methods, for: "HEAD") != "HEAD" { continue }
                    guard !isAtLeastAsStrong(rule, as: outerRule) else { continue }
                    let path = methodPath(index, key)
                    guard reported.insert("\(path) \(method)").inserted else { continue }
                    let what = method == "*" ? "every other method" : method
                    result.append(LintFinding(
                        rule: .lessProtectedThanEnclosing, path: path,
                        message: "\(what) on \(route.prefix) is \(describe(rule)), but under the enclosing \(outer.element.prefix) (routes[\(outer.offset)]) it requires \(describe(outerRule))",
                        hint: "require at least what \(outer.element.prefix) requires for \(what), or move \(route.prefix) out from under \(outer.element.prefix)"))
                }
            }
            result += takenAwayFindings(route, index: index, routes: routes, templates: templates)
            result += siblingFindings(route, index: index)
        }
        return result
    }

    /// A templated route with more segments than a stricter route it does not sit under, whose
    /// variables take that route's literals (`/{tenant}/{page}` beside `/admin`): more segments
    /// win, so it decides requests under the stricter route (`/admin/users`). Per method, against
    /// each such route that has a rule for it.
    /// - Parameter templates: `routes`' prefixes read once, in order.
    static func takenAwayFindings(_ route: RouteConfig, index: Int, routes: [RouteConfig],
                                  templates: [PathTemplate]) -> [LintFinding] {
        let template = templates[index]
        guard template.hasVariables else { return [] }
        var result: [LintFinding] = []
        for (otherIndex, other) in routes.enumerated() where otherIndex != index {
            guard let example = templates[otherIndex].requestTakenAway(by: template) else { continue }
            // Only when this route is the one that decides the example (no third route wins it).
            let deciding = templates.indices.filter { templates[$0].matches(path: example) }
            guard !deciding.contains(where: { $0 != index && templates[$0].takesPrecedence(over: template) }) else { continue }
            var methods = Set(route.methods.keys).union(other.methods.keys).subtracting(["*"])
            if methods.contains("GET") { methods.insert("HEAD") }
            var reported = Set<String>()
            for method in methods.sorted() {
                guard let key = ruleKey(route.methods, for: method), let rule = route.methods[key],
                      let otherRule = Self.rule(other.methods, for: method), !isAtLeastAsStrong(rule, as: otherRule) else { continue }
                if method == "HEAD", key == "GET", ruleKey(other.methods, for: "HEAD") != "HEAD" { continue }
                guard reported.insert(key).inserted else { continue }
                result.append(LintFinding(
                    rule: .lessProtectedThanEnclosing, path: methodPath(index, key),
                    message: "\(method) on \(route.prefix) is \(describe(rule)), and it decides requests under \(other.prefix) (routes[\(otherIndex)]) such as \(example) (more segments win), where \(method) requires \(describe(otherRule))",
                    hint: "require at least what \(other.prefix) requires for \(method), or give \(route.prefix) a literal first segment that keeps it out from under \(other.prefix)"))
            }
        }
        return result
    }

    static func siblingFindings(_ route: RouteConfig, index: Int) -> [LintFinding] {
        var result: [LintFinding] = []
        let scoped = route.methods.filter { if case .scopes(let r) = $0.value { !r.alternatives.contains(where: \.isEmpty) } else { false } }
        for (method, rule) in route.methods.sorted(by: { $0.key < $1.key }) {
            guard case .scopes(let requirement) = rule, requirement.alternatives.contains(where: \.isEmpty), !scoped.isEmpty else { continue }
            let siblings = scoped.keys.sorted().joined(separator: ", ")
            result.append(LintFinding(
                rule: .methodWithoutScope, path: methodPath(index, method),
                message: "\(method == "*" ? "every other method" : method) on \(route.prefix) accepts any valid token, while \(siblings) \(scoped.count == 1 ? "requires" : "require") scopes",
                hint: "require a scope (e.g. the one \(scoped.keys.sorted().first!) requires), or write \"public\" if no token is meant"))
        }
        if let head = route.methods["HEAD"], let get = route.methods["GET"], !isAtLeastAsStrong(head, as: get) {
            result.append(LintFinding(
                rule: .headLessProtectedThanGet, path: methodPath(index, "HEAD"),
                message: "HEAD on \(route.prefix) is \(describe(head)), but GET requires \(describe(get)): a HEAD answers with GET's status and headers",
                hint: "remove the HEAD entry (HEAD then follows GET), or give it GET's scopes"))
        }
        if let wildcard = route.methods["*"] {
            let stronger = route.methods.filter { $0.key != "*" && !isAtLeastAsStrong(wildcard, as: $0.value) }.keys.sorted()
            if !stronger.isEmpty {
                result.append(LintFinding(
                    rule: .wildcardLessProtected, path: methodPath(index, "*"),
                    message: "every method not named on \(route.prefix) (DELETE, PATCH, ...) is \(describe(wildcard)), less than \(stronger.joined(separator: ", ")) require",
                    hint: "name the methods the backend serves and drop \"*\", or make \"*\" require at least the strongest named rule"))
            }
        }
        return result
    }

    // MARK: - Scope catalog

    static func catalogFindings(_ config: GatewayConfig) -> [LintFinding] {
        guard let catalog = config.api.scopes else { return [] }
        let names = Set(catalog.map(\.name))
        var required = Set<String>()
        var result: [LintFinding] = []
        for (index, route) in config.routes.enumerated() {
            for (method, rule) in route.methods.sorted(by: { $0.key < $1.key }) {
                guard case .scopes(let requirement) = rule else { continue }
                let nested = requirement.alternatives.count > 1
                for (a, alternative) in requirement.alternatives.enumerated() {
                    for (s, scope) in alternative.enumerated() {
                        required.insert(scope)
                        guard !names.contains(scope) else { continue }
                        let path = methodPath(index, method) + (nested ? "[\(a)][\(s)]" : "[\(s)]")
                        let near = closest(to: scope, in: catalog.map(\.name))
                        result.append(LintFinding(
                            rule: .scopeNotInCatalog, path: path,
                            message: "\"\(scope)\" is not in api.scopes\(near.map { " (did you mean \"\($0)\"?)" } ?? ""): no token is likely to carry it",
                            hint: near.map { "write \"\($0)\"" } ?? "fix the name, or add it to api.scopes"))
                    }
                }
            }
        }
        for (index, entry) in catalog.enumerated() where !required.contains(entry.name) {
            result.append(LintFinding(
                rule: .catalogScopeUnused, path: "api.scopes[\(index)]",
                message: "\"\(entry.name)\" is in the catalog but no route requires it",
                hint: "require it where it is meant to apply, or remove it from api.scopes"))
        }
        return result
    }

    /// The catalog name within edit distance 2 of `scope` (the nearest, first on a tie).
    static func closest(to scope: String, in names: [String]) -> String? {
        let scored = names.map { ($0, editDistance(Array($0.utf8), Array(scope.utf8))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance over bytes.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for i in a.indices {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for j in b.indices {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a[i] == b[j] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    // MARK: - Issuers

    static func issuerFindings(_ config: GatewayConfig) -> [LintFinding] {
        let api = config.api
        var result: [LintFinding] = []
        let remote = api.issuers.enumerated().filter { $0.element.jwks.isRemote }
        for (index, issuer) in api.issuers.enumerated() {
            let path = api.issuerPath(index)
            if !issuer.checkAudience {
                result.append(audienceNotChecked(
                    path: ConfigReader.join(path, "check_audience"),
                    bound: issuer.allowedClientIDs != nil || !issuer.requiredClaims.isEmpty))
            }
            let hmac = issuer.algorithms.filter(\.isHMAC)
            if !hmac.isEmpty, let other = remote.first {
                let whose = other.offset == index ? "its own keys come" : "\(api.issuerPath(other.offset))'s keys come"
                result.append(LintFinding(
                    rule: .hmacBesideRemoteJWKS, path: ConfigReader.join(path, "algorithms"),
                    message: "accepts \(hmac.map(\.rawValue).joined(separator: ", ")) (a secret shared with whoever signs, so it can mint any token) while \(whose) from a remote JWKS: the gateway trusts both an identity provider and a shared secret",
                    hint: "use an asymmetric algorithm (RS256, ES256, EdDSA) for this issuer, or serve the HMAC-signed tokens from a gateway of their own"))
            }
        }
        for (j, issuer) in api.issuers.enumerated() {
            for i in 0..<j {
                let earlier = api.issuers[i]
                if canonical(issuer.issuer) == canonical(earlier.issuer) {
                    result.append(LintFinding(
                        rule: .overlappingIssuers, path: ConfigReader.join(api.issuerPath(j), "issuer"),
                        message: "\"\(issuer.issuer)\" and \(api.issuerPath(i))'s \"\(earlier.issuer)\" differ only in a trailing \"/\" or letter case: iss is compared byte for byte, so one of them matches no token of that issuer",
                        hint: "keep the one spelling the issuer puts in iss (its discovery document's issuer) and remove the other"))
                } else if let shared = sharedKeySource(issuer.jwks, earlier.jwks) {
                    result.append(LintFinding(
                        rule: .overlappingIssuers, path: ConfigReader.join(api.issuerPath(j), "jwks"),
                        message: "uses the same keys as \(api.issuerPath(i)) (\(shared)): a key of either issuer verifies tokens naming the other's iss, so their rules (audiences, clients, claims) do not keep them apart",
                        hint: "give each issuer its own JWKS, or make it one issuer"))
                }
            }
        }
        return result
    }

    /// `iss` without a trailing `/`, with scheme and host in lower case.
    static func canonical(_ issuer: String) -> String {
        var text = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        if let range = text.range(of: "://") {
            let afterScheme = text[range.upperBound...]
            let hostEnd = afterScheme.firstIndex(of: "/") ?? text.endIndex
            text = text[..<hostEnd].lowercased() + text[hostEnd...]
        }
        return text
    }

    static func sharedKeySource(_ a: JWKSSource, _ b: JWKSSource) -> String? {
        switch (a, b) {
        case (.file(let x), .file(let y)) where x == y: return "JWKS file \(x)"
        case (.url(let x, _), .url(let y, _)) where x == y: return "JWKS \(x)"
        default: return nil
        }
    }

    // MARK: - Backends

    static func backendFindings(_ config: GatewayConfig) -> [LintFinding] {
        var result: [LintFinding] = []
        for name in config.backends.keys.sorted() {
            guard let backend = config.backends[name], backend.timeoutMilliseconds == 0, backend.idleTimeoutMilliseconds == 0 else { continue }
            let users = config.routes.enumerated().filter { $0.element.backend == name }.map { "routes[\($0.offset)] \($0.element.prefix)" }
            guard !users.isEmpty else { continue }
            result.append(LintFinding(
                rule: .backendWithoutTimeout, path: ConfigReader.join(ConfigReader.join("backends", name), "timeout_ms"),
                message: "is 0 and so is idle_timeout_ms: a backend that stops answering holds the client connection (and a curl transfer) forever (used by \(users.joined(separator: ", ")))",
                hint: "set timeout_ms, or for long streams idle_timeout_ms, to a finite value"))
        }
        return result
    }

    // MARK: - Authorization header

    static func authorizationFindings(_ config: GatewayConfig) -> [LintFinding] {
        guard !config.api.token.usesBearerScheme else { return [] }
        var result: [LintFinding] = []
        for (index, route) in config.routes.enumerated() {
            for (method, rule) in route.methods.sorted(by: { $0.key < $1.key }) where rule == .public {
                result.append(LintFinding(
                    rule: .authorizationForwardedUnchecked, path: methodPath(index, method),
                    message: "is public and the token is read from \(config.api.token.header), so a client's Authorization header reaches the backend unchecked",
                    hint: "make sure the backend ignores Authorization, or read the token from Authorization (it is then never forwarded on public methods)"))
            }
        }
        return result
    }

    // MARK: - Protected resource metadata

    static func resourceMetadataFindings(_ config: GatewayConfig) -> [LintFinding] {
        guard let resource = config.protectedResource?.resource else { return [] }
        let path = resource.metadataPath
        var result: [LintFinding] = []
        for (index, route) in config.routes.enumerated() where route.prefix == path || encloses(route.prefix, path) {
            result.append(LintFinding(
                rule: .routeShadowsResourceMetadata, path: "routes[\(index)].prefix",
                message: "\"\(route.prefix)\" covers \(path), which the gateway answers itself (protected_resource): backend \"\(route.backend)\" never gets requests for it",
                hint: "if the backend serves its own metadata, drop protected_resource; else accept this finding in lint.accept"))
        }
        return result
    }
}
