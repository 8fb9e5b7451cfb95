import Foundation
import XCTest
@testable import ScopeGateCore

/// `schema/gateway.schema.json` (JSON Schema draft 2020-12) checked by a real validator,
/// `python3 -m check_jsonschema` (PyPI `check-jsonschema`, installed by `.ci/run`), against
/// the decoder, which stays the truth:
/// - every config the project ships (`gateway.json`, `deploy/`, `examples/`) and every config the
///   suite writes validates;
/// - what `ConfigLoader.decode` refuses for a type, a range, an enum or an unknown key, the schema
///   refuses too, at the same place;
/// - valid variants of each form are accepted by both.
///
/// Every document goes through one validator run (plus one `--version` probe), shared by the tests.
/// Without the validator the tests are skipped, unless `CI` is set: then they fail.
final class ConfigSchemaTests: XCTestCase {
    override class func tearDown() {
        try? FileManager.default.removeItem(at: SchemaRun.directory)
        super.tearDown()
    }

    func testShippedDeployedAndExampleConfigsValidate() throws {
        guard let verdicts = try SchemaRun.verdicts() else { return }
        let shipped = SchemaRun.documents.filter { $0.group == .shipped }
        XCTAssertTrue(shipped.contains { $0.name == "gateway.json" }, "\(shipped.map(\.name))")
        for document in shipped {
            XCTAssertEqual(verdicts[document.name], [], "\(document.name) does not validate against the schema")
        }
    }

    func testEveryConfigTheSuiteWritesValidates() throws {
        XCTAssertNil(SchemaRun.servedGateway.problem, "ServedGateway.config could not be read: its configs are not validated")
        guard let verdicts = try SchemaRun.verdicts() else { return }
        for document in SchemaRun.documents where document.group == .written {
            XCTAssertEqual(verdicts[document.name], [], "\(document.name): the schema refuses it")
            XCTAssertNoThrow(try ConfigLoader.decode(Data(document.json.utf8), baseDirectory: SchemaRun.directory.path),
                             "\(document.name): the decoder refuses it (the mirrored arguments are stale)")
        }
    }

    /// Each parametrised `GatewayFixture.start` call of the suite has its arguments mirrored in
    /// ``SchemaCases/fixtureCalls(files:)``: a new call must add its row there.
    func testEveryFixtureCallIsMirrored() throws {
        let testsDirectory = SchemaRun.root.appendingPathComponent("Tests")
        let enumerator = try XCTUnwrap(FileManager.default.enumerator(at: testsDirectory, includingPropertiesForKeys: nil))
        var calls = 0
        for case let file as URL in enumerator where file.pathExtension == "swift" {
            guard !["GatewayFixture.swift", "ConfigSchemaTests.swift"].contains(file.lastPathComponent) else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            calls += text.components(separatedBy: "GatewayFixture.start(").dropFirst().filter { !$0.hasPrefix(")") }.count
        }
        let mirrored = SchemaCases.fixtureCalls(files: "/files").reduce(0) { $0 + $1.sites }
        XCTAssertEqual(calls, mirrored, "GatewayFixture.start calls with arguments in Tests/ vs rows of SchemaCases.fixtureCalls")
    }

    func testWhatTheDecoderRefusesTheSchemaRefusesAtTheSamePlace() throws {
        guard let verdicts = try SchemaRun.verdicts() else { return }
        let refused = SchemaRun.documents.filter { $0.group == .refused }
        XCTAssertGreaterThanOrEqual(refused.count, 25)
        XCTAssertEqual(Set(SchemaRun.documents.map(\.name)).count, SchemaRun.documents.count, "document names repeat")
        for document in refused {
            let at = try XCTUnwrap(document.at)
            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(document.json.utf8)), "\(document.name): not JSON")
            do {
                _ = try ConfigLoader.decode(Data(document.json.utf8), baseDirectory: SchemaRun.directory.path)
                XCTFail("\(document.name): the decoder accepts it")
            } catch let error as ConfigError {
                let paths = error.problems.map { SchemaRun.normalized(decoderPath: $0.path) }
                XCTAssertTrue(paths.contains { $0.hasPrefix(at) }, "\(document.name): decoder problems \(error.problems) not under \(at)")
            }
            let errors = verdicts[document.name] ?? []
            XCTAssertFalse(errors.isEmpty, "\(document.name): the schema accepts it")
            XCTAssertTrue(errors.contains { $0.path.hasPrefix(at) }, "\(document.name): schema errors \(errors) not under \(at)")
        }
    }

    func testValidVariantsAreAcceptedByBoth() throws {
        guard let verdicts = try SchemaRun.verdicts() else { return }
        let valid = SchemaRun.documents.filter { $0.group == .valid }
        XCTAssertGreaterThanOrEqual(valid.count, 5)
        for document in valid {
            XCTAssertEqual(verdicts[document.name], [], "\(document.name): the schema refuses it")
            XCTAssertNoThrow(try ConfigLoader.decode(Data(document.json.utf8), baseDirectory: SchemaRun.directory.path),
                             "\(document.name): the decoder refuses it")
        }
    }
}

/// One config document and what is expected of it.
private struct SchemaDocument: Sendable {
    enum Group: Sendable { case shipped, written, refused, valid }
    var group: Group
    /// Unique; also how verdicts are keyed.
    var name: String
    var json: String
    /// For `refused`: the JSON path (`$.api.jwks`) under which both the decoder and the schema report.
    var at: String? = nil
    /// For `shipped`: the file itself, validated in place.
    var file: URL? = nil
}

/// A schema error as `check-jsonschema` reports it, with its path normalised to `$.a.b[0].c`.
private struct SchemaError: Sendable, Equatable, CustomStringConvertible {
    var path: String
    var message: String
    var description: String { "\(path): \(message)" }
}

/// The one validator run over every document.
private enum SchemaRun {
    /// The repository root, from this file's place in `Tests/ScopeGateTests/Config/`.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let schema = root.appendingPathComponent("schema/gateway.schema.json")
    /// Generated documents, and the TLS files some of them name (the decoder checks they are readable).
    static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-schema-\(UUID().uuidString)")

    static let documents: [SchemaDocument] = {
        func written(_ rows: [(source: String, json: String)]) -> [SchemaDocument] {
            rows.map { SchemaDocument(group: .written, name: "written: \($0.source)", json: $0.json) }
        }
        func refused(_ rows: [(name: String, at: String, json: String)]) -> [SchemaDocument] {
            rows.map { SchemaDocument(group: .refused, name: "refused: \($0.name)", json: $0.json, at: $0.at) }
        }
        let valid = SchemaCases.valid.map { SchemaDocument(group: .valid, name: "valid: \($0.name)", json: $0.json) }
        let fixture = SchemaCases.fixtureCalls(files: directory.path).map { (source: $0.source, json: $0.json) }
        var documents = shippedDocuments()
        documents += written(fixture) + written(SchemaCases.otherWrittenConfigs) + written(servedGateway.written)
        documents += refused(SchemaCases.refused) + refused(servedGateway.refused)
        documents += valid
        return documents
    }()

    /// The configs of `ServedGateway.config(...)`, read from its source (see ``SchemaCases/servedGatewayConfigs(source:)``).
    static let servedGateway = SchemaCases.servedGatewayConfigs(
        source: try? String(contentsOf: root.appendingPathComponent("Tests/ScopeGateTests/Support/ServedGateway.swift"), encoding: .utf8))

    private enum Outcome: Sendable {
        case unavailable(String)
        case failed(String)
        case finished([String: [SchemaError]])
    }

    private static let outcome: Outcome = run()

    /// Schema errors by document name (`[]` when it validates). Without the validator: throws `XCTSkip`
    /// outside CI, fails the test and returns `nil` in CI (`CI` set); `nil` too when the run failed.
    static func verdicts(file: StaticString = #filePath, line: UInt = #line) throws -> [String: [SchemaError]]? {
        switch outcome {
        case .finished(let verdicts):
            return verdicts
        case .unavailable(let why):
            let message = "check-jsonschema is not available (\(why)); install it with `python3 -m pip install check-jsonschema`"
            guard ProcessInfo.processInfo.environment["CI"] != nil else { throw XCTSkip(message) }
            XCTFail(message, file: file, line: line)
            return nil
        case .failed(let why):
            XCTFail(why, file: file, line: line)
            return nil
        }
    }

    private static func run() -> Outcome {
        let version = execute(["-m", "check_jsonschema", "--version"])
        guard version.status == 0 else {
            let why = version.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return .unavailable("`python3 -m check_jsonschema --version` exited \(version.status): \(why)")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for name in ["ca.pem", "client.pem", "client.key", "client-key.pem"] {
                try Data("stand-in\n".utf8).write(to: directory.appendingPathComponent(name))
            }
            var paths: [String] = []
            var names: [String: String] = [:]   // file path -> document name
            for (index, document) in documents.enumerated() {
                let file: URL
                if let shipped = document.file {
                    file = shipped
                } else {
                    file = directory.appendingPathComponent("document-\(index).json")
                    try Data(document.json.utf8).write(to: file)
                }
                paths.append(file.path)
                names[file.path] = document.name
            }
            let result = execute(["-m", "check_jsonschema", "--schemafile", schema.path, "--output-format", "json"] + paths)
            guard [0, 1].contains(result.status),
                  let report = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
                return .failed("check-jsonschema exited \(result.status): \(result.stdout) \(result.stderr)")
            }
            var verdicts = Dictionary(documents.map { ($0.name, [SchemaError]()) }, uniquingKeysWith: { first, _ in first })
            for entry in (report["errors"] as? [[String: Any]] ?? []) + (report["parse_errors"] as? [[String: Any]] ?? []) {
                guard let filename = entry["filename"] as? String, let name = names[filename] else {
                    return .failed("check-jsonschema reported an unknown file: \(entry)")
                }
                let path = normalized(schemaPath: entry["path"] as? String ?? "(not parsed)")
                verdicts[name, default: []].append(SchemaError(path: path, message: entry["message"] as? String ?? "\(entry)"))
            }
            let anyError = verdicts.values.contains { !$0.isEmpty }
            guard (result.status == 1) == anyError else {
                return .failed("check-jsonschema exited \(result.status) but reported \(anyError ? "errors" : "none"): \(result.stdout)")
            }
            return .finished(verdicts)
        } catch {
            return .failed("could not write the documents: \(error)")
        }
    }

    /// `gateway.json`, and every gateway config (a JSON object with `api`, `backends` or `routes`)
    /// under `deploy/` and `examples/`.
    private static func shippedDocuments() -> [SchemaDocument] {
        var files = [root.appendingPathComponent("gateway.json")]
        for folder in ["deploy", "examples"] {
            guard let enumerator = FileManager.default.enumerator(
                at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in enumerator where file.pathExtension == "json" {
                guard let data = FileManager.default.contents(atPath: file.path),
                      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      !Set(object.keys).isDisjoint(with: ["api", "backends", "routes"]) else { continue }
                files.append(file)
            }
        }
        return files.map { file in
            let name = String(file.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            let json = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            return SchemaDocument(group: .shipped, name: name, json: json, file: file)
        }
    }

    /// `$['$schema']` and `$.methods['*']` as `$.$schema` and `$.methods.*`.
    static func normalized(schemaPath: String) -> String {
        schemaPath.replacing(/\['([^']*)'\]/) { ".\($0.1)" }
    }

    /// A decoder path (`api.jwks.refresh.interval`, `routes[0].methods["*"]`, `$`) in the schema's form.
    static func normalized(decoderPath: String) -> String {
        let path = decoderPath.replacing(/\["([^"]*)"\]/) { ".\($0.1)" }
        if path == "$" { return "$" }
        return path.hasPrefix(".") ? "$" + path : "$." + path
    }

    private static func execute(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-schema-\(UUID().uuidString).out")
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-schema-\(UUID().uuidString).err")
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        guard FileManager.default.createFile(atPath: output.path, contents: nil),
              FileManager.default.createFile(atPath: errors.path, contents: nil),
              let outputHandle = FileHandle(forWritingAtPath: output.path),
              let errorHandle = FileHandle(forWritingAtPath: errors.path) else {
            return (-1, "", "cannot create temporary files")
        }
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            return (-1, "", "\(error)")
        }
        let timedOut = finished.wait(timeout: .now() + 120) == .timedOut
        if timedOut {
            process.terminate()
            process.waitUntilExit()
        }
        try? outputHandle.close()
        try? errorHandle.close()
        let stdout = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        return timedOut ? (-1, stdout, "timed out after 120 s; " + stderr) : (process.terminationStatus, stdout, stderr)
    }
}

/// The documents, by kind.
private enum SchemaCases {
    // MARK: Configs the suite writes

    /// Each `GatewayFixture.start` call of the suite, through the same builder (`GatewayFixture.configJSON`)
    /// and with its arguments as written at the call, by test file. Ports are stand-ins (the echo backends
    /// on 40001 and 40002, other listeners from 40003); generated files are in `files`. `sites`: how many
    /// calls pass exactly these arguments.
    static func fixtureCalls(files: String) -> [(source: String, sites: Int, json: String)] {
        func fixture(extraBackends: [String: String] = [:], extraRoutes: String = "", listen: String = "",
                     jwksSource: String = #"{"file": "jwks.json"}"#, extraTopLevel: String = "",
                     rawBackends: String = "", maxBodyBytes: Int = 65536) -> String {
            GatewayFixture.configJSON(appointmentsPort: 40001, calendarPort: 40002, extraBackends: extraBackends,
                                      extraRoutes: extraRoutes, listen: listen, jwksSource: jwksSource,
                                      extraTopLevel: extraTopLevel, rawBackends: rawBackends, maxBodyBytes: maxBodyBytes)
        }
        let tlsURL = "https://127.0.0.1:40010"
        let tlsRoutes = { (names: [String]) in
            names.map { #", {"prefix": "/\#($0)", "backend": "\#($0)", "methods": {"GET": "public"}}"# }.joined()
        }
        let down = "http://127.0.0.1:40003"
        let bulkURL = "http://127.0.0.1:40004"
        return [
            ("GatewayFixture.start() (most end-to-end tests)", 0, fixture()),
            ("ResponseBoundaryTests: a scripted byte-exact backend", 1, fixture(
                extraRoutes: #", {"prefix": "/scripted", "backend": "scripted", "methods": {"GET": "public", "POST": "public"}}"#,
                listen: #", "body_idle_timeout_ms": 20000"#,
                rawBackends: "\"scripted\": {\"url\": \"http://127.0.0.1:40012\", \"timeout_ms\": 20000, "
                    + "\"response_header_timeout_ms\": 3000, \"idle_timeout_ms\": 20000}")),
            ("CORSServingTests: cors with a canned and a down backend", 1, fixture(
                extraBackends: ["canned": "http://127.0.0.1:40011", "down": "http://127.0.0.1:1"],
                extraRoutes: CORSServingTests.routes, extraTopLevel: CORSServingTests.cors)),
            ("ResourceMetadataDiscoveryTests: a stand-in protected_resource", 1,
             fixture(extraTopLevel: ResourceMetadataDiscoveryTests.standIn)),
            ("ServeProcessTests: start() with log.denials \"stderr\" and no drain delay", 0, fixture().replacingOccurrences(
                of: "\"log\": {\"denials\": {\"file\": \"denials.log\"}}",
                with: "\"log\": {\"denials\": \"stderr\"}, \"shutdown\": {\"drain_delay_ms\": 0}")),
            ("HeaderPolicyTests: trusted proxies", 1,
             fixture(extraTopLevel: #", "forwarding": {"trusted_proxies": ["127.0.0.0/8"], "forwarded_header": true}"#)),
            ("HeaderPolicyTests: preserve_host", 1, fixture(
                extraRoutes: #", {"prefix": "/appointments/site", "backend": "appointments", "preserve_host": true, "methods": {"GET": "public"}}"#)),
            ("HeaderPolicyTests: rewrite_prefix and strip_prefix", 1, fixture(extraRoutes: """
                , {"prefix": "/appointments/v2", "backend": "appointments", "rewrite_prefix": "/api/v2", "methods": {"GET": ["read:appointments"]}},
                  {"prefix": "/calendar/feeds", "backend": "calendar", "strip_prefix": true, "forward_authorization": false,
                   "methods": {"GET": ["read:calendar"]}}
                """)),
            ("ConnectionTests: keep_alive_timeout_ms", 2, fixture(listen: #", "keep_alive_timeout_ms": 300"#)),
            ("ConnectionTests: request_head_timeout_ms", 1, fixture(listen: #", "request_head_timeout_ms": 300"#)),
            ("ConnectionTests: body_idle_timeout_ms", 2, fixture(listen: #", "body_idle_timeout_ms": 300"#)),
            ("RequestBodyDeadlineTests: body_idle_timeout_ms (after 100 Continue)", 1, fixture(listen: #", "body_idle_timeout_ms": 300"#)),
            ("RequestBodyDeadlineTests: body minimum rate and a recording backend", 1, fixture(
                extraRoutes: RequestBodyDeadlineTests.routes, listen: RequestBodyDeadlineTests.pace,
                rawBackends: RequestBodyDeadlineTests.backend(port: 40012))),
            ("ForwardingTests: unreachable backend", 1, fixture(
                extraBackends: ["down": down],
                extraRoutes: #", {"prefix": "/down", "backend": "down", "methods": {"GET": "public"}}"#)),
            ("ForwardingTests (ResponseFramingTests): canned backend", 1, fixture(
                extraRoutes: #", {"prefix": "/canned", "backend": "canned", "methods": {"GET": "public"}}"#,
                rawBackends: "\"canned\": {\"url\": \"http://127.0.0.1:40005\", \"timeout_ms\": 3000}")),
            ("ForwardingTests (ResponseFramingTests): streaming canned backend", 1, fixture(
                extraRoutes: #", {"prefix": "/canned", "backend": "canned", "methods": {"GET": "public"}}"#,
                rawBackends: "\"canned\": {\"url\": \"http://127.0.0.1:40005\", \"timeout_ms\": 20000}")),
            ("FailoverTests: several instances", 1, fixture(
                extraRoutes: """
                , {"prefix": "/pool", "backend": "pool", "methods": {"GET": "public", "POST": "public"}}
                , {"prefix": "/noretry", "backend": "noretry", "methods": {"GET": "public"}}
                , {"prefix": "/spread", "backend": "spread", "methods": {"GET": "public"}}
                """,
                rawBackends: """
                "pool": {"urls": ["\(down)", "http://127.0.0.1:$APPOINTMENTS_PORT"], "retries": 1, "eject_after_failures": 3},
                "noretry": {"urls": ["\(down)", "http://127.0.0.1:$APPOINTMENTS_PORT"], "retries": 0},
                "spread": {"urls": ["http://127.0.0.1:$APPOINTMENTS_PORT", "http://127.0.0.1:$CALENDAR_PORT"]}
                """)),
            ("RequestHeadCheckTests: max_body_bytes 1000", 1, fixture(maxBodyBytes: 1000)),
            ("HTTP2BackendTests: http2", 1, fixture(
                extraRoutes: """
                    , {"prefix": "/h2", "backend": "h2", "methods": {"GET": "public"}},
                      {"prefix": "/h1", "backend": "h1", "methods": {"GET": "public"}}
                    """,
                rawBackends: """
                    "h2": {"url": "http://127.0.0.1:40006", "http2": true},
                    "h1": {"url": "http://127.0.0.1:40007"}
                    """)),
            ("StreamingTests: upstream deadlines", 1, fixture(
                extraRoutes: """
                , {"prefix": "/bulk", "backend": "bulk", "methods": {"GET": "public", "POST": "public"}}
                , {"prefix": "/stall", "backend": "stall", "methods": {"GET": "public"}}
                , {"prefix": "/silent", "backend": "silent", "methods": {"GET": "public"}}
                """,
                rawBackends: """
                "bulk": {"url": "\(bulkURL)", "timeout_ms": 0},
                "stall": {"url": "\(bulkURL)", "timeout_ms": 0, "idle_timeout_ms": 300},
                "silent": {"url": "http://127.0.0.1:40008", "timeout_ms": 0, "response_header_timeout_ms": 300}
                """,
                maxBodyBytes: 1 << 30)),
            ("BackendTLSTests: ca_file and server_name", 1, fixture(
                extraRoutes: tlsRoutes(["trusted", "untrusted", "named", "misnamed"]), rawBackends: """
                "trusted": {"url": "\(tlsURL)", "tls": {"ca_file": "\(files)/ca.pem"}},
                "untrusted": {"url": "\(tlsURL)"},
                "named": {"url": "\(tlsURL)", "tls": {"ca_file": "\(files)/ca.pem", "server_name": "backend.test"}},
                "misnamed": {"url": "\(tlsURL)", "tls": {"ca_file": "\(files)/ca.pem", "server_name": "other.test"}}
                """)),
            ("BackendTLSTests: mutual TLS", 1, fixture(
                extraRoutes: tlsRoutes(["mutual", "nocert"]), rawBackends: """
                "mutual": {"url": "\(tlsURL)", "tls": {"ca_file": "\(files)/ca.pem",
                           "client_certificate": "\(files)/client.pem", "client_key": "\(files)/client-key.pem"}},
                "nocert": {"url": "\(tlsURL)", "tls": {"ca_file": "\(files)/ca.pem"}}
                """)),
            ("RemoteKeysTests: JWKS URL", 1, fixture(
                jwksSource: #"{"url": "http://127.0.0.1:40009/jwks.json", "refresh": {"refetch_cooldown_seconds": 30}}"#)),
            ("BodyLimitDuringKeyWaitTests: JWKS URL, cors and max_body_bytes 1024", 1, fixture(
                jwksSource: #"{"url": "http://127.0.0.1:40009/jwks.json", "refresh": {"refetch_cooldown_seconds": 30}}"#,
                extraTopLevel: CORSServingTests.cors, maxBodyBytes: 1024)),
            ("NoUsableKeyTests: a JWKS file with no usable key", 1, fixture(jwksSource: #"{"file": "\#(files)/unusable.json"}"#)),
            ("NoUsableKeyTests: a JWKS URL with no usable key", 1, fixture(jwksSource: #"{"url": "http://127.0.0.1:40011/jwks.json"}"#)),
            // An import that fails leaves "!" (no JSON): the document fails the schema run loudly.
            ("PetstoreServingTests: the Swagger Petstore's imported routes", 1, fixture(
                extraRoutes: (try? PetstoreServingTests.importedRoutes()) ?? "!")),
            ("ShadowModeTests: a shadow route and a shadowed method, claim headers", 1, fixture(
                extraRoutes: ShadowModeTests.routes, extraTopLevel: ShadowModeTests.topLevel)),
            ("PathTemplateTests: templated routes, with rewrite_prefix and strip_prefix", 2,
             fixture(extraRoutes: PathTemplateTests.routes)),
            ("ScopeRuleTests: alternatives and *", 1, fixture(extraRoutes: """
                , {"prefix": "/appointments/reports", "backend": "appointments",
                   "methods": {"GET": [["read:reports", "export:reports"], ["admin:appointments", "read:appointments"]]}},
                  {"prefix": "/appointments/files", "backend": "appointments",
                   "methods": {"GET": ["read:appointments"], "*": ["write:files"]}}
                """)),
        ]
    }

    /// Configs other tests write without the fixture (copied: they are literals in those tests).
    /// The one `CommandLineTests.testCheckReportsEveryMistakeWithItsJSONPath` writes is invalid on
    /// purpose: it is in ``refused``.
    static let otherWrittenConfigs: [(source: String, json: String)] = [
        ("CommandLineTests.testCheckLoadsWhatServeWouldLoad (its missing files are for `scopegate check`)", """
        {"api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "missing-jwks.json"}},
         "backends": {"calendar": {"url": "http://127.0.0.1:9102"}},
         "routes": [{"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"]}}],
         "log": {"denials": {"file": "no-such-dir/denials.log"}}}
        """),
        ("CognitoTokenTests.config (a Cognito issuer: no audience, app client and token_use checked)",
         CognitoTokenTests.config(issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example",
                                  jwksURL: "http://127.0.0.1:40011/eu-west-1_example/.well-known/jwks.json",
                                  clientID: "example-client-id", backendPort: 40001)),
        ("CheckLintTests.config (findings of every route rule and the catalog)", CheckLintTests.config),
        ("CheckLintTests.acceptingConfig (a finding in lint.accept)", CheckLintTests.acceptingConfig),
    ]

    /// What `ServedGateway.config(slowScopes:shutdown:extraTopLevel:)` (`Support/ServedGateway.swift`: the lifecycle
    /// tests' `scopegate serve`) writes, for the arguments and edits of its callers. It is an instance method (it
    /// needs the started backends' ports), so its string literal is taken from the source and its interpolations
    /// replaced by stand-ins: what is validated is the builder's own text. `problem` says why it could not be read
    /// (`nil` also when the file is gone).
    static func servedGatewayConfigs(source: String?) -> (written: [(source: String, json: String)],
                                                           refused: [(name: String, at: String, json: String)], problem: String?) {
        guard let source else { return ([], [], nil) }
        do {
            guard let function = source.range(of: "func config("),
                  let open = source.range(of: "\"\"\"\n", range: function.upperBound..<source.endIndex),
                  let close = source.range(of: "\"\"\"", range: open.upperBound..<source.endIndex) else {
                throw TemplateError(description: "no multi-line string literal after `func config(`")
            }
            let literal = String(source[open.upperBound..<close.lowerBound])
            func config(slowScopes: String = #"["read:slow"]"#, shutdown: String = #""drain_delay_ms": 1500, "grace_ms": 20000"#,
                        extraTopLevel: String = "") throws -> String {
                try interpolate(literal, [
                    "Self.issuer": "https://issuer.lifecycle.test/", "Self.audience": "https://api.example.com",
                    #"jwks.url("/jwks.json")"#: "http://127.0.0.1:40021/jwks.json",
                    "slow.port": "40022", "fast.port": "40023",
                    "slowScopes": slowScopes, "shutdown": shutdown, "extraTopLevel": extraTopLevel,
                ])
            }
            let written: [(source: String, json: String)] = [
                ("ServedGateway.config() (ConfigReloadTests, GracefulDrainTests)", try config()),
                ("ServedGateway.config(slowScopes: admin:slow) (ConfigReloadTests)", try config(slowScopes: #"["admin:slow"]"#)),
                ("ServedGateway.config(slowScopes: shadowed read:slow) (ServeCommandTests)",
                 try config(slowScopes: ServeCommandTests.shadowedSlowScopes)),
                ("ServedGateway.config(shutdown: 0 ms, 300 ms) (GracefulDrainTests)", try config(shutdown: #""drain_delay_ms": 0, "grace_ms": 300"#)),
                ("ServedGateway.config(shutdown: 60 s, 60 s) (GracefulDrainTests)",
                 try config(shutdown: #""drain_delay_ms": 60000, "grace_ms": 60000"#)),
                ("ServedGateway.config(shutdown: 0 ms, 20 s) (GracefulDrainTests)", try config(shutdown: #""drain_delay_ms": 0, "grace_ms": 20000"#)),
                ("AdminListenerTests.configWithDownBackend", try config()
                    .replacingOccurrences(of: #""fast": {"url""#, with: #""down": {"url": "http://127.0.0.1:1", "retries": 0}, "fast": {"url""#)
                    .replacingOccurrences(of: #""routes": ["#, with: #""routes": [{"prefix": "/down", "backend": "down", "methods": {"GET": []}},"#)),
                ("ConfigReloadTests: the file that moves the listener (refused by the reload, not by the decoder)",
                 try config(slowScopes: #"["admin:slow"]"#)
                    .replacingOccurrences(of: #""port": 0, "event_loops": 2"#, with: #""port": 1, "event_loops": 2"#)),
            ]
            let refused: [(name: String, at: String, json: String)] = [
                ("ConfigReloadTests: the broken file (routs, drain_delay_ms \"soon\")", "$", try config(slowScopes: #"["admin:slow"]"#)
                    .replacingOccurrences(of: #""routes": ["#, with: #""routs": 1, "routes": ["#)
                    .replacingOccurrences(of: #""drain_delay_ms": 1500"#, with: #""drain_delay_ms": "soon""#)),
            ]
            return (written, refused, nil)
        } catch {
            return ([], [], "\(error)")
        }
    }

    struct TemplateError: Error, CustomStringConvertible { var description: String }

    /// A Swift string literal's text with each `\(expression)` replaced by `values[expression]`, and `\"`, `\\` unescaped.
    static func interpolate(_ literal: String, _ values: [String: String]) throws -> String {
        var result = ""
        var index = literal.startIndex
        while index < literal.endIndex {
            let character = literal[index]
            index = literal.index(after: index)
            guard character == "\\" else {
                result.append(character)
                continue
            }
            guard index < literal.endIndex else { throw TemplateError(description: "a lone \\ at the end") }
            let escaped = literal[index]
            index = literal.index(after: index)
            switch escaped {
            case "\"", "\\":
                result.append(escaped)
            case "(":
                var depth = 1
                let start = index
                while index < literal.endIndex {
                    if literal[index] == "(" { depth += 1 } else if literal[index] == ")" { depth -= 1 }
                    if depth == 0 { break }
                    index = literal.index(after: index)
                }
                guard index < literal.endIndex else { throw TemplateError(description: "an unclosed \\(") }
                let expression = String(literal[start..<index])
                index = literal.index(after: index)
                guard let value = values[expression] else {
                    throw TemplateError(description: "no stand-in for \\(\(expression)): add one in ConfigSchemaTests")
                }
                result += value
            default:
                throw TemplateError(description: "an escape \\\(escaped) the test does not read")
            }
        }
        return result
    }

    // MARK: Building blocks

    static let api = #"{"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "/k.json"}}"#
    static let backends = #"{"calendar": {"url": "http://127.0.0.1:9102"}}"#
    static let routes = #"[{"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"]}}]"#

    /// A minimal valid config (single-issuer shorthand); `more` adds top-level members.
    static func config(api: String = api, backends: String = backends, routes: String = routes, _ more: String = "") -> String {
        #"{"api": \#(api), "backends": \#(backends), "routes": \#(routes)\#(more.isEmpty ? "" : ", " + more)}"#
    }

    /// The shorthand `api` with further members.
    static func shorthand(_ more: String) -> String {
        #"{"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "/k.json"}, \#(more)}"#
    }

    /// The shorthand `api` with this `jwks`.
    static func jwks(_ source: String) -> String {
        #"{"issuer": "https://issuer/", "audience": "https://api", "jwks": \#(source)}"#
    }

    /// `api` in the list form with these issuers.
    static func issuers(_ list: String) -> String {
        #"{"audience": "https://api", "issuers": [\#(list)]}"#
    }

    /// `backends` with one backend, `calendar`, of these members.
    static func backend(_ members: String) -> String {
        #"{"calendar": {\#(members)}}"#
    }

    /// `routes` with one route to `calendar` of these further members.
    static func route(_ members: String) -> String {
        #"[{"prefix": "/calendar", "backend": "calendar", \#(members)}]"#
    }

    // MARK: Refused by both

    /// Configs the decoder refuses for a type, a range, an enum, a required member or an unknown
    /// key, with the JSON path under which both it and the schema must report.
    static let refused: [(name: String, at: String, json: String)] = [
        // Top level
        ("unknown top-level key", "$", config(#""routez": []"#)),
        ("$schema not a string", "$.$schema", config(#""$schema": 1"#)),
        ("api missing", "$", #"{"backends": \#(backends), "routes": \#(routes)}"#),
        ("CommandLineTests.testCheckReportsEveryMistakeWithItsJSONPath: clock_skew_seconds as a string", "$.api.clock_skew_seconds", """
        {"api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "jwks.json"}, "clock_skew_seconds": "60"},
         "backends": {"calendar": {"url": "http://127.0.0.1:9102"}},
         "routes": [{"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"]}},
                    {"prefix": "billing", "backend": "calendar", "methods": {"GET": []}},
                    {"prefix": "/billing", "backend": "billing", "methods": {"GET": []}}]}
        """),
        ("CheckLintTests.invalidConfig: routes as a string", "$.routes", CheckLintTests.invalidConfig),
        // listen
        ("listen as a string", "$.listen", config(#""listen": "127.0.0.1:8080""#)),
        ("listen unknown key", "$.listen", config(#""listen": {"adress": "0.0.0.0"}"#)),
        ("listen.port as a string", "$.listen.port", config(#""listen": {"port": "8080"}"#)),
        ("listen.port out of range", "$.listen.port", config(#""listen": {"port": 70000}"#)),
        ("listen.event_loops 0", "$.listen.event_loops", config(#""listen": {"event_loops": 0}"#)),
        ("listen.host empty", "$.listen.host", config(#""listen": {"host": ""}"#)),
        ("listen.health_path without a leading /", "$.listen.health_path", config(#""listen": {"health_path": "healthz"}"#)),
        ("listen.body_min_bytes_per_second negative", "$.listen.body_min_bytes_per_second",
         config(#""listen": {"body_min_bytes_per_second": -1}"#)),
        ("listen.body_min_rate_grace_ms above 600000", "$.listen.body_min_rate_grace_ms",
         config(#""listen": {"body_min_rate_grace_ms": 600001}"#)),
        ("listen.body_timeout_ms as a string", "$.listen.body_timeout_ms", config(#""listen": {"body_timeout_ms": "30s"}"#)),
        // api
        ("api as an array", "$.api", config(api: "[]")),
        ("api unknown key", "$.api", config(api: shorthand(#""audiance": "https://api""#))),
        ("api.audience missing", "$.api", config(api: #"{"issuer": "https://issuer/", "jwks": {"file": "/k.json"}}"#)),
        // cors
        ("cors * with credentials", "$.cors", config(#""cors": {"allowed_origins": ["*"], "allow_credentials": true}"#)),
        ("cors null origin", "$.cors.allowed_origins[0]", config(#""cors": {"allowed_origins": ["null"]}"#)),
        ("cors origin with a path", "$.cors.allowed_origins[0]", config(#""cors": {"allowed_origins": ["https://app.example.com/"]}"#)),
        ("cors origin in upper case", "$.cors.allowed_origins[0]", config(#""cors": {"allowed_origins": ["https://App.example.com"]}"#)),
        ("cors wildcard over a top-level domain", "$.cors.allowed_origins[0]", config(#""cors": {"allowed_origins": ["https://*.com"]}"#)),
        ("cors without allowed_origins", "$.cors", config(#""cors": {"max_age_seconds": 5}"#)),
        ("cors unknown key", "$.cors", config(#""cors": {"allowed_origins": ["https://a.example"], "origins": []}"#)),
        ("cors lower-case method", "$.cors.allowed_methods[0]", config(#""cors": {"allowed_origins": ["https://a.example"], "allowed_methods": ["get"]}"#)),
        ("cors header *", "$.cors.allowed_headers[0]", config(#""cors": {"allowed_origins": ["https://a.example"], "allowed_headers": ["*"]}"#)),
        ("route cors \"gateway\"", "$.routes[0].cors", config(routes: route(#""methods": {"GET": []}, "cors": "gateway""#))),
        ("api.audience missing for an issuer without audiences", "$.api", config(api: """
            {"issuers": [{"issuer": "https://a/", "audiences": ["x"], "jwks": {"file": "/k.json"}},
                         {"issuer": "https://b/", "jwks": {"file": "/k.json"}}]}
            """)),
        ("audiences with check_audience false", "$.api.issuers[0]", config(api: issuers(
            #"{"issuer": "https://a/", "jwks": {"file": "/k.json"}, "check_audience": false, "audiences": ["x"]}"#))),
        ("check_audience as a string", "$.api.check_audience", config(api: shorthand(#""check_audience": "no""#))),
        ("allowed_client_ids empty", "$.api.allowed_client_ids", config(api: shorthand(#""allowed_client_ids": []"#))),
        ("client_id_claim empty", "$.api.client_id_claim", config(api: shorthand(#""client_id_claim": """#))),
        ("required_claims value an object", "$.api.required_claims.token_use",
         config(api: shorthand(#""required_claims": {"token_use": {"is": "access"}}"#))),
        ("required_claims with an empty list", "$.api.required_claims.tid", config(api: shorthand(#""required_claims": {"tid": []}"#))),
        ("required_claims name with an empty segment", "$.api.required_claims", config(api: shorthand(#""required_claims": {"a..b": "x"}"#))),
        ("api.clock_skew_seconds above 600", "$.api.clock_skew_seconds", config(api: shorthand(#""clock_skew_seconds": 601"#))),
        ("api.realm with a quote", "$.api.realm", config(api: shorthand(#""realm": "a\"b""#))),
        ("shorthand mixed with issuers", "$.api", config(api: """
            {"audience": "https://api", "algorithms": ["RS256"], "issuers": [{"issuer": "https://a/", "jwks": {"file": "k"}}]}
            """)),
        ("neither issuers nor shorthand", "$.api", config(api: #"{"audience": "https://api"}"#)),
        ("api.issuers empty", "$.api.issuers", config(api: #"{"audience": "https://api", "issuers": []}"#)),
        ("api.issuers as an object", "$.api.issuers", config(api: #"{"audience": "https://api", "issuers": {}}"#)),
        ("issuer unknown key", "$.api.issuers[0]", config(api: issuers(#"{"issuer": "https://a/", "jwks": {"file": "k"}, "audience": "x"}"#))),
        ("issuer.issuer as a number", "$.api.issuers[0].issuer", config(api: issuers(#"{"issuer": 1, "jwks": {"file": "k"}}"#))),
        ("issuer.audiences empty", "$.api.issuers[0].audiences", config(api: issuers(#"{"issuer": "https://a/", "jwks": {"file": "k"}, "audiences": []}"#))),
        ("algorithms [\"none\"]", "$.api.algorithms[0]", config(api: shorthand(#""algorithms": ["none"]"#))),
        ("algorithms listed twice", "$.api.algorithms", config(api: shorthand(#""algorithms": ["RS256", "RS256"]"#))),
        ("require_exp as a string", "$.api.require_exp", config(api: shorthand(#""require_exp": "yes""#))),
        ("require_typ \"JWT\"", "$.api.require_typ", config(api: shorthand(#""require_typ": "JWT""#))),
        ("max_lifetime_seconds 0", "$.api.max_lifetime_seconds", config(api: shorthand(#""max_lifetime_seconds": 0"#))),
        ("scope_claims with an empty segment", "$.api.scope_claims[0]", config(api: shorthand(#""scope_claims": ["realm_access..roles"]"#))),
        ("hmac_secrets with file and env", "$.api.hmac_secrets[0]", config(api: shorthand(#""hmac_secrets": [{"file": "s", "env": "E"}]"#))),
        ("hmac_secrets unknown key", "$.api.hmac_secrets[0]", config(api: shorthand(#""hmac_secrets": [{"env": "E", "secret": "x"}]"#))),
        // jwks and refresh
        ("jwks as a string", "$.api.jwks", config(api: jwks(#""k.json""#))),
        ("jwks empty", "$.api.jwks", config(api: jwks("{}"))),
        ("jwks with file and url", "$.api.jwks", config(api: jwks(#"{"file": "k", "url": "https://idp.example/jwks"}"#))),
        ("jwks unknown key", "$.api.jwks", config(api: jwks(#"{"url": "https://idp.example/jwks", "interval": 60}"#))),
        ("jwks.url not http(s)", "$.api.jwks", config(api: jwks(#"{"url": "ftp://idp.example/jwks"}"#))),
        ("refresh on a file", "$.api.jwks", config(api: jwks(#"{"file": "k", "refresh": {}}"#))),
        ("jwks.discovery false", "$.api.issuers[0].jwks", config(api: issuers(#"{"issuer": "https://a/", "jwks": {"discovery": false}}"#))),
        ("refresh as a number", "$.api.jwks", config(api: jwks(#"{"url": "https://idp.example/jwks", "refresh": 60}"#))),
        ("refresh unknown key", "$.api.jwks", config(api: jwks(#"{"discovery": true, "refresh": {"interval": 1}}"#))),
        ("refresh.timeout_ms 0", "$.api.jwks", config(api: jwks(#"{"url": "https://idp.example/jwks", "refresh": {"timeout_ms": 0}}"#))),
        // api.token, api.verification_cache
        ("token unknown key", "$.api.token", config(api: shorthand(#""token": {"cookie": "c"}"#))),
        ("token.header with a space", "$.api.token.header", config(api: shorthand(#""token": {"header": "X Token"}"#))),
        ("token.query_parameter as a number", "$.api.token.query_parameter", config(api: shorthand(#""token": {"query_parameter": 1}"#))),
        ("verification_cache unknown key", "$.api.verification_cache", config(api: shorthand(#""verification_cache": {"size": 1}"#))),
        ("verification_cache.max_entries negative", "$.api.verification_cache.max_entries",
         config(api: shorthand(#""verification_cache": {"max_entries": -1}"#))),
        // backends
        ("backends empty", "$.backends", config(backends: "{}")),
        ("backends as an array", "$.backends", config(backends: "[]")),
        ("backend unknown key", "$.backends.calendar", config(backends: backend(#""url": "http://127.0.0.1:9102", "timeout": 5"#))),
        ("backend with url and urls", "$.backends.calendar", config(backends: backend(#""url": "http://a", "urls": ["http://b"]"#))),
        ("backend without url or urls", "$.backends.calendar", config(backends: backend(#""timeout_ms": 5"#))),
        ("backend url with a path", "$.backends.calendar.url", config(backends: backend(#""url": "http://127.0.0.1:9102/v1""#))),
        ("backend urls empty", "$.backends.calendar.urls", config(backends: backend(#""urls": []"#))),
        ("backend balance \"random\"", "$.backends.calendar.balance", config(backends: backend(#""url": "http://a", "balance": "random""#))),
        ("backend retries not whole", "$.backends.calendar.retries", config(backends: backend(#""url": "http://a", "retries": 1.5"#))),
        ("backend http2 as a string", "$.backends.calendar.http2", config(backends: backend(#""url": "http://a", "http2": "yes""#))),
        ("backend timeout_ms negative", "$.backends.calendar.timeout_ms", config(backends: backend(#""url": "http://a", "timeout_ms": -1"#))),
        ("tls as true", "$.backends.calendar.tls", config(backends: backend(#""url": "https://a", "tls": true"#))),
        ("tls unknown key", "$.backends.calendar.tls", config(backends: backend(#""url": "https://a", "tls": {"verify": false}"#))),
        ("tls client_certificate without client_key", "$.backends.calendar.tls",
         config(backends: backend(#""url": "https://a", "tls": {"client_certificate": "/etc/hostname"}"#))),
        ("tls server_name with a port", "$.backends.calendar.tls.server_name",
         config(backends: backend(#""url": "https://a", "tls": {"server_name": "api:443"}"#))),
        // routes
        ("routes as an object", "$.routes", config(routes: "{}")),
        ("routes empty", "$.routes", config(routes: "[]")),
        ("route unknown key", "$.routes[0]", config(routes: route(#""methods": {"GET": []}, "preserve_hosts": true"#))),
        ("route without methods", "$.routes[0]", config(routes: route(#""strip_prefix": true"#))),
        ("route prefix with a trailing /", "$.routes[0].prefix",
         config(routes: #"[{"prefix": "/calendar/", "backend": "calendar", "methods": {"GET": []}}]"#)),
        ("route backend as a number", "$.routes[0].backend",
         config(routes: #"[{"prefix": "/calendar", "backend": 1, "methods": {"GET": []}}]"#)),
        ("route methods empty", "$.routes[0].methods", config(routes: route(#""methods": {}"#))),
        ("route method in lower case", "$.routes[0].methods", config(routes: route(#""methods": {"get": []}"#))),
        ("route method rule true", "$.routes[0].methods.GET", config(routes: route(#""methods": {"GET": true}"#))),
        ("route method rule \"private\"", "$.routes[0].methods.GET", config(routes: route(#""methods": {"GET": "private"}"#))),
        ("route enforce \"report\"", "$.routes[0].enforce", config(routes: route(#""enforce": "report", "methods": {"GET": []}"#))),
        ("method rule object without scopes", "$.routes[0].methods.GET", config(routes: route(#""methods": {"GET": {"enforce": "shadow"}}"#))),
        ("method rule object, public shadowed", "$.routes[0].methods.GET", config(routes: route(#""methods": {"GET": {"scopes": "public", "enforce": "shadow"}}"#))),
        ("method rule object, unknown member", "$.routes[0].methods.GET", config(routes: route(#""methods": {"GET": {"scopes": [], "shadow": true}}"#))),
        ("route method rule mixing scopes and alternatives", "$.routes[0].methods.GET",
         config(routes: route(#""methods": {"GET": ["a", ["b"]]}"#))),
        ("route method rule with an empty alternative", "$.routes[0].methods.GET",
         config(routes: route(#""methods": {"GET": [["a"], []]}"#))),
        ("route scope with a space", "$.routes[0].methods.GET", config(routes: route(#""methods": {"GET": ["read calendar"]}"#))),
        ("route strip_prefix as a string", "$.routes[0].strip_prefix",
         config(routes: route(#""methods": {"GET": []}, "strip_prefix": "yes""#))),
        ("route prefix with a template inside a segment", "$.routes[0].prefix",
         config(routes: #"[{"prefix": "/files/{name}.json", "backend": "calendar", "methods": {"GET": []}}]"#)),
        ("route prefix with an empty template name", "$.routes[0].prefix",
         config(routes: #"[{"prefix": "/files/{}", "backend": "calendar", "methods": {"GET": []}}]"#)),
        ("route prefix with a stray brace", "$.routes[0].prefix",
         config(routes: #"[{"prefix": "/files/x}", "backend": "calendar", "methods": {"GET": []}}]"#)),
        ("route rewrite_prefix with a template", "$.routes[0].rewrite_prefix",
         config(routes: #"[{"prefix": "/u/{id}", "backend": "calendar", "methods": {"GET": []}, "rewrite_prefix": "/v1/{id}"}]"#)),
        ("route strip_prefix with rewrite_prefix", "$.routes[0]",
         config(routes: route(#""methods": {"GET": []}, "strip_prefix": true, "rewrite_prefix": "/v1""#))),
        // limits, upstream
        ("limits unknown key", "$.limits", config(#""limits": {"max_body": 1}"#)),
        ("limits.max_header_bytes below 1024", "$.limits.max_header_bytes", config(#""limits": {"max_header_bytes": 512}"#)),
        ("upstream unknown key", "$.upstream", config(#""upstream": {"workers": 2}"#)),
        ("upstream.threads 0", "$.upstream.threads", config(#""upstream": {"threads": 0}"#)),
        // log
        ("log unknown key", "$.log", config(#""log": {"acces": "stderr"}"#)),
        ("log.denials \"off\"", "$.log.denials", config(#""log": {"denials": "off"}"#)),
        ("log.denials as a number", "$.log.denials", config(#""log": {"denials": 3}"#)),
        ("log.access \"on\"", "$.log.access", config(#""log": {"access": "on"}"#)),
        ("log.access true", "$.log.access", config(#""log": {"access": true}"#)),
        ("log.access file form unknown key", "$.log.access", config(#""log": {"access": {"file": "access.log", "mode": "append"}}"#)),
        ("log.access file empty", "$.log.access", config(#""log": {"access": {"file": ""}}"#)),
        ("log.stats_interval_seconds negative", "$.log.stats_interval_seconds", config(#""log": {"stats_interval_seconds": -1}"#)),
        // forwarding
        ("forwarding unknown key", "$.forwarding", config(#""forwarding": {"trusted_proxy": []}"#)),
        ("forwarding.trusted_proxies as a string", "$.forwarding.trusted_proxies", config(#""forwarding": {"trusted_proxies": "10.0.0.0/8"}"#)),
        ("forwarding.forwarded_header as a string", "$.forwarding.forwarded_header", config(#""forwarding": {"forwarded_header": "yes"}"#)),
        ("forwarding.request_id_header with a space", "$.forwarding.request_id_header",
         config(#""forwarding": {"request_id_header": "X Request"}"#)),
        ("forwarding.claim_headers unknown claim", "$.forwarding.claim_headers", config(#""forwarding": {"claim_headers": {"email": "X-Email"}}"#)),
        // shutdown
        ("shutdown as a number", "$.shutdown", config(#""shutdown": 5000"#)),
        ("shutdown unknown key", "$.shutdown", config(#""shutdown": {"grace": 1000}"#)),
        ("shutdown.drain_delay_ms as a string", "$.shutdown.drain_delay_ms", config(#""shutdown": {"drain_delay_ms": "5s"}"#)),
        ("shutdown.drain_delay_ms above 600000", "$.shutdown.drain_delay_ms", config(#""shutdown": {"drain_delay_ms": 600001}"#)),
        ("shutdown.grace_ms negative", "$.shutdown.grace_ms", config(#""shutdown": {"grace_ms": -1}"#)),
        ("shutdown.grace_ms not whole", "$.shutdown.grace_ms", config(#""shutdown": {"grace_ms": 1.5}"#)),
        // admin
        ("admin as a string", "$.admin", config(#""admin": "127.0.0.1:9901""#)),
        ("admin false", "$.admin", config(#""admin": false"#)),
        ("admin unknown key", "$.admin", config(#""admin": {"path": "/metrics"}"#)),
        ("admin.port above 65535", "$.admin.port", config(#""admin": {"port": 65536}"#)),
        ("admin.port as a string", "$.admin.port", config(#""admin": {"port": "9901"}"#)),
        ("admin.host empty", "$.admin.host", config(#""admin": {"host": ""}"#)),
        // api.scopes, lint
        ("api.scopes as an object", "$.api.scopes", config(api: shorthand(#""scopes": {"read": "Read"}"#))),
        ("api.scopes entry unknown key", "$.api.scopes[0]", config(api: shorthand(#""scopes": [{"name": "read", "title": "Read"}]"#))),
        ("api.scopes name not a scope token", "$.api.scopes[0].name", config(api: shorthand(#""scopes": [{"name": "read all"}]"#))),
        ("lint unknown key", "$.lint", config(#""lint": {"ignore": []}"#)),
        ("lint.accept entry unknown key", "$.lint.accept[0]", config(#""lint": {"accept": [{"rule": "method_without_scope", "path": "routes[0]", "reason": "r", "until": "2027"}]}"#)),
        ("lint.accept rule not a rule", "$.lint.accept[0].rule", config(#""lint": {"accept": [{"rule": "no_such_rule", "path": "routes[0]", "reason": "r"}]}"#)),
        // protected_resource (ProtectedResourceConfigTests)
        ("protected_resource as an array", "$.protected_resource", config(#""protected_resource": []"#)),
        ("protected_resource without resource", "$.protected_resource", config(#""protected_resource": {"resource_name": "x"}"#)),
        ("protected_resource unknown key", "$.protected_resource", config(#""protected_resource": {"resource": "https://a.example", "name": "x"}"#)),
        ("protected_resource.resource http on a public host", "$.protected_resource.resource",
         config(#""protected_resource": {"resource": "http://api.example.com"}"#)),
        ("protected_resource.resource with a fragment", "$.protected_resource.resource",
         config(#""protected_resource": {"resource": "https://api.example.com/v1#x"}"#)),
        ("protected_resource.resource with a query", "$.protected_resource.resource",
         config(#""protected_resource": {"resource": "https://api.example.com/v1?t=1"}"#)),
        ("protected_resource.resource with userinfo", "$.protected_resource.resource",
         config(#""protected_resource": {"resource": "https://u@api.example.com"}"#)),
        ("protected_resource.resource_documentation not a URL", "$.protected_resource.resource_documentation",
         config(#""protected_resource": {"resource": "https://a.example", "resource_documentation": "docs"}"#)),
        ("protected_resource.scopes_supported entry not a scope token", "$.protected_resource.scopes_supported[0]",
         config(#""protected_resource": {"resource": "https://a.example", "scopes_supported": ["read all"]}"#)),
        ("protected_resource.authorization_servers empty", "$.protected_resource.authorization_servers",
         config(#""protected_resource": {"resource": "https://a.example", "authorization_servers": []}"#)),
    ]

    // MARK: Accepted by both

    static let valid: [(name: String, json: String)] = [
        ("minimal, single-issuer shorthand", config()),
        ("$schema, shutdown and admin", config("""
            "$schema": "./schema/gateway.schema.json", "shutdown": {"drain_delay_ms": 0, "grace_ms": 3600000},
            "admin": {"host": "0.0.0.0", "port": 9901}
            """)),
        ("admin null", config(#""admin": null"#)),
        ("shadow mode on a route and on one method", config(routes: """
            [{"prefix": "/calendar", "backend": "calendar", "enforce": "shadow", "methods": {"GET": ["r"], "POST": {"scopes": [["w"], ["admin"]], "enforce": "enforce"}}},
             {"prefix": "/b", "backend": "calendar", "methods": {"GET": {"scopes": "public"}, "PUT": {"scopes": ["w"], "enforce": "shadow"}}}]
            """)),
        ("protected_resource null", config(#""protected_resource": null"#)),
        ("protected_resource in full (ProtectedResourceConfigTests)", config(#"""
            "protected_resource": {"resource": "https://api.example.com/v1", "resource_name": "Calendar API",
              "resource_documentation": "https://docs.example.com/api", "resource_policy_uri": "https://example.com/privacy",
              "resource_tos_uri": "https://example.com/tos", "scopes_supported": ["read:calendar"],
              "authorization_servers": ["https://login.example.com", "https://issuer/"]},
            "lint": {"accept": [{"rule": "route_shadows_resource_metadata", "path": "routes[0]", "reason": "r"}]}
            """#)),
        ("protected_resource on a loopback host over http", config(#""protected_resource": {"resource": "http://[::1]:8080/mcp"}"#)),
        ("api.scopes catalog and lint.accept (PolicyLintTests)", config(api: shorthand(
            #""scopes": [{"name": "read:calendar", "description": "Read the calendar"}, {"name": "write:calendar"}]"#), """
            "lint": {"accept": [{"rule": "less_protected_than_enclosing", "path": "routes[1].methods.GET", "reason": "public data"}]}
            """)),
        ("log.access file form",
         config(#""log": {"denials": {"file": "denials.log"}, "access": {"file": "access.log"}, "stats_interval_seconds": 0}"#)),
        ("log.access stderr", config(#""log": {"denials": "stderr", "access": "stderr"}"#)),
        ("log.access off", config(#""log": {"access": "off"}"#)),
        ("urls with balance (BackendConfigDecodingTests.testSeveralURLsAndTheirSettings)", config(backends: backend("""
            "urls": ["http://10.0.0.1:8080", "HTTP://10.0.0.2:8080/"], "balance": "least_in_flight", "eject_after_failures": 5,
            "eject_seconds": 30, "retries": 2
            """))),
        ("route methods: all of, alternatives, any token, public, * (ConfigLoaderTests.testScopeRequirementForms)", config(routes: route(
            #""methods": {"GET": ["r", "s"], "POST": [["w"], ["admin", "x"]], "*": [], "HEAD": "public"}"#))),
        ("route options", config(routes: """
            [{"prefix": "/", "backend": "calendar", "methods": {"GET": "public"}, "rewrite_prefix": "/api/v2", "strip_prefix": false,
              "preserve_host": true, "forward_authorization": false}]
            """)),
        ("route prefixes with path templates", config(routes: """
            [{"prefix": "/users/{id}", "backend": "calendar", "methods": {"GET": []}},
             {"prefix": "/users/me", "backend": "calendar", "methods": {"GET": []}},
             {"prefix": "/users/{user_id}/keys/{Key2}", "backend": "calendar", "methods": {"GET": []}, "rewrite_prefix": "/keys"},
             {"prefix": "/t/{_tenant}", "backend": "calendar", "methods": {"GET": []}, "strip_prefix": true}]
            """)),
        ("whole numbers written with a fraction", config(#""listen": {"port": 8080.0}, "shutdown": {"grace_ms": 1e3}"#)),
        ("cors in full, and every form of a route's cors", config(routes: """
            [{"prefix": "/a", "backend": "calendar", "methods": {"GET": []}},
             {"prefix": "/b", "backend": "calendar", "methods": {"GET": []}, "cors": {"allow_credentials": true, "max_age_seconds": 0}},
             {"prefix": "/c", "backend": "calendar", "methods": {"GET": [], "OPTIONS": "public"}, "cors": "backend"},
             {"prefix": "/d", "backend": "calendar", "methods": {"GET": []}, "cors": false}]
            """, #""cors": {"allowed_origins": ["https://app.example.com", "http://127.0.0.1:5173", "https://*.apps.example.com"], "allowed_methods": ["GET", "POST"], "allowed_headers": ["Authorization", "Content-Type", "X-Request-Id"], "exposed_headers": ["WWW-Authenticate"], "max_age_seconds": 600, "allow_credentials": false}"#)),
        ("a route's own cors without an API-wide one", config(routes: route(
            #""methods": {"GET": []}, "cors": {"allowed_origins": ["*"]}"#))),
        ("no api.audience: each issuer has its own audiences or no aud check", config(api: """
            {"issuers": [{"issuer": "https://a/", "audiences": ["https://api"], "jwks": {"file": "/k.json"}},
                         {"issuer": "https://b/", "check_audience": false, "jwks": {"file": "/k.json"}, "client_id_claim": "client_id",
                          "allowed_client_ids": ["c1", "c2"],
                          "required_claims": {"token_use": "access", "tid": ["t1", "t2"], "ver": 2, "email_verified": true}}]}
            """)),
        ("shorthand without api.audience and without aud check", config(api: """
            {"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC", "jwks": {"file": "/k.json"}, "check_audience": false,
             "allowed_client_ids": ["app"], "required_claims": {"token_use": "access"}, "scope_claims": ["scope"]}
            """)),
        ("nulls where allowed", config(api: shorthand(#""require_typ": null, "token": {"query_parameter": null}"#), #""listen": {"health_path": null}"#)),
        ("every section with its defaults spelled out", config(api: shorthand("""
            "algorithms": ["RS256"], "scope_claims": ["scope", "permissions"], "require_exp": true, "hmac_secrets": [],
            "clock_skew_seconds": 60, "realm": "scopegate", "token": {"header": "Authorization", "query_parameter": null},
            "verification_cache": {"max_entries": 10000, "ttl_seconds": 300}
            """), backends: backend("""
            "url": "http://127.0.0.1:9102", "balance": "round_robin", "eject_after_failures": 3, "eject_seconds": 10, "retries": 1,
            "http2": false, "connect_timeout_ms": 2000, "timeout_ms": 30000, "response_header_timeout_ms": 30000, "idle_timeout_ms": 60000
            """), routes: route(#""methods": {"GET": []}, "strip_prefix": false, "preserve_host": false, "forward_authorization": true"#), """
            "listen": {"host": "127.0.0.1", "port": 8080, "health_path": "/healthz", "keep_alive_timeout_ms": 60000,
                       "request_head_timeout_ms": 10000, "body_idle_timeout_ms": 30000, "body_timeout_ms": 0,
                       "body_min_bytes_per_second": 1024, "body_min_rate_grace_ms": 10000},
            "limits": {"max_body_bytes": 10485760, "max_header_bytes": 16384, "max_token_bytes": 8192},
            "log": {"denials": "stderr", "access": "off", "stats_interval_seconds": 60},
            "upstream": {"threads": 1, "max_connections_per_backend": 64},
            "forwarding": {"trusted_proxies": [], "forwarded_header": false, "request_id_header": "X-Request-Id",
                           "claim_headers": {"sub": "X-Auth-Subject", "client_id": "X-Auth-Client-Id", "scope": "X-Auth-Scopes"}},
            "shutdown": {"drain_delay_ms": 5000, "grace_ms": 20000},
            "admin": {"host": "127.0.0.1", "port": 9901}
            """)),
        ("backend TLS with every key, relative files (BackendConfigDecodingTests.testTLSPathsResolveAgainstTheConfigDirectory)",
         config(backends: backend("""
            "url": "https://10.0.0.1:8443",
            "tls": {"ca_file": "ca.pem", "client_certificate": "client.pem", "client_key": "client.key", "server_name": "api.internal"}
            """))),
        // Valid configs of the decoding tests, copied (they are literals there).
        ("ConfigLoaderTests.testMinimalConfigGetsDefaults",
         #"{"api": {"issuer": "https://issuer/", "audience": "https://api", "jwks": {"file": "/k.json"}}, "backends": {"calendar": {"url": "http://127.0.0.1:9102"}}, "routes": [{"prefix": "/calendar", "backend": "calendar", "methods": {"GET": ["read:calendar"], "HEAD": "public"}}]}"#),
        ("ConfigLoaderTests.testRelativePathsResolveAgainstTheConfigDirectory",
         #"{"backends": {"calendar": {"url": "http://127.0.0.1:9102"}}, "api": {"issuer": "i", "audience": "a", "jwks": {"file": "keys/jwks.json"}}, "log": {"denials": {"file": "denials.log"}}, "routes": [{"prefix": "/", "backend": "calendar", "methods": {"GET": "public"}}]}"#),
        ("BackendConfigDecodingTests.testOneURLGetsDefaults", config(backends: backend(#""url": "http://127.0.0.1:9102/""#))),
        ("IssuerConfigDecodingTests.testFullFormWithEveryKey", config(api: """
            {"audience": "https://api", "clock_skew_seconds": 30, "realm": "r",
             "issuers": [
               {"issuer": "https://a/", "audiences": ["https://api", "https://api2"], "jwks": {"file": "keys/a.json"},
                "hmac_secrets": [{"kid": "k1", "file": "secret.bin"}, {"env": "SCOPEGATE_HMAC"}],
                "algorithms": ["RS256", "HS256"], "scope_claims": ["scp", "realm_access.roles"], "require_exp": false,
                "max_lifetime_seconds": 86400, "require_typ": "at+jwt"},
               {"issuer": "https://b/", "jwks": {"url": "https://b/jwks.json", "refresh": {"min_seconds": 30, "max_seconds": 900,
                 "default_seconds": 300, "refetch_cooldown_seconds": 5, "retry_seconds": 3, "connect_timeout_ms": 500, "timeout_ms": 1500}}},
               {"issuer": "https://c/", "jwks": {"discovery": true}, "algorithms": ["ES256", "EdDSA", "PS256"]},
               {"issuer": "http://127.0.0.1:9/", "jwks": {"url": "http://localhost:9/jwks"}}
             ],
             "token": {"header": "X-Access-Token", "query_parameter": "access_token"},
             "verification_cache": {"max_entries": 0, "ttl_seconds": 60}}
            """, routes: route(#""methods": {"GET": []}"#))),
        ("IssuerConfigDecodingTests.testShorthandIsOneIssuer", config(api: """
            {"issuer": "https://a/", "audience": "https://api", "jwks": {"file": "k.json"}, "algorithms": ["ES256"],
             "scope_claims": ["scp"], "hmac_secrets": [], "require_exp": true, "max_lifetime_seconds": 60, "require_typ": "application/at+jwt"}
            """)),
    ]
}
