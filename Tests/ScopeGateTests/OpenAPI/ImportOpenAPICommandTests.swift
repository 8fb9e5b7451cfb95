import Foundation
import XCTest

/// `scopegate import-openapi` as a real process on real public documents (the Swagger Petstore,
/// Google's Blogger API) and on one written for the mapping rules: the routes and scopes printed,
/// the report, the exit status; and the Petstore routes through `scopegate check --strict`.
final class ImportOpenAPICommandTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/openapi")

    struct Output {
        var status: Int32
        var document: [String: Any]
        var routes: [String: [String: Any]]
        var report: [String]
        var stderr: String
    }

    /// Runs the command; `routes` maps each printed prefix to its `methods`.
    private func importing(_ arguments: [String]) throws -> Output {
        let result = try ScopeGateBinary.run(["import-openapi"] + arguments)
        let document = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        var routes: [String: [String: Any]] = [:]
        for route in document["routes"] as? [[String: Any]] ?? [] {
            routes[route["prefix"] as? String ?? ""] = route["methods"] as? [String: Any]
        }
        return Output(status: result.status, document: document, routes: routes,
                      report: result.stderr.split(separator: "\n").map(String.init), stderr: result.stderr)
    }

    /// `value` as canonical JSON (sorted keys), to compare what was printed with what is expected.
    private func json(_ value: Any?) -> String {
        guard let value, let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) else { return "nil" }
        return String(decoding: data, as: UTF8.self)
    }

    private func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    private func write(_ text: String, name: String = "spec.yaml") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func assertReport(_ output: Output, has expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(output.report.contains { $0.hasPrefix(expected) }, "no report line starting \(expected) in:\n\(output.stderr)", file: file, line: line)
    }

    /// Every route and scope the Petstore's `security` sections say, under its server's `/v3`.
    func testPetstoreGivesTheRoutesAndScopesItsSecuritySectionsSay() throws {
        let output = try importing([fixture("petstore3.yaml"), "--backend", "petstore"])
        XCTAssertEqual(output.status, 0, output.stderr)
        let pets: [String] = ["read:pets", "write:pets"]
        let expected: [String: [String: Any]] = [
            "/v3/pet": ["POST": pets, "PUT": pets],
            "/v3/pet/findByStatus": ["GET": pets],
            "/v3/pet/findByTags": ["GET": pets],
            // GET also accepts api_key, which the gateway cannot check: that alternative is dropped.
            "/v3/pet/{petId}": ["GET": pets, "POST": pets, "DELETE": pets],
            "/v3/pet/{petId}/uploadImage": ["POST": pets],
            // No security anywhere: public, as the document says (and reported).
            "/v3/store/order": ["POST": "public"],
            "/v3/store/order/{orderId}": ["GET": "public", "DELETE": "public"],
            "/v3/user": ["POST": "public"],
            "/v3/user/createWithList": ["POST": "public"],
            "/v3/user/login": ["GET": "public"],
            "/v3/user/logout": ["GET": "public"],
            "/v3/user/{username}": ["GET": "public", "PUT": "public", "DELETE": "public"],
        ]
        XCTAssertEqual(Set(output.routes.keys), Set(expected.keys), output.stderr)
        for (prefix, methods) in expected {
            XCTAssertEqual(json(output.routes[prefix]), json(methods), prefix)
        }
        let routes = try XCTUnwrap(output.document["routes"] as? [[String: Any]])
        XCTAssertEqual(routes.map { $0["prefix"] as? String ?? "" }, expected.keys.sorted(), "routes are sorted by path")
        XCTAssertTrue(routes.allSatisfy { $0["backend"] as? String == "petstore" && $0.count == 3 })
        let catalog = try XCTUnwrap((output.document["api"] as? [String: Any])?["scopes"] as? [[String: String]])
        XCTAssertEqual(catalog, [["name": "read:pets", "description": "read your pets"],
                                 ["name": "write:pets", "description": "modify pets in your account"]])

        assertReport(output, has: #"paths./pet/{petId}.get.security[0]: GET /pet/{petId}: alternative dropped: "api_key" is an apiKey scheme (header "api_key")"#)
        assertReport(output, has: #"paths./store/inventory.get.security[0]: GET /store/inventory: alternative dropped: "api_key" is an apiKey scheme"#)
        assertReport(output, has: "paths./store/inventory.get.security: GET /store/inventory: no alternative the gateway can check is left: operation skipped")
        assertReport(output, has: "paths./store/inventory: no operation could be mapped: no route for this path")
        assertReport(output, has: #"paths./user/login.get: GET /user/login: no security requirement (none on the operation, none in the document): mapped as "public""#)
        XCTAssertFalse(output.stderr.contains("paths./pet.post"), "nothing to report on a fully mapped operation:\n\(output.stderr)")
    }

    /// A larger real API: Google's Blogger v3, each operation with its OAuth2 scopes, reads with
    /// a read-only alternative; each requirement names two OAuth2 schemes (implicit and
    /// authorization code) with the same scope.
    func testGoogleBloggerMapsEveryOperationWithItsScopes() throws {
        let output = try importing([fixture("google-blogger-v3.yaml"), "--backend", "blogger"])
        XCTAssertEqual(output.status, 0, output.stderr)
        XCTAssertEqual(output.routes.count, 24)
        XCTAssertEqual(output.routes.values.reduce(0) { $0 + $1.count }, 33)
        let manage = "https://www.googleapis.com/auth/blogger", view = "https://www.googleapis.com/auth/blogger.readonly"
        let read: [[String]] = [[manage], [view]]
        let cases: [(String, String, Any)] = [
            ("/v3/blogs/byurl", "GET", read),
            ("/v3/blogs/{blogId}", "GET", read),
            ("/v3/blogs/{blogId}/pages", "POST", [manage]),
            ("/v3/blogs/{blogId}/pageviews", "GET", [manage]),
            ("/v3/blogs/{blogId}/posts/{postId}", "DELETE", [manage]),
            ("/v3/blogs/{blogId}/posts/{postId}", "PATCH", [manage]),
            ("/v3/blogs/{blogId}/posts/{postId}/comments/{commentId}/spam", "POST", [manage]),
            ("/v3/users/{userId}/blogs/{blogId}/posts/{postId}", "GET", read),
        ]
        for (prefix, method, rule) in cases {
            let methods = try XCTUnwrap(output.routes[prefix], prefix)
            XCTAssertEqual(json(methods[method]), json(rule), "\(method) \(prefix)")
        }
        XCTAssertEqual(output.routes["/v3/blogs/{blogId}/posts/{postId}"]?.keys.sorted(), ["DELETE", "GET", "PATCH", "PUT"])
        let catalog = try XCTUnwrap((output.document["api"] as? [String: Any])?["scopes"] as? [[String: String]])
        XCTAssertEqual(catalog, [["name": manage, "description": "Manage your Blogger account"],
                                 ["name": view, "description": "View your Blogger account"]])
        assertReport(output, has: "paths./v3/blogs/{blogId}.get.security[1]: GET /v3/blogs/{blogId}: names 2 schemes in one requirement")
        XCTAssertFalse(output.stderr.contains("dropped"), output.stderr)
        XCTAssertFalse(output.stderr.contains("skipped"), output.stderr)
    }

    /// OpenAPI 3.1 in JSON, one path per rule: alternatives, the document's default, `{}`,
    /// `security: []`, OpenID Connect, schemes the gateway cannot check, a `$ref` scheme, a
    /// partial-segment template, servers overrides, `/dup` and `/dup/`.
    func testEveryMappingRuleOnAnOpenAPI31JSONDocument() throws {
        let output = try importing([fixture("import-cases-3.1.json"), "--backend", "items"])
        XCTAssertEqual(output.status, 0, output.stderr)
        let expected: [String: [String: Any]] = [
            "/v2/items": ["GET": ["read"], "POST": [["write"], ["admin", "write"]], "DELETE": ["admin"]],
            "/v2/items/{id}": ["GET": ["read"], "PUT": ["write"]],
            "/v2/health": ["GET": "public"],
            "/v2/status": ["GET": "public"],
            "/v2/any": ["GET": [String]()],
            "/v2/files": ["GET": ["read"]],
            "/v2/legacy": ["GET": ["read"]],
            "/v2/dup": ["POST": ["write"]],
        ]
        XCTAssertEqual(Set(output.routes.keys), Set(expected.keys), output.stderr)
        for (prefix, methods) in expected {
            XCTAssertEqual(json(output.routes[prefix]), json(methods), prefix)
        }
        for line in [
            #"paths./items/{id}.get.security[0]: GET /items/{id}: alternative dropped: "bearer" is an HTTP "bearer" scheme without scopes"#,
            #"paths./items/{id}.patch.security[0]: PATCH /items/{id}: alternative dropped: "mtls" is a mutualTLS scheme"#,
            "paths./items/{id}.patch.security: PATCH /items/{id}: no alternative the gateway can check is left: operation skipped (not routed: the gateway answers 405)",
            #"paths./status.get.security[0]: GET /status: an empty requirement {} makes the operation callable without credentials: mapped as "public""#,
            #"paths./files/{name}.json: path skipped: the segment "{name}.json" is a partial-segment template"#,
            "paths./files/{name}.json: requests to /files/{name}.json fall under the route /v2/files (from /files)",
            #"paths./legacy.servers: path-level servers ignored: the route is under the base path "/v2""#,
            #"paths./legacy.get.servers: operation-level servers ignored"#,
            "paths./dup/.get: /dup/ and /dup are both the prefix /v2/dup and give GET different rules: GET dropped (the gateway answers 405)",
            #"paths./keyed.get.security[0]: GET /keyed: alternative dropped: "key" is an apiKey scheme (header "X-Key")"#,
            "paths./keyed: no operation could be mapped: no route for this path",
        ] {
            assertReport(output, has: line)
        }
        let catalog = try XCTUnwrap((output.document["api"] as? [String: Any])?["scopes"] as? [[String: String]])
        XCTAssertEqual(catalog.map { $0["name"] ?? "" }, ["admin", "read", "write"])

        // --base-path replaces the server's path; "" puts the routes at the root.
        let rebased = try importing([fixture("import-cases-3.1.json"), "--backend", "items", "--base-path", "/api"])
        XCTAssertNotNil(rebased.routes["/api/items/{id}"], rebased.stderr)
        let root = try importing([fixture("import-cases-3.1.json"), "--backend", "items", "--base-path", ""])
        XCTAssertNotNil(root.routes["/items/{id}"], root.stderr)
        let bad = try importing([fixture("import-cases-3.1.json"), "--backend", "items", "--base-path", "/a b"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("--base-path:"), bad.stderr)
    }

    /// `--merge gateway.json`: the whole config with the imported routes appended (an existing
    /// prefix kept as it is, reported) and the scopes the catalog lacks added.
    func testMergeAddsTheRoutesAndScopesToAnExistingConfig() throws {
        let existing = try write("""
        {"api": {"issuer": "https://issuer.example/", "audience": "https://api.example", "jwks": {"url": "https://issuer.example/jwks"},
                 "scopes": [{"name": "read:pets", "description": "our own words"}, {"name": "admin"}]},
         "backends": {"petstore": {"url": "http://127.0.0.1:9102", "timeout_ms": 30000}},
         "routes": [{"prefix": "/admin", "backend": "petstore", "methods": {"GET": ["admin"]}},
                    {"prefix": "/v3/pet", "backend": "petstore", "methods": {"GET": ["admin"]}}]}
        """, name: "gateway.json")
        let output = try importing([fixture("petstore3.yaml"), "--backend", "petstore", "--merge", existing])
        XCTAssertEqual(output.status, 0, output.stderr)
        let routes = try XCTUnwrap(output.document["routes"] as? [[String: Any]])
        XCTAssertEqual(routes.count, 2 + 11)
        XCTAssertEqual(routes.prefix(2).map { $0["prefix"] as? String ?? "" }, ["/admin", "/v3/pet"])
        XCTAssertEqual(json(routes[1]["methods"]), json(["GET": ["admin"]]), "the existing /v3/pet is kept as it is")
        XCTAssertEqual(json(output.routes["/v3/pet/{petId}"]?["GET"]), json(["read:pets", "write:pets"]))
        let api = try XCTUnwrap(output.document["api"] as? [String: Any])
        XCTAssertEqual(api["issuer"] as? String, "https://issuer.example/")
        XCTAssertEqual(json(api["scopes"]), json([["name": "read:pets", "description": "our own words"], ["name": "admin"],
                                                  ["name": "write:pets", "description": "modify pets in your account"]]))
        XCTAssertNotNil(output.document["backends"])
        assertReport(output, has: "\(existing): routes[1]: already has the prefix /v3/pet: kept as it is, the imported route (from /pet) skipped")

        let elsewhere = try importing([fixture("petstore3.yaml"), "--backend", "store", "--merge", existing])
        assertReport(elsewhere, has: "\(existing): backends: has no \"store\"")
        let broken = try importing([fixture("petstore3.yaml"), "--backend", "petstore", "--merge", try write("[1]", name: "list.json")])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.stderr.contains("cannot merge into it: not a JSON object"), broken.stderr)
    }

    /// What is not an OpenAPI 3.0/3.1 document exits 1 with a message, and never traps.
    /// A skipped partial-segment template whose requests a templated route decides is reported
    /// (it was only when a literal route did).
    func testASkippedPathUnderATemplatedRouteIsReported() throws {
        let text = "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\ncomponents: {securitySchemes: {o: {type: oauth2, flows: {clientCredentials: {tokenUrl: https://t, scopes: {admin: a}}}}}}\npaths:\n  /files/{id}: {get: {security: [], responses: {\"200\": {description: ok}}}}\n  /files/{name}.json: {get: {security: [{o: [admin]}], responses: {\"200\": {description: ok}}}}\n  /docs/{name}.json/raw: {get: {security: [{o: [admin]}], responses: {\"200\": {description: ok}}}}\n  /{x}/{y}: {get: {security: [], responses: {\"200\": {description: ok}}}}\n"
        let output = try importing([try write(text, name: "partial.yaml"), "--backend", "b"])
        XCTAssertEqual(output.status, 0, output.stderr)
        assertReport(output, has: "paths./files/{name}.json: requests to /files/{name}.json fall under the route /files/{id}")
        assertReport(output, has: "paths./docs/{name}.json/raw: requests to /docs/{name}.json/raw fall under the route /{x}/{y}")
    }

    /// Two paths equal up to variable names are one route to the gateway: merged, and a method
    /// they give different rules dropped, as for /a and /a/ (printing both made check refuse them).
    func testPathsEqualUpToVariableNamesAreOneRoute() throws {
        let text = "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\ncomponents: {securitySchemes: {o: {type: oauth2, flows: {clientCredentials: {tokenUrl: https://t, scopes: {admin: a, read: r}}}}}}\npaths:\n  /a/{x}: {get: {security: [{o: [read]}], responses: {\"200\": {description: ok}}}, delete: {security: [{o: [admin]}], responses: {\"200\": {description: ok}}}}\n  /a/{y}: {get: {security: [], responses: {\"200\": {description: ok}}}, put: {security: [{o: [admin]}], responses: {\"200\": {description: ok}}}}\n"
        let output = try importing([try write(text, name: "names.yaml"), "--backend", "b"])
        XCTAssertEqual(output.status, 0, output.stderr)
        XCTAssertEqual(Array(output.routes.keys), ["/a/{x}"], output.stderr)
        XCTAssertEqual(json(output.routes["/a/{x}"]), json(["DELETE": ["admin"], "PUT": ["admin"]] as [String: Any]))
        assertReport(output, has: "paths./a/{y}.get: /a/{y} and /a/{x} are both the prefix /a/{x} and give GET different rules: GET dropped")
    }

    func testUnreadableDocumentsExitOneWithAMessage() throws {
        let cases: [(name: String, text: String, message: String)] = [
            ("broken.yaml", "openapi: 3.0.3\npaths: [unclosed\n", "not YAML or JSON:"),
            ("broken.json", #"{"openapi": "3.1.0", "paths": {"#, "not YAML or JSON:"),
            ("empty.yaml", "", "not an OpenAPI document: the document is empty"),
            ("list.yaml", "- a\n- b\n", "not an OpenAPI document: its top level is not a mapping"),
            ("swagger.yaml", "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths: {}\n", "it is a Swagger 2.0 document"),
            ("future.yaml", "openapi: 4.0.0\ninfo: {title: t, version: \"1\"}\npaths: {}\n", "unsupported OpenAPI version \"4.0.0\""),
            ("number.yaml", "openapi: [3]\n", "its \"openapi\" field is not a string"),
            ("nopaths30.yaml", "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\n", "invalid OpenAPI document:"),
            ("noinfo31.json", #"{"openapi": "3.1.0", "paths": {}}"#, "invalid OpenAPI document:"),
            ("badsecurity.yaml", "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    get:\n      security: 7\n      responses: {\"200\": {description: ok}}\n", "invalid OpenAPI document:"),
            // OpenAPIKit refuses a requirement naming a scheme components.securitySchemes lacks.
            ("ghost.yaml", "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    get:\n      security: [{nosuch: [read]}]\n      responses: {\"200\": {description: ok}}\n", "invalid OpenAPI document:"),
            ("nothing31.yaml", "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\n", "no operation could be mapped to a route"),
            // OpenAPIKit reads /e//f as /e/f and keeps one of the two: the public one could win.
            ("emptysegment.yaml", "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\ncomponents: {securitySchemes: {o: {type: oauth2, flows: {clientCredentials: {tokenUrl: https://t, scopes: {admin: a}}}}}}\npaths:\n  /e//f: {get: {security: [], responses: {\"200\": {description: ok}}}}\n  /e/f: {get: {security: [{o: [admin]}], responses: {\"200\": {description: ok}}}}\n",
             #"paths: "/e//f" and "/e/f" are one path once empty segments are dropped"#),
            // A $ref beside operations of its own: undefined in OpenAPI, read as the reference by OpenAPIKit.
            ("refsiblings.yaml", "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\ncomponents:\n  securitySchemes: {o: {type: oauth2, flows: {clientCredentials: {tokenUrl: https://t, scopes: {admin: a}}}}}\n  pathItems: {p: {get: {security: [], responses: {\"200\": {description: ok}}}}}\npaths:\n  /x: {$ref: \"#/components/pathItems/p\", get: {security: [{o: [admin]}], responses: {\"200\": {description: ok}}}}\n",
             "paths./x: a $ref beside its own get"),
        ]
        for testCase in cases {
            let output = try importing([try write(testCase.text, name: testCase.name), "--backend", "b"])
            XCTAssertEqual(output.status, 1, "\(testCase.name): \(output.stderr)")
            XCTAssertTrue(output.stderr.contains(testCase.message), "\(testCase.name): \(output.stderr)")
            XCTAssertTrue(output.document.isEmpty, "\(testCase.name): printed routes")
        }
        // The Blogger document as the directory publishes it, with a top-level field OpenAPI does
        // not define: refused (a misspelt `security` must not silently make operations public).
        let blogger = try String(contentsOf: Self.fixtures.appendingPathComponent("google-blogger-v3.yaml"), encoding: .utf8)
        let unknown = try importing([try write(blogger + "source:\n  url: {}\n", name: "blogger.yaml"), "--backend", "b"])
        XCTAssertEqual(unknown.status, 1, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("invalid OpenAPI document:") && unknown.stderr.contains("Invalid properties: [ source ]"), unknown.stderr)
        let misspelt = try importing([try write("openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    get:\n      securty: []\n", name: "misspelt.yaml"), "--backend", "b"])
        XCTAssertEqual(misspelt.status, 1, misspelt.stderr)
        XCTAssertTrue(misspelt.stderr.contains("securty"), misspelt.stderr)

        let binary = try write("", name: "binary.yaml")
        try Data([0x6F, 0x70, 0xFF, 0xFE, 0x00, 0xC3]).write(to: URL(fileURLWithPath: binary))
        let garbage = try importing([binary, "--backend", "b"])
        XCTAssertEqual(garbage.status, 1)
        XCTAssertTrue(garbage.stderr.contains("unreadable document: not UTF-8 text"), garbage.stderr)
        let missing = try importing(["/nonexistent/scopegate/spec.yaml", "--backend", "b"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("cannot read"), missing.stderr)
    }

    /// `output`'s routes and catalog in a config with one backend and an issuer, written to a file.
    private func config(_ output: Output, backend: String) throws -> String {
        var config = output.document
        var api = config["api"] as? [String: Any] ?? [:]
        api["issuer"] = "https://issuer.example/"
        api["audience"] = "https://api.example"
        api["jwks"] = ["url": "https://issuer.example/jwks"]
        config["api"] = api
        config["backends"] = [backend: ["url": "http://127.0.0.1:9102", "timeout_ms": 30000]]
        let text = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
        return try write(text, name: "gateway.json")
    }

    /// The Petstore and Blogger routes, as printed (`/v3/pet/{petId}`: path templates), in a
    /// config with a backend and an issuer pass `scopegate check --strict`: the policy lint (scope
    /// catalog, methods, enclosing routes) has nothing to say.
    func testImportedRoutesPassCheckStrict() throws {
        for (name, backend, routes) in [("petstore3.yaml", "petstore", 12), ("google-blogger-v3.yaml", "blogger", 24)] {
            let output = try importing([fixture(name), "--backend", backend])
            XCTAssertEqual(output.status, 0, output.stderr)
            XCTAssertTrue(output.routes.keys.contains { $0.contains("{") }, "templates are printed as they are")
            let checked = try ScopeGateBinary.run(["check", "--strict", "--config", try config(output, backend: backend)])
            XCTAssertEqual(checked.status, 0, "\(name): \(checked.stdout)\(checked.stderr)")
            XCTAssertTrue(checked.stdout.contains("OK (1 issuer, \(routes) routes, 1 backends)"), checked.stdout)
        }
    }
}
