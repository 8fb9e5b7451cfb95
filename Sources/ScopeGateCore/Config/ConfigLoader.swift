import Foundation

/// Loads and validates `gateway.json`.
///
/// Decoding and validation are one pass that collects every problem, each with its
/// JSON path (`routes[2].backend: "billing" is not a defined backend`), and throws
/// them together as a ``ConfigError``. Relative file paths in the config (`api.jwks.file`,
/// `log.denials.file`) are resolved against the config file's directory.
public enum ConfigLoader {
    /// Reads and validates the config file at `path`.
    /// - Throws: ``ConfigError`` listing every problem (an unreadable file is one problem at `$`).
    public static func load(fileAt path: String) throws -> GatewayConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, problems: [ConfigProblem(path: "$", message: "cannot read file \(path)")])
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            return try decode(data, baseDirectory: directory)
        } catch var error as ConfigError {
            error.file = path
            throw error
        }
    }

    /// Validates config JSON bytes. Relative paths are resolved against `baseDirectory` when given.
    /// - Throws: ``ConfigError`` listing every problem.
    public static func decode(_ data: Data, baseDirectory: String? = nil) throws -> GatewayConfig {
        // The strict parser rejects duplicate member names (a silent override is a classic
        // config mistake); Foundation's parser, run only on failure, says where the syntax breaks.
        guard let document = JSONParser.parse(Array(data)) else {
            let message: String
            do {
                _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
                message = "a member name appears twice in one object, or the document nests too deeply"
            } catch {
                message = "not valid JSON (\(Self.describe(error)))"
            }
            throw ConfigError(problems: [ConfigProblem(path: "$", message: message)])
        }
        var reader = ConfigReader()
        let config = decodeDocument(document, reader: &reader, baseDirectory: baseDirectory)
        guard reader.problems.isEmpty, let config else {
            throw ConfigError(problems: reader.problems)
        }
        return config
    }

    /// `$schema` names the JSON Schema the file follows (editors read it); it is accepted and ignored.
    private static let topLevelKeys: Set<String> = ["$schema", "listen", "api", "backends", "routes", "limits", "log",
                                                     "upstream", "forwarding", "shutdown", "admin", "cors", "lint",
                                                     "protected_resource"]

    private static func decodeDocument(
        _ document: JSONValue, reader: inout ConfigReader, baseDirectory: String?
    ) -> GatewayConfig? {
        guard let root = reader.object(document, at: "$") else { return nil }
        reader.rejectUnknownKeys(root, known: topLevelKeys, at: "$")

        let listener = ListenerConfig.decode(root["listen"], reader: &reader)
        let api = APIConfig.decode(root["api"], reader: &reader, baseDirectory: baseDirectory)
        let backends = BackendConfig.decodeAll(root["backends"], reader: &reader, baseDirectory: baseDirectory)
        // Routes are checked against every declared backend name, even one whose own
        // definition has problems, so that each mistake is reported once, where it is.
        var declaredBackends: Set<String>?
        if case .object(let members)? = root["backends"] { declaredBackends = Set(members.keys) }
        var cors: CORSConfig?
        if let value = root["cors"], value != .null { cors = CORSConfig.decode(value, at: "cors", base: nil, reader: &reader) }
        let routes = RouteConfig.decodeAll(root["routes"], backends: declaredBackends, cors: cors, reader: &reader)
        let limits = LimitsConfig.decode(root["limits"], reader: &reader)
        let log = LogConfig.decode(root["log"], reader: &reader, baseDirectory: baseDirectory)
        let upstream = UpstreamEngineConfig.decode(root["upstream"], reader: &reader)
        let forwarding = ForwardingConfig.decode(root["forwarding"], reader: &reader)
        let shutdown = ShutdownConfig.decode(root["shutdown"], reader: &reader)
        let admin = AdminConfig.decode(root["admin"], reader: &reader)
        let lint = LintConfig.decode(root["lint"], reader: &reader)
        let protectedResource = ProtectedResourceConfig.decode(root["protected_resource"], reader: &reader)
        if let schema = root["$schema"], case .string = schema {} else if let schema = root["$schema"] {
            reader.fail("$schema", "must be a string (the URI of the JSON Schema), found \(schema.typeDescription)")
        }
        if let admin, admin.clashes(with: listener) {
            reader.fail("admin.port", "\(admin.port) is also listen.port (on \(admin.host) and \(listener.host)): the admin listener needs its own port")
        }

        if let healthPath = listener.healthPath, let routes, routes.contains(where: { $0.prefix == healthPath }) {
            reader.fail("listen.health_path", "\"\(healthPath)\" is also a route prefix; the health answer would hide the route (pick another path, or null)")
        } else if let healthPath = listener.healthPath, let routes,
                  let route = routes.first(where: { Self.templateIsExactly($0.prefix, healthPath) }) {
            reader.fail("listen.health_path", "\"\(healthPath)\" is a path of the templated route prefix \"\(route.prefix)\"; the health answer would hide it (pick another path, or null)")
        }
        if let healthPath = listener.healthPath, healthPath == protectedResource?.resource.metadataPath {
            reader.fail("listen.health_path", "\"\(healthPath)\" is the protected resource metadata path (protected_resource.resource); pick another path, or null")
        }
        guard let api, let backends, let routes else { return nil }
        var config = GatewayConfig(
            listener: listener, api: api, backends: backends, routes: routes,
            limits: limits, log: log, upstream: upstream, forwarding: forwarding,
            shutdown: shutdown, admin: admin
        )
        config.cors = cors
        config.lint = lint
        config.protectedResource = protectedResource
        config.warnings = reader.warnings
        return config
    }

    /// Resolves a config-relative path.
    static func resolve(_ path: String, against baseDirectory: String?) -> String {
        guard !path.hasPrefix("/"), let baseDirectory, !baseDirectory.isEmpty else { return path }
        return URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardizedFileURL.path
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }

    /// Whether the templated `prefix` matches `path` with exactly its own segments (the path is
    /// the route's own path, not one below it): `/{tenant}` and `/healthz`.
    private static func templateIsExactly(_ prefix: String, _ path: String) -> Bool {
        let template = PathTemplate(prefix)
        return template.hasVariables && template.segments.count == PathTemplate(path).segments.count && template.matches(path: path)
    }
}
