import Foundation
import XCTest
@testable import ScopeGateCore

final class ConfigLoaderTests: XCTestCase {
    private func problems(_ json: String) -> [String] {
        do {
            _ = try ConfigLoader.decode(Data(json.utf8))
            return []
        } catch let error as ConfigError {
            return error.problems.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    private let validBackends = #""backends": {"calendar": {"url": "http://127.0.0.1:9102"}}"#
    private let validAPI = #""api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "/k.json"}}"#

    /// A config with one route per prefix (`GET` open to any valid token).
    private func routesJSON(_ prefixes: [String]) -> String {
        let routes = prefixes.map { "{\"prefix\": \"\($0)\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}" }
        return "{\(validAPI), \(validBackends), \"routes\": [\(routes.joined(separator: ", "))]}"
    }

    func testTemplatedPrefixesDecode() throws {
        let prefixes = ["/", "/users", "/users/{id}", "/users/me", "/users/{id}/keys", "/users/me/keys/{key_id}",
                        "/t/{tenant}/admin", "/t/public/admin", "/a/{x}/c", "/a/b/c", "/_x/{_Y9}", "/files/{name}", "/files/{name}/{part}",
                        "/orgs/{org-id}/members/{user.id}", "/v/{1}"]
        XCTAssertEqual(problems(routesJSON(prefixes)), [])
        // A health path below a templated route (not its own path) is allowed, as below a literal prefix.
        XCTAssertEqual(problems("{\(validAPI), \(validBackends), \"listen\": {\"health_path\": \"/t/healthz\"}, \"routes\": [{\"prefix\": \"/{x}\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}]}"), [])
        let config = try ConfigLoader.decode(Data(routesJSON(prefixes).utf8))
        XCTAssertEqual(config.routes.map(\.prefix), prefixes)
        XCTAssertEqual(PathTemplate("/users/{id}/keys").segments, [.literal("users"), .variable("id"), .literal("keys")])
        XCTAssertEqual(PathTemplate("/orgs/{org-id}").segments, [.literal("orgs"), .variable("org-id")], "OpenAPI names: {user-id}")
        // Braces are literal characters nowhere else: a health path or rewrite_prefix with one is refused.
        XCTAssertTrue(problems("{\(validAPI), \(validBackends), \"listen\": {\"health_path\": \"/{x}\"}, \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}]}")
            .contains { $0.hasPrefix("listen.health_path: \"/{x}\" contains \"{\"") })
    }

    func testAmbiguityIsReportedOncePerPairAndNamesBothRoutes() {
        let found = problems(routesJSON(["/a/{x}/c", "/a/b/{y}", "/a/b/c", "/{p}/b/c", "/a/{z}/{w}/d"]))
        // /{p}/b/c is ambiguous with /a/{x}/c and with /a/b/{y}. A literal /a/b/c beside them does
        // not make a pair acceptable: the rule is per pair. /a/{z}/{w}/d has four segments.
        XCTAssertEqual(found, [
            "routes[1].prefix: \"/a/b/{y}\" and routes[0] \"/a/{x}/c\" are ambiguous: both match /a/b/c",
            "routes[3].prefix: \"/{p}/b/c\" and routes[0] \"/a/{x}/c\" are ambiguous: both match /a/b/c",
            "routes[3].prefix: \"/{p}/b/c\" and routes[1] \"/a/b/{y}\" are ambiguous: both match /a/b/c",
        ].map { $0 + " and neither is at least as specific in every segment (a literal wherever the other has one), so neither can win; "
                + "write one with a literal wherever the other has one, or give them different literals" }, "\(found)")
    }

    func testMinimalConfigGetsDefaults() throws {
        let json = "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/calendar\", \"backend\": \"calendar\", \"methods\": {\"GET\": [\"read:calendar\"], \"HEAD\": \"public\"}}]}"
        let config = try ConfigLoader.decode(Data(json.utf8))
        XCTAssertEqual(config.listener, ListenerConfig(host: "127.0.0.1", port: 8080))
        XCTAssertEqual(config.api.issuers, [IssuerConfig(issuer: "https://issuer/", audiences: ["https://api"], jwks: .file(path: "/k.json"))])
        XCTAssertEqual(config.api.token, TokenLocationConfig(header: "Authorization", queryParameter: nil))
        XCTAssertEqual(config.api.verificationCache, VerificationCacheConfig(maxEntries: 10000, ttlSeconds: 300))
        XCTAssertEqual(config.api.clockSkewSeconds, 60)
        XCTAssertEqual(config.backends["calendar"]?.url, "http://127.0.0.1:9102")
        XCTAssertEqual(config.routes[0].methods, ["GET": .scopes(ScopeRequirement(allOf: ["read:calendar"])), "HEAD": .public])
        XCTAssertEqual(config.limits, LimitsConfig())
        XCTAssertEqual(config.log.denials, .standardError)
    }

    func testThreeDistinctMistakesAreAllReportedWithTheirPaths() {
        let json = """
        {"api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"url": "https://issuer/jwks"}, "algorithms": ["RS256", "HS256"]},
         "backends": {"calendar": {"url": "ftp://example"}},
         "routes": [{"prefix": "/a", "backend": "calendar", "methods": {"GET": []}},
                    {"prefix": "/b", "backend": "billing", "methods": {"GET": []}}]}
        """
        let found = problems(json)
        XCTAssertEqual(found.count, 3, "\(found)")
        XCTAssertTrue(found.contains { $0.hasPrefix("api.algorithms[1]: \"HS256\" is not allowed") }, "\(found)")
        XCTAssertTrue(found.contains { $0.hasPrefix("backends.calendar.url: must be an absolute http:// or https:// URL") }, "\(found)")
        XCTAssertTrue(found.contains { $0.hasPrefix("routes[1].backend: \"billing\" is not a defined backend") }, "\(found)")
    }

    func testProblemTable() {
        let cases: [(name: String, json: String, expected: String)] = [
            ("not JSON", "{", "$: not valid JSON"),
            ("duplicate member", #"{"listen": {"port": 1}, "listen": {"port": 2}}"#, "$: a member name appears twice"),
            ("not an object", "[]", "$: must be an object"),
            ("api missing", "{\(validBackends), \"routes\": []}", "api: is required"),
            ("unknown top-level key", "{\(validAPI), \(validBackends), \"routez\": []}", "routez: unknown key"),
            ("issuer wrong type", #"{"api": {"issuer": 1, "audience": "a", "jwks": {"file": "k"}}}"#, "api.issuer: must be a string, found a number"),
            ("alg none", #"{"api": {"issuer": "i", "audience": "a", "jwks": {"file": "k"}, "algorithms": ["none"]}}"#, "api.algorithms[0]: \"none\" is not allowed"),
            ("alg unknown", #"{"api": {"issuer": "i", "audience": "a", "jwks": {"file": "k"}, "algorithms": ["RS257"]}}"#, "api.algorithms[0]: unknown algorithm"),
            ("skew out of range", #"{"api": {"issuer": "i", "audience": "a", "jwks": {"file": "k"}, "clock_skew_seconds": 9000}}"#, "api.clock_skew_seconds: must be a whole number from 0 to 600"),
            ("backend url with path", #"{"backends": {"x": {"url": "http://h/p"}}}"#, "backends.x.url: must be scheme://host[:port] only"),
            ("prefix without slash", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"calendar\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}]}", "routes[0].prefix: \"calendar\" must start with \"/\""),
            ("prefix trailing slash", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/calendar/\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}]}", "routes[0].prefix: \"/calendar/\" must not end with \"/\""),
            ("prefix with KELVIN SIGN for K", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/\u{212A}iosk\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}]}", "routes[0].prefix: \"/\u{212A}iosk\" contains \"\u{212A}\""),
            ("scope with KELVIN SIGN", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": [\"\u{212A}iosk:read\"]}}]}", "routes[0].methods.GET[0]: \"\u{212A}iosk:read\" is not a scope token"),
            ("prefix dot segment", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a/../b\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}]}", "routes[0].prefix: \"/a/../b\" has a dot segment"),
            ("duplicate prefix", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}, {\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}]}", "routes[1].prefix: \"/a\" is already the prefix of routes[0]"),
            ("template inside a segment", routesJSON(["/files/{name}.json"]), "routes[0].prefix: \"/files/{name}.json\" has the segment \"{name}.json\": a template variable must be a whole segment"),
            ("template after a literal", routesJSON(["/a{b}"]), "routes[0].prefix: \"/a{b}\" has the segment \"a{b}\""),
            ("stray closing brace", routesJSON(["/a/b}"]), "routes[0].prefix: \"/a/b}\" has the segment \"b}\""),
            ("stray opening brace", routesJSON(["/{a"]), "routes[0].prefix: \"/{a\" has the segment \"{a\""),
            ("empty template name", routesJSON(["/a/{}"]), "routes[0].prefix: \"/a/{}\" has the segment \"{}\""),
            ("template name with a space", routesJSON(["/a/{a b}"]), "routes[0].prefix: \"/a/{a b}\" has the segment \"{a b}\""),
            ("nested braces", routesJSON(["/a/{{x}}"]), "routes[0].prefix: \"/a/{{x}}\" has the segment \"{{x}}\""),
            ("template name twice", routesJSON(["/a/{x}/b/{x}"]), "routes[0].prefix: \"/a/{x}/b/{x}\" uses the variable {x} twice"),
            ("templates equal up to names", routesJSON(["/u/{id}", "/u/{uid}"]), "routes[1].prefix: \"/u/{uid}\" is the prefix of routes[0], \"/u/{id}\", with other variable names"),
            ("same template twice", routesJSON(["/u/{id}", "/u/{id}"]), "routes[1].prefix: \"/u/{id}\" is already the prefix of routes[0]"),
            ("ambiguous templates", routesJSON(["/a/{x}/c", "/a/b/{y}"]), "routes[1].prefix: \"/a/b/{y}\" and routes[0] \"/a/{x}/c\" are ambiguous: both match /a/b/c"),
            ("ambiguous leading templates", routesJSON(["/x", "/{t}/me", "/users/{id}"]), "routes[2].prefix: \"/users/{id}\" and routes[1] \"/{t}/me\" are ambiguous: both match /users/me"),
            ("rewrite_prefix with a template", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/u/{id}\", \"backend\": \"calendar\", \"rewrite_prefix\": \"/v1/{id}\", \"methods\": {\"GET\": []}}]}", "routes[0].rewrite_prefix: \"/v1/{id}\" has a brace: rewrite_prefix is a plain path without template variables"),
            ("lower-case method", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"get\": []}}]}", "routes[0].methods.get: \"get\" is not an upper-case HTTP method"),
            ("scope with space", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": [\"read calendar\"]}}]}", "routes[0].methods.GET[0]: \"read calendar\" is not a scope token"),
            ("method rule wrong type", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": true}}]}", "routes[0].methods.GET: must be an array of required scopes, an array of alternatives, or \"public\""),
            ("mixed scopes and alternatives", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": [\"a\", [\"b\"]]}}]}", "routes[0].methods.GET[0]: mixes scopes and alternatives"),
            ("empty alternative", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": [[\"a\"], []]}}]}", "routes[0].methods.GET[1]: an empty alternative"),
            ("bad scope in alternative", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": [[\"a b\"]]}}]}", "routes[0].methods.GET[0][0]: \"a b\" is not a scope token"),
            ("bad route enforce", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"enforce\": \"report\", \"methods\": {\"GET\": []}}]}", "routes[0].enforce: must be \"enforce\" or \"shadow\", found \"report\""),
            ("object rule without scopes", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": {\"enforce\": \"shadow\"}}}]}", "routes[0].methods.GET.scopes: is required in the object form of a method rule"),
            ("shadowed public method", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": {\"scopes\": \"public\", \"enforce\": \"shadow\"}}}]}", "routes[0].methods.GET.enforce: a public method denies nothing"),
            ("bad method enforce", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": {\"scopes\": [], \"enforce\": true}}}]}", "routes[0].methods.GET.enforce: must be \"enforce\" or \"shadow\", found true"),
            ("bad scope in object rule", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": {\"scopes\": [\"a b\"]}}}]}", "routes[0].methods.GET.scopes[0]: \"a b\" is not a scope token"),
            ("unknown key in object rule", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": {\"scopes\": [], \"shadow\": true}}}]}", "routes[0].methods.GET.shadow: unknown key"),
            ("health path hides a route", "{\(validAPI), \(validBackends), \"listen\": {\"health_path\": \"/a\"}, \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}]}", "listen.health_path: \"/a\" is also a route prefix"),
            ("health path hides a templated route", "{\(validAPI), \(validBackends), \"listen\": {\"health_path\": \"/healthz\"}, \"routes\": [{\"prefix\": \"/{tenant}\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}]}", "listen.health_path: \"/healthz\" is a path of the templated route prefix \"/{tenant}\""),
            ("bad trusted proxy", "{\"forwarding\": {\"trusted_proxies\": [\"10.0.0.0/40\"]}}", "forwarding.trusted_proxies[0]: \"10.0.0.0/40\" is not an IPv4 or IPv6 CIDR block"),
            ("unknown claim header", "{\"forwarding\": {\"claim_headers\": {\"email\": \"X-Email\"}}}", "forwarding.claim_headers.email: claim \"email\" cannot be forwarded"),
            ("bad header name", "{\"forwarding\": {\"request_id_header\": \"X Request\"}}", "forwarding.request_id_header: \"X Request\" is not a header name"),
            ("strip and rewrite", "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"strip_prefix\": true, \"rewrite_prefix\": \"/b\", \"methods\": {\"GET\": []}}]}", "routes[0].rewrite_prefix: cannot be combined with strip_prefix"),
            ("empty routes", "{\(validAPI), \(validBackends), \"routes\": []}", "routes: must define at least one route"),
            ("port out of range", "{\"listen\": {\"port\": 70000}}", "listen.port: must be a whole number from 0 to 65535"),
            ("negative body rate", "{\"listen\": {\"body_min_bytes_per_second\": -1}}",
             "listen.body_min_bytes_per_second: must be a whole number from 0 to 1073741824"),
            ("body grace too long", "{\"listen\": {\"body_min_rate_grace_ms\": 600001}}",
             "listen.body_min_rate_grace_ms: must be a whole number from 0 to 600000"),
            ("body timeout not whole", "{\"listen\": {\"body_timeout_ms\": 1.5}}",
             "listen.body_timeout_ms: must be a whole number from 0 to 86400000"),
            ("bad log destination", "{\"log\": {\"denials\": 3}}", "log.denials: must be \"stderr\" or {\"file\": \"path\"}"),
        ]
        for testCase in cases {
            let found = problems(testCase.json)
            XCTAssertTrue(found.contains { $0.hasPrefix(testCase.expected) }, "\(testCase.name): \(found)")
        }
    }

    func testRequestBodyDeadlinesDecode() throws {
        let json = "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}], "
            + "\"listen\": {\"body_timeout_ms\": 120000, \"body_min_bytes_per_second\": 0, \"body_min_rate_grace_ms\": 2500}}"
        let listener = try ConfigLoader.decode(Data(json.utf8)).listener
        XCTAssertEqual(listener.bodyTimeoutMilliseconds, 120_000)
        XCTAssertEqual(listener.bodyMinBytesPerSecond, 0)
        XCTAssertEqual(listener.bodyMinRateGraceMilliseconds, 2500)
        let defaults = ListenerConfig()
        XCTAssertEqual([defaults.bodyTimeoutMilliseconds, defaults.bodyMinBytesPerSecond, defaults.bodyMinRateGraceMilliseconds],
                       [0, 1024, 10_000])
    }

    func testScopeRequirementForms() throws {
        let json = "{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": [\"r\", \"s\"], \"POST\": [[\"w\"], [\"admin\", \"x\"]], \"*\": [], \"HEAD\": \"public\"}}]}"
        let methods = try ConfigLoader.decode(Data(json.utf8)).routes[0].methods
        XCTAssertEqual(methods["GET"], .scopes(ScopeRequirement(allOf: ["r", "s"])))
        XCTAssertEqual(methods["POST"], .scopes(ScopeRequirement(anyOf: [["w"], ["admin", "x"]])))
        XCTAssertEqual(methods["*"], .scopes(ScopeRequirement(allOf: [])))
        XCTAssertEqual(methods["HEAD"], .public)
    }

    func testEnforcementForms() throws {
        let json = """
        {\(validAPI), \(validBackends), "routes": [
          {"prefix": "/a", "backend": "calendar", "enforce": "shadow",
           "methods": {"GET": ["r"], "POST": {"scopes": [["w"], ["admin"]], "enforce": "enforce"}, "PUT": {"scopes": ["w"]}}},
          {"prefix": "/b", "backend": "calendar",
           "methods": {"GET": {"scopes": ["r"], "enforce": "shadow"}, "*": {"scopes": [], "enforce": "shadow"}, "PATCH": ["w"]}}
        ]}
        """
        let config = try ConfigLoader.decode(Data(json.utf8))
        XCTAssertEqual(config.routes[0].methods["POST"], .scopes(ScopeRequirement(anyOf: [["w"], ["admin"]])))
        XCTAssertEqual(config.routes[0].methods["PUT"], .scopes(ScopeRequirement(allOf: ["w"])))
        let a = Route(config.routes[0], backend: config.backends["calendar"]!)
        let b = Route(config.routes[1], backend: config.backends["calendar"]!)
        let expected: [(Route, String, Enforcement)] = [
            (a, "GET", .shadow), (a, "HEAD", .shadow), (a, "POST", .enforce), (a, "PUT", .shadow), (a, "DELETE", .shadow),
            (b, "GET", .shadow), (b, "HEAD", .shadow), (b, "PATCH", .enforce), (b, "DELETE", .shadow), (b, "BREW", .shadow),
        ]
        for (route, method, enforcement) in expected {
            XCTAssertEqual(route.enforcement(for: method), enforcement, "\(route.prefix) \(method)")
        }
        let plain = try ConfigLoader.decode(Data("{\(validAPI), \(validBackends), \"routes\": [{\"prefix\": \"/a\", \"backend\": \"calendar\", \"methods\": {\"GET\": []}}]}".utf8))
        XCTAssertEqual(Route(plain.routes[0], backend: plain.backends["calendar"]!).enforcement(for: "DELETE"), .enforce)
    }

    func testRelativePathsResolveAgainstTheConfigDirectory() throws {
        let json = "{\(validBackends), \"api\": {\"issuer\": \"i\", \"audience\": \"a\", \"jwks\": {\"file\": \"keys/jwks.json\"}}, \"log\": {\"denials\": {\"file\": \"denials.log\"}}, \"routes\": [{\"prefix\": \"/\", \"backend\": \"calendar\", \"methods\": {\"GET\": \"public\"}}]}"
        let config = try ConfigLoader.decode(Data(json.utf8), baseDirectory: "/etc/scopegate")
        XCTAssertEqual(config.api.issuers[0].jwks, .file(path: "/etc/scopegate/keys/jwks.json"))
        XCTAssertEqual(config.log.denials, .file(path: "/etc/scopegate/denials.log"))
    }

    func testShippedGatewayJSONIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let config = try ConfigLoader.load(fileAt: root.appendingPathComponent("gateway.json").path)
        XCTAssertEqual(Set(config.backends.keys), ["appointments", "calendar"])
        XCTAssertGreaterThanOrEqual(config.routes.count, 2)
    }
}
