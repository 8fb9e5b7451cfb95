import Foundation

extension BackendConfig {
    static func decodeAll(_ value: JSONValue?, reader: inout ConfigReader, baseDirectory: String? = nil) -> [String: BackendConfig]? {
        guard let value else {
            reader.fail("backends", "is required: an object of named backends, e.g. {\"calendar\": {\"url\": \"http://127.0.0.1:9101\"}}")
            return nil
        }
        guard let members = reader.object(value, at: "backends") else { return nil }
        if members.isEmpty { reader.fail("backends", "must define at least one backend") }
        var result: [String: BackendConfig] = [:]
        var ok = true
        for name in members.keys.sorted() {
            if let backend = decode(name: name, members[name]!, reader: &reader, baseDirectory: baseDirectory) {
                result[name] = backend
            } else {
                ok = false
            }
        }
        return ok ? result : nil
    }

    private static let knownKeys: Set<String> = [
        "url", "urls", "balance", "eject_after_failures", "eject_seconds", "retries", "tls", "http2",
        "connect_timeout_ms", "timeout_ms", "response_header_timeout_ms", "idle_timeout_ms",
    ]

    private static func decode(name: String, _ value: JSONValue, reader: inout ConfigReader, baseDirectory: String?) -> BackendConfig? {
        let path = ConfigReader.join("backends", name)
        guard let members = reader.object(value, at: path) else { return nil }
        reader.rejectUnknownKeys(members, known: knownKeys, at: path)
        let instances = decodeInstances(members, at: path, reader: &reader)
        let balance = decodeBalance(members["balance"], at: ConfigReader.join(path, "balance"), reader: &reader)
        let ejectAfter = reader.integer(members, "eject_after_failures", at: path, in: 1...100, default: 3)
        let ejectSeconds = reader.integer(members, "eject_seconds", at: path, in: 1...86_400, default: 10)
        let retries = reader.integer(members, "retries", at: path, in: 0...10, default: 1)
        let http2 = reader.bool(members, "http2", at: path, default: false)
        let tls = members["tls"].flatMap {
            BackendTLSConfig.decode($0, at: ConfigReader.join(path, "tls"), reader: &reader, baseDirectory: baseDirectory)
        }
        let connect = reader.integer(members, "connect_timeout_ms", at: path, in: 1...600_000, default: 2000)
        let total = reader.integer(members, "timeout_ms", at: path, in: 0...86_400_000, default: 30000)
        let head = reader.integer(members, "response_header_timeout_ms", at: path, in: 0...86_400_000, default: 30000)
        let idle = reader.integer(members, "idle_timeout_ms", at: path, in: 0...86_400_000, default: 60000)
        guard let instances, let balance else { return nil }
        if members["tls"] != nil, tls == nil { return nil }
        var backend = BackendConfig(name: name, instances: instances, balance: balance, ejectAfterFailures: ejectAfter,
                                    ejectSeconds: ejectSeconds, retries: retries, tls: tls,
                                    connectTimeoutMilliseconds: connect, timeoutMilliseconds: total,
                                    responseHeaderTimeoutMilliseconds: head, idleTimeoutMilliseconds: idle)
        backend.http2 = http2
        return backend
    }

    /// `url` (one instance) or `urls` (a non-empty array), exactly one of them; every URL
    /// normalised, all with one scheme (a backend is plain HTTP or TLS, never a mix).
    private static func decodeInstances(_ members: [String: JSONValue], at path: String, reader: inout ConfigReader) -> [String]? {
        switch (members["url"], members["urls"]) {
        case (nil, nil):
            reader.fail(ConfigReader.join(path, "url"), "is required (or \"urls\": [\"http://10.0.0.1:8080\", \"http://10.0.0.2:8080\"])")
            return nil
        case (.some, .some):
            reader.fail(path, "has both \"url\" and \"urls\"; keep one of them")
            return nil
        case (.some, nil):
            guard let url = reader.string(members, "url", at: path, required: true) else { return nil }
            return normalizeURL(url, at: ConfigReader.join(path, "url"), reader: &reader).map { [$0] }
        case (nil, .some(let list)):
            let listPath = ConfigReader.join(path, "urls")
            guard let texts = reader.stringArray(list, at: listPath) else { return nil }
            if texts.isEmpty {
                reader.fail(listPath, "must list at least one URL")
                return nil
            }
            var result: [String] = []
            for (index, text) in texts.enumerated() {
                if let url = normalizeURL(text, at: "\(listPath)[\(index)]", reader: &reader) { result.append(url) }
            }
            guard result.count == texts.count else { return nil }
            let schemes = Set(result.map { $0.prefix { $0 != ":" } })
            if schemes.count > 1 {
                reader.fail(listPath, "mixes http and https; every instance of one backend must use the same scheme")
                return nil
            }
            if Set(result).count != result.count {
                reader.fail(listPath, "lists an instance twice")
                return nil
            }
            return result
        }
    }

    private static func decodeBalance(_ value: JSONValue?, at path: String, reader: inout ConfigReader) -> BalanceStrategy? {
        guard let value else { return .roundRobin }
        let names = BalanceStrategy.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
        guard case .string(let text) = value, let strategy = BalanceStrategy(rawValue: text) else {
            reader.fail(path, "must be \(names), found \(ConfigReader.render(value))")
            return nil
        }
        return strategy
    }

    /// Accepts `http(s)://host[:port]` with an optional trailing `/`; returns it without the slash.
    private static func normalizeURL(_ text: String, at path: String, reader: inout ConfigReader) -> String? {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else {
            reader.fail(path, "must be an absolute http:// or https:// URL, found \"\(text)\"")
            return nil
        }
        if components.user != nil || components.password != nil {
            reader.fail(path, "must not contain credentials")
            return nil
        }
        if !(components.path.isEmpty || components.path == "/") || components.query != nil || components.fragment != nil {
            reader.fail(path, "must be scheme://host[:port] only: the request path is forwarded as is, found \"\(text)\"")
            return nil
        }
        if let port = components.port, !(1...65535).contains(port) {
            reader.fail(path, "port must be 1...65535")
            return nil
        }
        var normalized = "\(scheme)://\(components.percentEncodedHost ?? host)"
        if let port = components.port { normalized += ":\(port)" }
        return normalized
    }
}
