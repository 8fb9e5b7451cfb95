import Foundation
import Testing
@testable import ScopeGateCore

/// ``PolicyLint``: for each rule a config that triggers it and one that does not, decoded by the
/// real ``ConfigLoader`` (no file is read: JWKS files are only named).
@Suite("Policy lint")
struct PolicyLintTests {
    static let api = #"{"issuer": "https://issuer.example/", "audience": "https://api", "jwks": {"file": "/k.json"}}"#
    static let backends = #"{"calendar": {"url": "http://127.0.0.1:9102"}}"#

    static func config(api: String = api, backends: String = backends, routes: String, extra: String = "") throws -> GatewayConfig {
        try ConfigLoader.decode(Data(#"{"api": \#(api), "backends": \#(backends), "routes": \#(routes)\#(extra)}"#.utf8))
    }

    static func findings(_ rule: LintRule, api: String = api, backends: String = backends, routes: String,
                         extra: String = "") throws -> [LintFinding] {
        try PolicyLint.findings(config(api: api, backends: backends, routes: routes, extra: extra)).filter { $0.rule == rule }
    }

    static func route(_ prefix: String, _ methods: String) -> String {
        #"{"prefix": "\#(prefix)", "backend": "calendar", "methods": \#(methods)}"#
    }

    // MARK: less_protected_than_enclosing

    @Test("a public /admin/export under an admin-only /admin is found, per method, with the inner route's path")
    func publicUnderAdmin() throws {
        let found = try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/admin", #"{"GET": ["admin"], "POST": ["admin"]}"#)), \(Self.route("/admin/export", #"{"GET": "public"}"#))]")
        #expect(found.map(\.path) == ["routes[1].methods.GET"])
        #expect(found[0].message.contains("GET on /admin/export is public, but under the enclosing /admin (routes[0]) it requires admin"))
        #expect(!found[0].hint.isEmpty)
    }

    @Test("an inner route that requires at least the outer scopes is not found")
    func strongerInnerRoute() throws {
        let found = try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/admin", #"{"GET": [["admin"], ["ops"]]}"#)), \(Self.route("/admin/export", #"{"GET": ["admin", "export"], "POST": "public"}"#))]")
        #expect(found.isEmpty, "\(found)")
    }

    @Test("fewer or other scopes than the enclosing route, any-of included, are found")
    func weakerScopes() throws {
        let found = try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/a", #"{"GET": ["read", "admin"], "PUT": [["x"], ["y"]]}"#)), \(Self.route("/a/b", #"{"GET": ["read"], "PUT": [["x", "z"], ["w"]]}"#))]")
        #expect(found.map(\.path) == ["routes[1].methods.GET", "routes[1].methods.PUT"])
    }

    @Test("a method the inner route allows and the outer route protects only through \"*\" is found")
    func outerWildcard() throws {
        let found = try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/a", #"{"*": ["admin"]}"#)), \(Self.route("/a/b", #"{"DELETE": []}"#))]")
        #expect(found.map(\.path) == ["routes[1].methods.DELETE"])
    }

    @Test("nesting is by whole segments: /administrators does not sit under /admin; / encloses every route")
    func wholeSegments() throws {
        #expect(try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/admin", #"{"GET": ["admin"]}"#)), \(Self.route("/administrators", #"{"GET": "public"}"#))]").isEmpty)
        let found = try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/", #"{"GET": ["read"]}"#)), \(Self.route("/x/y", #"{"GET": "public"}"#))]")
        #expect(found.map(\.path) == ["routes[1].methods.GET"])
    }

    @Test("the nearest enclosing route that has a rule for the method is the reference")
    func nearestEnclosingWithARule() throws {
        let routes = "[\(Self.route("/a", #"{"GET": ["admin"]}"#)), \(Self.route("/a/b", #"{"POST": ["write"]}"#)), \(Self.route("/a/b/c", #"{"GET": "public"}"#))]"
        let found = try Self.findings(.lessProtectedThanEnclosing, routes: routes)
        #expect(found.map(\.path) == ["routes[2].methods.GET"])
        #expect(found[0].message.contains("/a (routes[0])"))
    }

    @Test("templated routes enclose by segment: a variable covers any segment, a literal only itself", arguments: [
        // (outer, inner, found): the inner route is public under an outer one that requires "read".
        ("/users/{id}", "/users/{id}/keys", true),
        ("/users/{id}", "/users/{uid}/keys", true),       // names do not matter
        ("/users/{id}", "/users/me", true),               // same depth: the literal is within the variable
        ("/users/{id}", "/users/me/keys", true),
        ("/users", "/users/{id}", true),
        ("/{tenant}/x", "/acme/x/admin", true),           // (a lone /{tenant} would claim the default health path /healthz)
        ("/", "/{tenant}/admin", true),
        ("/users/me", "/users/{id}/keys", false),         // a literal does not cover a variable
        ("/users/{id}/keys", "/users/{id}", false),       // deeper routes never enclose
        ("/users/{id}", "/usersx/{id}/keys", false),
        ("/a/{x}", "/b/{x}/c", false),
    ])
    func templatedEnclosure(outer: String, inner: String, found: Bool) throws {
        // Enclosure only: /users/{id}/keys takes /users/me/keys away from /users/me, which
        // templatedRouteTakesRequestsAway covers.
        let findings = try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route(outer, #"{"GET": ["read"]}"#)), \(Self.route(inner, #"{"GET": "public"}"#))]")
            .filter { $0.message.contains("under the enclosing") }
        #expect(findings.map(\.path) == (found ? ["routes[1].methods.GET"] : []), "\(outer) over \(inner): \(findings)")
        if found { #expect(findings[0].message.contains("GET on \(inner) is public, but under the enclosing \(outer) (routes[0])")) }
    }

    @Test("of templated enclosing routes the most specific is the nearest: more segments, then more literals")
    func nearestTemplatedEnclosure() throws {
        let routes = "[\(Self.route("/{t}/{u}", #"{"GET": ["a", "b"]}"#)), \(Self.route("/users", #"{"GET": ["a", "b", "c"]}"#)), "
            + "\(Self.route("/users/{id}", #"{"GET": ["a"]}"#)), \(Self.route("/users/me", #"{"GET": ["a"]}"#))]"
        let found = try Self.findings(.lessProtectedThanEnclosing, routes: routes)
        // /users/me: nearest is /users/{id} (two segments, one literal), which it satisfies; /users/{id}: nearest is /{t}/{u}
        // (two segments) rather than /users (one), and it requires less than ["a", "b"].
        #expect(found.map(\.path) == ["routes[2].methods.GET"], "\(found)")
        #expect(found.first?.message.contains("under the enclosing /{t}/{u} (routes[0])") == true, "\(found)")
    }

    // MARK: method_without_scope, head, wildcard

    @Test("a method any valid token may call beside scoped siblings is found; a route of such methods only is not")
    func anyTokenMethod() throws {
        let found = try Self.findings(.methodWithoutScope, routes: "[\(Self.route("/a", #"{"GET": ["read"], "POST": []}"#))]")
        #expect(found.map(\.path) == ["routes[0].methods.POST"])
        #expect(try Self.findings(.methodWithoutScope, routes: "[\(Self.route("/a", #"{"GET": [], "POST": []}"#))]").isEmpty)
    }

    @Test("a public HEAD beside a scoped GET is found; a HEAD that follows GET is not")
    func publicHead() throws {
        let found = try Self.findings(.headLessProtectedThanGet, routes: "[\(Self.route("/a", #"{"GET": ["read"], "HEAD": "public"}"#))]")
        #expect(found.map(\.path) == ["routes[0].methods.HEAD"])
        #expect(try Self.findings(.headLessProtectedThanGet, routes: "[\(Self.route("/a", #"{"GET": ["read"], "HEAD": ["read"]}"#))]").isEmpty)
        #expect(try Self.findings(.headLessProtectedThanGet, routes: "[\(Self.route("/a", #"{"GET": ["read"]}"#))]").isEmpty)
    }

    @Test("a \"*\" weaker than a named method is found; one at least as strong is not")
    func weakWildcard() throws {
        let found = try Self.findings(.wildcardLessProtected, routes: "[\(Self.route("/a", #"{"GET": ["read"], "POST": ["write"], "*": ["read"]}"#))]")
        #expect(found.map(\.path) == [#"routes[0].methods["*"]"#])
        #expect(found[0].message.contains("less than POST require"))
        #expect(try Self.findings(.wildcardLessProtected, routes: "[\(Self.route("/a", #"{"GET": ["read"], "*": ["read", "admin"]}"#))]").isEmpty)
    }

    // MARK: scope catalog

    static let catalogAPI = #"{"issuer": "https://issuer.example/", "audience": "https://api", "jwks": {"file": "/k.json"}, "scopes": [{"name": "read:appointments", "description": "Read appointments"}, {"name": "write:appointments"}]}"#

    @Test("a required scope the catalog lacks is found with the nearest catalog name, and an unused catalog scope")
    func catalogTypo() throws {
        let routes = "[\(Self.route("/appointments", #"{"GET": ["read:apointments"], "POST": [["write:appointments"], ["admin"]]}"#))]"
        let missing = try Self.findings(.scopeNotInCatalog, api: Self.catalogAPI, routes: routes)
        #expect(missing.map(\.path) == ["routes[0].methods.GET[0]", "routes[0].methods.POST[1][0]"])
        #expect(missing[0].message.contains(#"did you mean "read:appointments"?"#))
        #expect(missing[0].hint == #"write "read:appointments""#)
        let unused = try Self.findings(.catalogScopeUnused, api: Self.catalogAPI, routes: routes)
        #expect(unused.map(\.path) == ["api.scopes[0]"])
    }

    @Test("routes that use exactly the catalog, or no catalog at all, give no catalog finding")
    func catalogClean() throws {
        let routes = "[\(Self.route("/appointments", #"{"GET": ["read:appointments"], "POST": ["write:appointments"]}"#))]"
        let config = try Self.config(api: Self.catalogAPI, routes: routes)
        #expect(config.api.scopes == [ScopeCatalogEntry(name: "read:appointments", description: "Read appointments"),
                                      ScopeCatalogEntry(name: "write:appointments")])
        #expect(PolicyLint.findings(config).isEmpty)
        let noCatalog = try Self.config(routes: "[\(Self.route("/appointments", #"{"GET": ["read:apointments"]}"#))]")
        #expect(noCatalog.api.scopes == nil)
        #expect(PolicyLint.findings(noCatalog).isEmpty)
    }

    @Test("api.scopes is decoded with JSON-path problems like the rest")
    func catalogDecoding() throws {
        let api = #"{"issuer": "https://i/", "audience": "a", "jwks": {"file": "/k"}, "scopes": [{"name": "a b"}, {"name": "x"}, {"name": "x"}, {"description": "d"}, {"name": "y", "title": "t"}]}"#
        do {
            _ = try Self.config(api: api, routes: "[\(Self.route("/a", #"{"GET": ["x"]}"#))]")
            Issue.record("accepted")
        } catch let error as ConfigError {
            #expect(error.problems.map(\.path) == ["api.scopes[0].name", "api.scopes[2].name", "api.scopes[3].name", "api.scopes[4].title"])
        }
    }

    // MARK: issuers

    @Test("check_audience: false is found at the issuer's path (shorthand and list); an audience checked is not")
    func audience() throws {
        let routes = "[\(Self.route("/a", #"{"GET": ["read"]}"#))]"
        let shorthand = try Self.findings(.audienceNotChecked, api: #"{"issuer": "https://i/", "jwks": {"file": "/k"}, "check_audience": false}"#, routes: routes)
        #expect(shorthand.map(\.path) == ["api.check_audience"])
        #expect(shorthand[0].message.contains("nothing else binds"))
        let list = try Self.findings(.audienceNotChecked, api: #"{"issuers": [{"issuer": "https://i/", "jwks": {"file": "/k"}, "check_audience": false, "allowed_client_ids": ["app"]}]}"#, routes: routes)
        #expect(list.map(\.path) == ["api.issuers[0].check_audience"])
        #expect(list[0].message.contains("so aud is not checked"))
        #expect(try Self.findings(.audienceNotChecked, routes: routes).isEmpty)
    }

    @Test("HS* beside a remote JWKS is found; HS* with local keys only is not")
    func hmacBesideRemote() throws {
        let routes = "[\(Self.route("/a", #"{"GET": ["read"]}"#))]"
        let mixed = #"{"audience": "a", "issuers": [{"issuer": "https://local/", "jwks": {"file": "/k"}, "algorithms": ["HS256"]}, {"issuer": "https://idp.example/", "jwks": {"url": "https://idp.example/jwks"}}]}"#
        #expect(try Self.findings(.hmacBesideRemoteJWKS, api: mixed, routes: routes).map(\.path) == ["api.issuers[0].algorithms"])
        let local = #"{"audience": "a", "issuers": [{"issuer": "https://local/", "jwks": {"file": "/k"}, "algorithms": ["HS256"]}, {"issuer": "https://other/", "jwks": {"file": "/k2"}}]}"#
        #expect(try Self.findings(.hmacBesideRemoteJWKS, api: local, routes: routes).isEmpty)
    }

    @Test("two spellings of one issuer, or two issuers sharing a JWKS, overlap; distinct issuers do not")
    func overlappingIssuers() throws {
        let routes = "[\(Self.route("/a", #"{"GET": ["read"]}"#))]"
        let spellings = #"{"audience": "a", "issuers": [{"issuer": "https://idp.example/", "jwks": {"file": "/k"}}, {"issuer": "https://IDP.example", "jwks": {"file": "/k2"}}]}"#
        #expect(try Self.findings(.overlappingIssuers, api: spellings, routes: routes).map(\.path) == ["api.issuers[1].issuer"])
        let shared = #"{"audience": "a", "issuers": [{"issuer": "https://a.example/", "jwks": {"url": "https://keys.example/jwks"}}, {"issuer": "https://b.example/", "jwks": {"url": "https://keys.example/jwks"}}]}"#
        #expect(try Self.findings(.overlappingIssuers, api: shared, routes: routes).map(\.path) == ["api.issuers[1].jwks"])
        let distinct = #"{"audience": "a", "issuers": [{"issuer": "https://a.example/", "jwks": {"url": "https://a.example/jwks"}}, {"issuer": "https://a.example/tenant2", "jwks": {"url": "https://a.example/tenant2/jwks"}}]}"#
        #expect(try Self.findings(.overlappingIssuers, api: distinct, routes: routes).isEmpty)
    }

    // MARK: backends, Authorization

    @Test("a routed backend with timeout_ms and idle_timeout_ms both 0 is found; one with an idle bound is not")
    func backendTimeout() throws {
        let routes = "[\(Self.route("/a", #"{"GET": ["read"]}"#))]"
        let none = #"{"calendar": {"url": "http://127.0.0.1:9102", "timeout_ms": 0, "idle_timeout_ms": 0}}"#
        #expect(try Self.findings(.backendWithoutTimeout, backends: none, routes: routes).map(\.path) == ["backends.calendar.timeout_ms"])
        let streaming = #"{"calendar": {"url": "http://127.0.0.1:9102", "timeout_ms": 0}}"#
        #expect(try Self.findings(.backendWithoutTimeout, backends: streaming, routes: routes).isEmpty)
    }

    @Test("a public method forwards Authorization unchecked only when the token header is another one")
    func authorizationForwarded() throws {
        let routes = "[\(Self.route("/a", #"{"GET": "public", "POST": ["write"]}"#))]"
        let custom = #"{"issuer": "https://i/", "audience": "a", "jwks": {"file": "/k"}, "token": {"header": "X-Access-Token"}}"#
        #expect(try Self.findings(.authorizationForwardedUnchecked, api: custom, routes: routes).map(\.path) == ["routes[0].methods.GET"])
        // Default token header: UpstreamHeaders strips it on public methods, so nothing to say.
        #expect(try Self.findings(.authorizationForwardedUnchecked, routes: routes).isEmpty)
    }

    // MARK: lint.accept

    @Test("a templated route with more segments that takes requests from a stricter route is found; one kept apart is not")
    func templatedRouteTakesRequestsAway() throws {
        let found = try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/admin", #"{"GET": ["admin"], "DELETE": ["admin"]}"#)), \(Self.route("/{tenant}/{page}", #"{"GET": "public", "DELETE": ["admin"]}"#))]")
        #expect(found.map(\.path) == ["routes[1].methods.GET"])
        #expect(found.first?.message.contains("decides requests under /admin (routes[0]) such as /admin/x") == true, "\(found)")
        let deeper = try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/users/{id}", #"{"GET": ["admin"]}"#)), \(Self.route("/{a}/{b}/{c}", #"{"GET": []}"#))]")
        #expect(deeper.map(\.path) == ["routes[1].methods.GET"])
        #expect(deeper.first?.message.contains("such as /users/x/x") == true, "\(deeper)")
        // A literal that differs keeps the routes apart; as strong a rule says nothing; a route
        // with fewer segments takes nothing away (the longer literal route wins).
        #expect(try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/admin", #"{"GET": ["admin"]}"#)), \(Self.route("/public/{p}", #"{"GET": "public"}"#))]").isEmpty)
        #expect(try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/admin", #"{"GET": ["admin"]}"#)), \(Self.route("/{t}/{p}", #"{"GET": ["admin", "x"]}"#))]").isEmpty)
        #expect(try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/v/admin/users", #"{"GET": ["admin"]}"#)), \(Self.route("/v/{t}", #"{"GET": "public"}"#))]").isEmpty)
        // A third route that decides the shared requests itself: /users/{id} wins /users/x over /{t}/{u}.
        #expect(try Self.findings(.lessProtectedThanEnclosing, routes: "[\(Self.route("/users", #"{"GET": ["admin"]}"#)), \(Self.route("/users/{id}", #"{"GET": ["admin"]}"#)), \(Self.route("/{t}/{u}", #"{"GET": "public"}"#))]").isEmpty)
    }

    // MARK: shadow_mode

    @Test("a route or a method in shadow mode is found at its enforce member; enforced ones are not")
    func shadowMode() throws {
        let routes = "[" + [
            #"{"prefix": "/a", "backend": "calendar", "enforce": "shadow", "methods": {"GET": ["r"], "POST": {"scopes": ["w"], "enforce": "shadow"}}}"#,
            #"{"prefix": "/b", "backend": "calendar", "methods": {"GET": ["r"], "POST": {"scopes": ["w"], "enforce": "shadow"}, "PUT": {"scopes": ["w"], "enforce": "enforce"}}}"#,
            #"{"prefix": "/c", "backend": "calendar", "enforce": "enforce", "methods": {"GET": {"scopes": ["r"]}}}"#,
        ].joined(separator: ", ") + "]"
        let found = try Self.findings(.shadowMode, routes: routes)
        #expect(found.map(\.path) == ["routes[0].enforce", "routes[1].methods.POST.enforce"])
        #expect(found[0].message.contains("/a denies nothing"))
        let mixed = try Self.findings(.shadowMode, routes: #"[{"prefix": "/s", "backend": "calendar", "enforce": "shadow", "methods": {"GET": {"scopes": ["r"], "enforce": "enforce"}, "POST": ["w"]}}]"#)
        #expect(mixed.first?.message.contains("the methods without their own \"enforce\" deny nothing") == true, "\(mixed)")
        #expect(try Self.findings(.shadowMode, routes: "[\(Self.route("/a", #"{"GET": ["r"]}"#))]").isEmpty)
    }

    @Test("lint.accept moves a finding at or below its path to accepted; an unused acceptance is a warning")
    func acceptance() throws {
        let routes = "[\(Self.route("/admin", #"{"GET": ["admin"]}"#)), \(Self.route("/admin/export", #"{"GET": "public"}"#))]"
        let extra = #", "lint": {"accept": [{"rule": "less_protected_than_enclosing", "path": "routes[1]", "reason": "meant"}, {"rule": "method_without_scope", "path": "routes[0]", "reason": "stale"}]}"#
        let config = try Self.config(routes: routes, extra: extra)
        let (warnings, accepted) = PolicyLint.apply(PolicyLint.findings(config), accepting: config.lint.accepted)
        #expect(accepted.map(\.finding.path) == ["routes[1].methods.GET"])
        #expect(accepted.map(\.acceptance.reason) == ["meant"])
        #expect(warnings.map(\.rule) == [.unusedLintAcceptance])
        #expect(warnings.map(\.path) == ["lint.accept[1]"])
        // A path is matched on member boundaries: routes[1] does not cover routes[10].
        #expect(!LintAcceptance(rule: .lessProtectedThanEnclosing, path: "routes[1]", reason: "r")
            .covers(LintFinding(rule: .lessProtectedThanEnclosing, path: "routes[10].methods.GET", message: "", hint: "")))
    }

    @Test("lint.accept names known rules only")
    func acceptanceDecoding() throws {
        do {
            _ = try Self.config(routes: "[\(Self.route("/a", #"{"GET": ["r"]}"#))]", extra: #", "lint": {"accept": [{"rule": "no_such_rule", "path": "routes[0]", "reason": "r"}, {"rule": "method_without_scope", "path": "routes[0]"}]}"#)
            Issue.record("accepted")
        } catch let error as ConfigError {
            #expect(error.problems.map(\.path) == ["lint.accept[0].rule", "lint.accept[1].reason"])
        }
    }

    @Test("the lint does not change a decision: the route table is built from the same routes")
    func runtimeUnchanged() throws {
        let routes = "[\(Self.route("/a", #"{"GET": ["read:a"]}"#))]"
        let with = try Self.config(api: #"{"issuer": "https://issuer.example/", "audience": "https://api", "jwks": {"file": "/k.json"}, "scopes": [{"name": "other"}]}"#, routes: routes)
        let without = try Self.config(routes: routes)
        #expect(RouteTable(config: with).match(path: "/a/1") == RouteTable(config: without).match(path: "/a/1"))
    }
}

// MARK: route_shadows_resource_metadata

extension PolicyLintTests {
    @Test("routes covering the protected_resource metadata path (\"/\", \"/.well-known\") are found, with the route's path")
    func routeShadowsResourceMetadata() throws {
        let routes = "[\(Self.route("/", #"{"GET": "public"}"#)), \(Self.route("/.well-known", #"{"GET": "public"}"#)), \(Self.route("/calendar", #"{"GET": ["read"]}"#))]"
        let found = try Self.findings(.routeShadowsResourceMetadata, routes: routes,
                                      extra: #", "protected_resource": {"resource": "https://api.example.com/v1"}"#)
        #expect(found.map(\.path) == ["routes[0].prefix", "routes[1].prefix"])
        #expect(found[0].message.contains("covers /.well-known/oauth-protected-resource/v1"), "\(found[0].message)")
        #expect(!found[0].hint.isEmpty)
        let exact = try Self.findings(.routeShadowsResourceMetadata,
                                      routes: "[\(Self.route("/.well-known/oauth-protected-resource/v1", #"{"GET": "public"}"#))]",
                                      extra: #", "protected_resource": {"resource": "https://api.example.com/v1"}"#)
        #expect(exact.map(\.path) == ["routes[0].prefix"])
    }

    @Test("no finding when no route covers the metadata path, or without protected_resource")
    func noRouteShadowsResourceMetadata() throws {
        let routes = "[\(Self.route("/calendar", #"{"GET": ["read"]}"#)), \(Self.route("/.well-known/oauth-protected-resource/v2", #"{"GET": "public"}"#)), \(Self.route("/.well-known/oauth-protected-resourcex", #"{"GET": "public"}"#))]"
        #expect(try Self.findings(.routeShadowsResourceMetadata, routes: routes,
                                  extra: #", "protected_resource": {"resource": "https://api.example.com/v1"}"#).isEmpty)
        #expect(try Self.findings(.routeShadowsResourceMetadata, routes: "[\(Self.route("/", #"{"GET": "public"}"#))]").isEmpty)
    }

    @Test("the finding can be accepted in lint.accept")
    func routeShadowsResourceMetadataAccepted() throws {
        let config = try Self.config(routes: "[\(Self.route("/", #"{"GET": "public"}"#))]", extra: #"""
            , "protected_resource": {"resource": "https://api.example.com"},
              "lint": {"accept": [{"rule": "route_shadows_resource_metadata", "path": "routes[0]", "reason": "the backend has no metadata of its own"}]}
            """#)
        let applied = PolicyLint.apply(PolicyLint.findings(config), accepting: config.lint.accepted)
        #expect(!applied.warnings.contains { $0.rule == .routeShadowsResourceMetadata || $0.rule == .unusedLintAcceptance }, "\(applied.warnings)")
        #expect(applied.accepted.map(\.finding.rule) == [.routeShadowsResourceMetadata])
    }
}
