import Foundation

extension BackendConfig {
    static func decodeAll(_ value: JSONValue?, reader: inout ConfigReader) -> [String: BackendConfig]? {
        guard let value else {
            reader.fail("backends", "is required: an object of named backends, e.g. {\"calendar\": {\"url\": \"http://127.0.0.1:9101\"}}")
            return nil
        }
        guard let members = reader.object(value, at: "backends") else { return nil }
        if members.isEmpty { reader.fail("backends", "must define at least one backend") }
        var result: [String: BackendConfig] = [:]
        var ok = true
        for name in members.keys.sorted() {
            if let backend = decode(name: name, members[name]!, reader: &reader) {
                result[name] = backend
            } else {
                ok = false
            }
        }
        return ok ? result : nil
    }

    private static func decode(name: String, _ value: JSONValue, reader: inout ConfigReader) -> BackendConfig? {
        let path = ConfigReader.join("backends", name)
        guard let members = reader.object(value, at: path) else { return nil }
        reader.rejectUnknownKeys(members, known: ["url", "connect_timeout_ms", "timeout_ms", "response_header_timeout_ms", "idle_timeout_ms"], at: path)
        let url = reader.string(members, "url", at: path, required: true)
        let connect = reader.integer(members, "connect_timeout_ms", at: path, in: 1...600_000, default: 2000)
        let total = reader.integer(members, "timeout_ms", at: path, in: 0...86_400_000, default: 30000)
        let head = reader.integer(members, "response_header_timeout_ms", at: path, in: 0...86_400_000, default: 30000)
        let idle = reader.integer(members, "idle_timeout_ms", at: path, in: 0...86_400_000, default: 60000)
        guard let url else { return nil }
        guard let normalized = normalizeURL(url, at: ConfigReader.join(path, "url"), reader: &reader) else { return nil }
        return BackendConfig(name: name, url: normalized, connectTimeoutMilliseconds: connect, timeoutMilliseconds: total,
                             responseHeaderTimeoutMilliseconds: head, idleTimeoutMilliseconds: idle)
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
