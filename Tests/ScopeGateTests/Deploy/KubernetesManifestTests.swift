import Foundation
import XCTest

/// `deploy/kubernetes/`: the manifests against a real Kubernetes schema validator, against each
/// other, against the gateway config they ship (`deploy/kubernetes/gateway.json`) and against the
/// image (`Dockerfile`); and that config against the gateway's own `scopegate check`.
///
/// Peers: `python3 -m kubernetes_validate` (PyPI `kubernetes-validate`, installed by `.ci/run`;
/// it ships the OpenAPI schemas of each Kubernetes release, so it needs no network) and PyYAML
/// (its dependency) to read the YAML. Without them the tests are skipped, unless `CI` is set:
/// then they fail. `kubectl kustomize` is used when `kubectl` is on the PATH.
final class KubernetesManifestTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = root.appendingPathComponent("deploy/kubernetes")
    static let configFile = directory.appendingPathComponent("gateway.json")
    /// One resource per file, each listed in `kustomization.yaml`.
    static let manifestNames = ["configmap.yaml", "deployment.yaml", "service.yaml",
                                "horizontalpodautoscaler.yaml", "poddisruptionbudget.yaml"]
    /// The oldest Kubernetes release the manifests are written for; they are also validated against
    /// the newest one the installed validator ships.
    static let oldestKubernetes = "1.30.0"

    // MARK: - The real schema validator

    func testEveryManifestValidatesStrictlyAgainstTheKubernetesSchemas() throws {
        guard try requirePython(["-m", "kubernetes_validate", "--version"], what: "kubernetes-validate") else { return }
        let files = Self.manifestNames.map { Self.directory.appendingPathComponent($0).path }
        for version in [Self.oldestKubernetes, nil] {
            let verdict = try Validator.run(files, version: version)
            XCTAssertEqual(verdict.status, 0, "kubernetes_validate exited \(verdict.status):\n\(verdict.output)")
            XCTAssertEqual(verdict.problems, [], "against \(version ?? "the newest release"):\n\(verdict.output)")
            XCTAssertEqual(Set(verdict.passed), Set(files), "every file passes once:\n\(verdict.output)")
        }
    }

    /// The validator is a real one: broken copies of the Deployment fail, beside the intact one.
    func testTheValidatorRejectsBrokenManifests() throws {
        guard try requirePython(["-m", "kubernetes_validate", "--version"], what: "kubernetes-validate") else { return }
        let original = try String(contentsOf: Self.directory.appendingPathComponent("deployment.yaml"), encoding: .utf8)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-k8s-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        func copy(_ name: String, replacing old: String, with new: String) throws -> String {
            XCTAssertTrue(original.contains(old), "deployment.yaml has no \(old)")
            let file = scratch.appendingPathComponent(name)
            try original.replacingOccurrences(of: old, with: new).write(to: file, atomically: true, encoding: .utf8)
            return file.path
        }
        let intact = try copy("intact.yaml", replacing: "kind: Deployment", with: "kind: Deployment")
        let wrongType = try copy("replicas-three.yaml", replacing: "replicas: 3\n", with: "replicas: \"three\"\n")
        let unknownField = try copy("unknown-field.yaml", replacing: "terminationGracePeriodSeconds:",
                                    with: "terminationGracePeriodSecond:")
        let unknownVersion = try copy("unknown-api-version.yaml", replacing: "apiVersion: apps/v1\n",
                                      with: "apiVersion: apps/v1beta9\n")

        let verdict = try Validator.run([intact, wrongType, unknownField, unknownVersion], version: Self.oldestKubernetes)
        XCTAssertEqual(verdict.passed, [intact], verdict.output)
        XCTAssertNotEqual(verdict.status, 0, "the validator accepted a broken manifest:\n\(verdict.output)")
        XCTAssertTrue(verdict.problems.contains { $0.hasPrefix("ERROR \(wrongType) ") && $0.contains("spec.replicas") },
                      verdict.output)
        XCTAssertTrue(verdict.problems.contains {
            $0.hasPrefix("ERROR \(unknownField) ") && $0.contains("terminationGracePeriodSecond")
        }, verdict.output)
        // A kind the validator has no schema for is only a warning (exit 0): Validator counts it
        // as a problem, so a typo in apiVersion cannot slip through as "validated".
        XCTAssertTrue(verdict.problems.contains { $0.hasPrefix("WARN \(unknownVersion) ") }, verdict.output)
    }

    // MARK: - The files of the directory

    func testTheKustomizationListsEveryManifestAndEachFileHoldsOneResource() throws {
        let manifests = try loadManifests()
        let kustomization = try XCTUnwrap(manifests.documents["kustomization.yaml"]?.first)
        XCTAssertEqual(kustomization["kind"] as? String, "Kustomization")
        XCTAssertEqual(kustomization["resources"] as? [String], Self.manifestNames)
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        XCTAssertEqual(Set(onDisk), Set(Self.manifestNames + ["kustomization.yaml"]), "a manifest not in kustomization.yaml?")
        for name in Self.manifestNames {
            XCTAssertEqual(manifests.documents[name]?.count, 1, "\(name): one resource per file")
        }
    }

    /// `kubectl kustomize` (when kubectl is installed) builds the same five resources.
    func testKustomizeBuildsTheResources() throws {
        guard let kubectl = Shell.which("kubectl") else { throw XCTSkip("kubectl is not installed") }
        let built = try Shell.run(kubectl, ["kustomize", Self.directory.path], timeout: 120)
        XCTAssertEqual(built.status, 0, built.stderr)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-kustomize-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data(built.stdout.utf8).write(to: scratch)
        let documents = try XCTUnwrap(try loadYAML([scratch.path])[scratch.path])
        let manifests = try loadManifests()
        let expected = Self.manifestNames.compactMap { manifests.documents[$0]?.first }.map(Self.kindAndName)
        XCTAssertEqual(Set(documents.map(Self.kindAndName)), Set(expected))
    }

    // MARK: - The manifests against the config

    func testTheConfigMapEmbedsGatewayJSONByteForByte() throws {
        let manifests = try loadManifests()
        let source = try String(contentsOf: Self.configFile, encoding: .utf8)
        let data = try XCTUnwrap(manifests.configMap["data"] as? [String: Any])
        let embedded = try XCTUnwrap(data["gateway.json"] as? String, "configmap.yaml has no data.\"gateway.json\"")
        if Array(embedded.utf8) != Array(source.utf8) {
            let embeddedLines = embedded.components(separatedBy: "\n"), sourceLines = source.components(separatedBy: "\n")
            let common = min(embeddedLines.count, sourceLines.count)
            let line = (0..<common).first { embeddedLines[$0] != sourceLines[$0] } ?? common
            XCTFail("""
                configmap.yaml's gateway.json differs from deploy/kubernetes/gateway.json (copy the file into the \
                ConfigMap), first at line \(line + 1): \
                \(line < embeddedLines.count ? embeddedLines[line].debugDescription : "end of text") in the ConfigMap, \
                \(line < sourceLines.count ? sourceLines[line].debugDescription : "end of text") in the file
                """)
        }
        XCTAssertEqual(Array(data.keys), ["gateway.json"])
    }

    func testTheContainerRunsTheMountedConfigWithWatch() throws {
        let manifests = try loadManifests()
        let container = try manifests.container()
        let args = try XCTUnwrap(container["args"] as? [String])
        XCTAssertEqual(args.first, "serve")
        XCTAssertTrue(args.contains("--watch"), "\(args)")
        let configPath = try XCTUnwrap(Self.option("--config", in: args), "\(args)")
        let configDirectory = (configPath as NSString).deletingLastPathComponent
        let configKey = (configPath as NSString).lastPathComponent

        let mounts = try XCTUnwrap(container["volumeMounts"] as? [[String: Any]])
        let mount = try XCTUnwrap(mounts.first { $0["mountPath"] as? String == configDirectory },
                                  "nothing mounted at \(configDirectory)")
        XCTAssertEqual(mount["readOnly"] as? Bool, true)
        XCTAssertNil(mount["subPath"], "a subPath mount never sees ConfigMap updates: --watch would reload nothing")
        let volumes = try XCTUnwrap(manifests.podSpec["volumes"] as? [[String: Any]])
        let volume = try XCTUnwrap(volumes.first { $0["name"] as? String == mount["name"] as? String })
        let source = try XCTUnwrap(volume["configMap"] as? [String: Any], "the config volume is not a ConfigMap")
        XCTAssertEqual(source["name"] as? String, Self.name(of: manifests.configMap))
        XCTAssertNil(source["items"], "all keys, under their own names")
        XCTAssertNotNil((manifests.configMap["data"] as? [String: Any])?[configKey], "the ConfigMap has no \(configKey)")
        XCTAssertEqual(configPath, "/etc/scopegate/gateway.json")
    }

    func testPortsProbesAndAnnotationsMatchTheConfig() throws {
        let manifests = try loadManifests()
        let config = try Self.gatewayConfig()
        let container = try manifests.container()
        let args = container["args"] as? [String] ?? []
        let listen = config["listen"] as? [String: Any] ?? [:]
        let admin = try XCTUnwrap(config["admin"] as? [String: Any], "gateway.json must enable the admin listener (probes, metrics)")
        let publicPort = Self.option("--port", in: args).flatMap { Int($0) } ?? listen["port"] as? Int ?? 8080
        let adminPort = Self.option("--admin-port", in: args).flatMap { Int($0) } ?? admin["port"] as? Int ?? 9901
        let publicHost = Self.option("--host", in: args) ?? listen["host"] as? String ?? "127.0.0.1"
        let adminHost = Self.option("--admin-host", in: args) ?? admin["host"] as? String ?? "127.0.0.1"
        XCTAssertTrue(["0.0.0.0", "::"].contains(publicHost), "listen.host \(publicHost): the Service cannot reach the pod")
        XCTAssertTrue(["0.0.0.0", "::"].contains(adminHost), "admin.host \(adminHost): the kubelet cannot probe the pod")
        XCTAssertNotEqual(publicPort, adminPort)

        let ports = try XCTUnwrap(container["ports"] as? [[String: Any]])
        XCTAssertEqual(Set(ports.compactMap { $0["containerPort"] as? Int }), [publicPort, adminPort])
        XCTAssertEqual(Self.resolve("http", in: container), publicPort)
        XCTAssertEqual(Self.resolve("admin", in: container), adminPort)

        for (probe, path) in [("livenessProbe", "/livez"), ("readinessProbe", "/readyz"), ("startupProbe", nil)] {
            guard let definition = container[probe] as? [String: Any] else {
                XCTAssertNil(path, "no \(probe)")
                continue
            }
            let httpGet = try XCTUnwrap(definition["httpGet"] as? [String: Any], "\(probe) is not an httpGet")
            XCTAssertEqual(Self.resolve(httpGet["port"], in: container), adminPort, "\(probe) is not on the admin port")
            if let path {
                XCTAssertEqual(httpGet["path"] as? String, path, probe)
            } else {
                XCTAssertTrue(["/livez", "/readyz"].contains(httpGet["path"] as? String ?? ""), "\(probe)")
            }
        }

        let annotations = try XCTUnwrap(manifests.podTemplateMetadata["annotations"] as? [String: Any])
        XCTAssertEqual(annotations["prometheus.io/scrape"] as? String, "true")
        XCTAssertEqual(annotations["prometheus.io/port"] as? String, String(adminPort))
        XCTAssertEqual(annotations["prometheus.io/path"] as? String, "/metrics")
    }

    func testTheServiceTargetsThePublicPortOnly() throws {
        let manifests = try loadManifests()
        let config = try Self.gatewayConfig()
        let container = try manifests.container()
        let publicPort = (config["listen"] as? [String: Any])?["port"] as? Int ?? 8080
        let service = manifests.service
        let spec = try XCTUnwrap(service["spec"] as? [String: Any])
        XCTAssertEqual(spec["type"] as? String ?? "ClusterIP", "ClusterIP")
        let ports = try XCTUnwrap(spec["ports"] as? [[String: Any]])
        XCTAssertEqual(ports.count, 1, "only the public port: the admin listener stays off the Service")
        XCTAssertEqual(ports.first?["port"] as? Int, 80)
        XCTAssertEqual(Self.resolve(ports.first?["targetPort"], in: container), publicPort)
        let selector = try XCTUnwrap(spec["selector"] as? [String: String])
        XCTAssertTrue(Self.selects(selector, manifests.podLabels), "the Service selects no gateway pod")
    }

    func testTerminationGraceCoversTheDrain() throws {
        let manifests = try loadManifests()
        let shutdown = try Self.gatewayConfig()["shutdown"] as? [String: Any] ?? [:]
        let drain = shutdown["drain_delay_ms"] as? Int ?? 5000
        let grace = shutdown["grace_ms"] as? Int ?? 20000
        let period = try XCTUnwrap(manifests.podSpec["terminationGracePeriodSeconds"] as? Int)
        let needed = (drain + grace + 999) / 1000 + 1
        XCTAssertGreaterThanOrEqual(period, needed,
                                    "terminationGracePeriodSeconds \(period) < drain \(drain) ms + grace \(grace) ms + 1 s")
        XCTAssertEqual(period, 30)
    }

    // MARK: - The manifests against each other

    func testSelectorsAutoscalerAndDisruptionBudgetAgree() throws {
        let manifests = try loadManifests()
        let deploymentSpec = try XCTUnwrap(manifests.deployment["spec"] as? [String: Any])
        let selector = try XCTUnwrap((deploymentSpec["selector"] as? [String: Any])?["matchLabels"] as? [String: String])
        XCTAssertTrue(Self.selects(selector, manifests.podLabels), "the Deployment's selector misses its own pods")
        let replicas = try XCTUnwrap(deploymentSpec["replicas"] as? Int)
        XCTAssertEqual(replicas, 3)

        let hpa = try XCTUnwrap(manifests.autoscaler["spec"] as? [String: Any])
        XCTAssertEqual(manifests.autoscaler["apiVersion"] as? String, "autoscaling/v2")
        let target = try XCTUnwrap(hpa["scaleTargetRef"] as? [String: Any])
        XCTAssertEqual(target["kind"] as? String, "Deployment")
        XCTAssertEqual(target["apiVersion"] as? String, manifests.deployment["apiVersion"] as? String)
        XCTAssertEqual(target["name"] as? String, Self.name(of: manifests.deployment))
        XCTAssertEqual(hpa["minReplicas"] as? Int, 3)
        XCTAssertEqual(hpa["maxReplicas"] as? Int, 20)
        XCTAssertTrue((hpa["minReplicas"] as? Int ?? 0)...(hpa["maxReplicas"] as? Int ?? 0) ~= replicas)
        let metrics = try XCTUnwrap(hpa["metrics"] as? [[String: Any]])
        let cpu = try XCTUnwrap(metrics.compactMap { $0["resource"] as? [String: Any] }.first { $0["name"] as? String == "cpu" })
        XCTAssertEqual((cpu["target"] as? [String: Any])?["averageUtilization"] as? Int, 70)
        // Utilization is measured against the request: without one the autoscaler cannot work.
        let resources = try XCTUnwrap(try manifests.container()["resources"] as? [String: Any])
        XCTAssertNotNil((resources["requests"] as? [String: Any])?["cpu"])
        XCTAssertNotNil((resources["limits"] as? [String: Any])?["memory"])

        let pdb = try XCTUnwrap(manifests.disruptionBudget["spec"] as? [String: Any])
        XCTAssertEqual(manifests.disruptionBudget["apiVersion"] as? String, "policy/v1")
        XCTAssertEqual(pdb["maxUnavailable"] as? Int, 1)
        let pdbSelector = try XCTUnwrap((pdb["selector"] as? [String: Any])?["matchLabels"] as? [String: String])
        XCTAssertEqual(pdbSelector, selector)

        let spread = manifests.podSpec["topologySpreadConstraints"] as? [[String: Any]] ?? []
        let acrossNodes = spread.contains { constraint in
            constraint["topologyKey"] as? String == "kubernetes.io/hostname"
                && Self.selects((constraint["labelSelector"] as? [String: Any])?["matchLabels"] as? [String: String] ?? [:],
                                manifests.podLabels)
        }
        XCTAssertTrue(acrossNodes || (manifests.podSpec["affinity"] as? [String: Any])?["podAntiAffinity"] != nil,
                      "no spread of the replicas across nodes")
    }

    func testThePodIsLockedDown() throws {
        let manifests = try loadManifests()
        let container = try manifests.container()
        let context = try XCTUnwrap(container["securityContext"] as? [String: Any])
        let pod = manifests.podSpec["securityContext"] as? [String: Any] ?? [:]
        func setting(_ key: String) -> Any? { context[key] ?? pod[key] }
        XCTAssertEqual(setting("runAsNonRoot") as? Bool, true)
        XCTAssertEqual(setting("runAsUser") as? Int, 10001)
        XCTAssertEqual(context["readOnlyRootFilesystem"] as? Bool, true)
        XCTAssertEqual(context["allowPrivilegeEscalation"] as? Bool, false)
        XCTAssertEqual((context["capabilities"] as? [String: Any])?["drop"] as? [String], ["ALL"])
        XCTAssertEqual((setting("seccompProfile") as? [String: Any])?["type"] as? String, "RuntimeDefault")
        XCTAssertEqual(container["image"] as? String, "scopegate:latest")
    }

    /// The image the Deployment runs (built from `Dockerfile`) agrees with the pod: its user is
    /// the pod's `runAsUser`, it exposes both ports, its health check asks the admin `/livez`, its
    /// default config path is the one the Deployment mounts, and it ships no config there.
    func testTheImageAgreesWithThePod() throws {
        let manifests = try loadManifests()
        let dockerfile = try String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let lines = dockerfile.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
        let container = try manifests.container()
        let runAsUser = (container["securityContext"] as? [String: Any])?["runAsUser"] as? Int ?? 0
        XCTAssertTrue(lines.contains { $0.hasPrefix("USER \(runAsUser)") }, "the image's USER is not uid \(runAsUser)")
        let exposed = lines.filter { $0.hasPrefix("EXPOSE ") }.flatMap { $0.split(separator: " ").dropFirst() }.map(String.init)
        XCTAssertEqual(Set(exposed), ["8080", "9901"])
        XCTAssertTrue(lines.joined(separator: "\n").contains("curl -fsS http://127.0.0.1:9901/livez"),
                      "HEALTHCHECK is not the admin /livez")
        XCTAssertTrue(lines.contains("ENTRYPOINT [\"scopegate\"]"), "args assume the ENTRYPOINT is scopegate")
        let args = container["args"] as? [String] ?? []
        let configPath = try XCTUnwrap(Self.option("--config", in: args))
        XCTAssertTrue(lines.contains { $0.hasPrefix("CMD ") && $0.contains("\"--config\", \"\(configPath)\"") })
        XCTAssertFalse(lines.contains { $0.hasPrefix("COPY") && $0.hasSuffix(" \(configPath)") },
                       "the image must not ship a default config at \(configPath)")
    }

    // MARK: - The config against the gateway

    func testScopegateCheckAcceptsTheConfig() throws {
        let result = try ScopeGateBinary.run(["check", "--config", Self.configFile.path])
        XCTAssertEqual(result.status, 0, "scopegate check:\n\(result.stdout)\(result.stderr)")
        XCTAssertTrue(result.stdout.contains("OK"), result.stdout)
    }
}

// MARK: - Reading the manifests

extension KubernetesManifestTests {
    /// Every YAML file of `deploy/kubernetes/`, parsed; the five resources by kind.
    struct Manifests {
        var documents: [String: [[String: Any]]]

        func resource(_ file: String, kind: String) throws -> [String: Any] {
            let document = try XCTUnwrap(documents[file]?.first, "\(file) is missing or empty")
            XCTAssertEqual(document["kind"] as? String, kind, file)
            return document
        }
        var deployment: [String: Any] { (try? resource("deployment.yaml", kind: "Deployment")) ?? [:] }
        var service: [String: Any] { (try? resource("service.yaml", kind: "Service")) ?? [:] }
        var configMap: [String: Any] { (try? resource("configmap.yaml", kind: "ConfigMap")) ?? [:] }
        var autoscaler: [String: Any] { (try? resource("horizontalpodautoscaler.yaml", kind: "HorizontalPodAutoscaler")) ?? [:] }
        var disruptionBudget: [String: Any] { (try? resource("poddisruptionbudget.yaml", kind: "PodDisruptionBudget")) ?? [:] }

        var podTemplate: [String: Any] { (deployment["spec"] as? [String: Any])?["template"] as? [String: Any] ?? [:] }
        var podTemplateMetadata: [String: Any] { podTemplate["metadata"] as? [String: Any] ?? [:] }
        var podLabels: [String: String] { podTemplateMetadata["labels"] as? [String: String] ?? [:] }
        var podSpec: [String: Any] { podTemplate["spec"] as? [String: Any] ?? [:] }

        /// The gateway container (the only one).
        func container() throws -> [String: Any] {
            let containers = try XCTUnwrap(podSpec["containers"] as? [[String: Any]], "the Deployment has no containers")
            XCTAssertEqual(containers.count, 1)
            return try XCTUnwrap(containers.first)
        }
    }

    func loadManifests() throws -> Manifests {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
        let parsed = try loadYAML(names.map { Self.directory.appendingPathComponent($0).path })
        var documents: [String: [[String: Any]]] = [:]
        for (path, list) in parsed { documents[(path as NSString).lastPathComponent] = list }
        return Manifests(documents: documents)
    }

    /// YAML files as JSON, through PyYAML's `safe_load_all` (empty documents dropped).
    func loadYAML(_ paths: [String]) throws -> [String: [[String: Any]]] {
        guard try requirePython(["-c", "import yaml"], what: "PyYAML") else { throw Shell.Failure("PyYAML is missing") }
        let script = """
            import json, sys, yaml
            out = {}
            for path in sys.argv[1:]:
                with open(path, encoding="utf-8") as f:
                    out[path] = [d for d in yaml.safe_load_all(f) if d is not None]
            json.dump(out, sys.stdout, default=str)
            """
        let result = try Shell.python(["-c", script] + paths)
        guard result.status == 0 else {
            XCTFail("PyYAML could not read \(paths):\n\(result.stderr)")
            return [:]
        }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try XCTUnwrap(object as? [String: [[String: Any]]], "not a list of objects per file: \(result.stdout.prefix(300))")
    }

    static func gatewayConfig() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: configFile))
        return try XCTUnwrap(object as? [String: Any])
    }

    static func name(of resource: [String: Any]) -> String? {
        (resource["metadata"] as? [String: Any])?["name"] as? String
    }

    static func kindAndName(_ resource: [String: Any]) -> String {
        "\(resource["kind"] as? String ?? "?")/\(name(of: resource) ?? "?")"
    }

    /// The value after `option` in `args` (`--config PATH` or `--config=PATH`).
    static func option(_ option: String, in args: [String]) -> String? {
        for (index, argument) in args.enumerated() {
            if argument == option, index + 1 < args.count { return args[index + 1] }
            if argument.hasPrefix(option + "=") { return String(argument.dropFirst(option.count + 1)) }
        }
        return nil
    }

    /// A port given by number or by the name of one of the container's ports.
    static func resolve(_ port: Any?, in container: [String: Any]) -> Int? {
        if let number = port as? Int { return number }
        guard let name = port as? String else { return nil }
        let ports = container["ports"] as? [[String: Any]] ?? []
        return ports.first { $0["name"] as? String == name }?["containerPort"] as? Int
    }

    /// A non-empty label selector that these labels match.
    static func selects(_ selector: [String: String], _ labels: [String: String]) -> Bool {
        !selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }
    }

    /// `true` when `python3 ARGS` succeeds. Otherwise: skipped without `CI`, a failure with it
    /// (then `false`: the caller returns).
    func requirePython(_ arguments: [String], what: String) throws -> Bool {
        let result = try Shell.python(arguments)
        if result.status == 0 { return true }
        let message = "python3 \(arguments.joined(separator: " ")) failed (\(what) is needed; .ci/run installs it): \(result.stderr)"
        if ProcessInfo.processInfo.environment["CI"] == nil { throw XCTSkip(message) }
        XCTFail(message)
        return false
    }
}

// MARK: - The validator and processes

/// One run of `python3 -m kubernetes_validate --strict [-k VERSION] FILE...`, read line by line.
/// A file passes when the validator says so (`INFO FILE passed for resource ...`); any `ERROR`,
/// `WARN` (a kind or apiVersion it has no schema for, which it lets through with exit 0) or
/// `FATAL` line is a problem.
private struct Validator {
    var status: Int32
    var output: String
    var passed: [String]
    var problems: [String]

    static func run(_ files: [String], version: String?) throws -> Validator {
        var arguments = ["-m", "kubernetes_validate", "--strict"]
        if let version { arguments += ["--kubernetes-version", version] }
        let result = try Shell.python(arguments + files)
        let output = result.stdout + result.stderr
        var passed: [String] = []
        var problems: [String] = []
        for line in output.split(separator: "\n").map(String.init) {
            if line.hasPrefix("INFO "), let file = files.first(where: { line.hasPrefix("INFO \($0) passed for resource ") }) {
                passed.append(file)
            } else if ["ERROR", "WARN", "FATAL"].contains(where: { line.hasPrefix($0) }) {
                problems.append(line)
            }
        }
        return Validator(status: result.status, output: output, passed: passed, problems: problems)
    }
}

private enum Shell {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func python(_ arguments: [String]) throws -> Result {
        try run("/usr/bin/env", ["python3"] + arguments, timeout: 120)
    }

    static func which(_ command: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(command)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a command to completion, its output in files (no pipe to fill), bounded by `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval) throws -> Result {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("scopegate-k8s-run-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            _ = finished.wait(timeout: .now() + 5)
            XCTFail("\(executable) \(arguments.prefix(3)) did not finish in \(timeout) s")
        }
        return Result(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}
