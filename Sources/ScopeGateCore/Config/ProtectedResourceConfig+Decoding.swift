extension ProtectedResourceConfig {
    static let keys: Set<String> = [
        "resource", "resource_name", "resource_documentation", "resource_policy_uri", "resource_tos_uri",
        "scopes_supported", "authorization_servers",
    ]

    /// `protected_resource`: an object with `resource`, or `null`/absent for none.
    static func decode(_ value: JSONValue?, reader: inout ConfigReader) -> ProtectedResourceConfig? {
        let path = "protected_resource"
        guard let value, value != .null, let members = reader.object(value, at: path) else { return nil }
        reader.rejectUnknownKeys(members, known: keys, at: path)
        var resource: ResourceIdentifier?
        if let text = reader.string(members, "resource", at: path, required: true) {
            switch ResourceIdentifier.parse(text) {
            case .success(let parsed): resource = parsed
            case .failure(let error): reader.fail("\(path).resource", error.description)
            }
        }
        let name = reader.string(members, "resource_name", at: path, required: false)
        var links: [String: String] = [:]
        for key in ["resource_documentation", "resource_policy_uri", "resource_tos_uri"] {
            guard let url = reader.string(members, key, at: path, required: false) else { continue }
            if let problem = Self.urlProblem(url) {
                reader.fail("\(path).\(key)", problem)
            } else {
                links[key] = url
            }
        }
        let scopes = members["scopes_supported"].flatMap { decodeScopes($0, at: "\(path).scopes_supported", reader: &reader) }
        let servers = members["authorization_servers"].flatMap {
            decodeServers($0, at: "\(path).authorization_servers", reader: &reader)
        }
        guard let resource else { return nil }
        return ProtectedResourceConfig(
            resource: resource, resourceName: name, resourceDocumentation: links["resource_documentation"],
            resourcePolicyURI: links["resource_policy_uri"], resourceTOSURI: links["resource_tos_uri"],
            scopesSupported: scopes, authorizationServers: servers)
    }

    /// `scopes_supported`: scope tokens, unique (may be empty: no scopes are advertised).
    private static func decodeScopes(_ value: JSONValue, at path: String, reader: inout ConfigReader) -> [String]? {
        guard let list = reader.stringArray(value, at: path) else { return nil }
        var seen: [String: Int] = [:]
        var ok = true
        for (index, scope) in list.enumerated() {
            if !ScopeToken.isValid(scope.utf8) {
                reader.fail("\(path)[\(index)]", "\"\(scope)\" is not a scope token (RFC 6749 §3.3: printable ASCII, no spaces, quotes or backslashes)")
                ok = false
            } else if let first = seen[scope] {
                reader.fail("\(path)[\(index)]", "\"\(scope)\" is already \(path)[\(first)]")
                ok = false
            } else {
                seen[scope] = index
            }
        }
        return ok ? list : nil
    }

    /// `authorization_servers`: issuer identifiers (absolute http(s) URLs), unique, at least one.
    private static func decodeServers(_ value: JSONValue, at path: String, reader: inout ConfigReader) -> [String]? {
        guard let list = reader.stringArray(value, at: path) else { return nil }
        if list.isEmpty {
            reader.fail(path, "must list at least one authorization server (leave it out for the configured issuers)")
            return nil
        }
        var seen: [String: Int] = [:]
        var ok = true
        for (index, server) in list.enumerated() {
            if let problem = urlProblem(server) {
                reader.fail("\(path)[\(index)]", problem)
                ok = false
            } else if let first = seen[server] {
                reader.fail("\(path)[\(index)]", "\"\(server)\" is already \(path)[\(first)]")
                ok = false
            } else {
                seen[server] = index
            }
        }
        return ok ? list : nil
    }

    /// Why `url` is not an absolute `http`/`https` URL of printable ASCII with a host, or `nil`.
    static func urlProblem(_ url: String) -> String? {
        let rest: Substring
        if url.hasPrefix("https://") { rest = url.dropFirst(8) }
        else if url.hasPrefix("http://") { rest = url.dropFirst(7) }
        else { return "\"\(url)\" must be an absolute http or https URL (lower-case scheme)" }
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else {
            return "\"\(url)\" must be printable ASCII without spaces, quotes or backslashes (percent-encode the rest)"
        }
        guard let first = rest.first, first != "/", first != "?", first != "#" else { return "\"\(url)\" has no host" }
        return nil
    }
}
