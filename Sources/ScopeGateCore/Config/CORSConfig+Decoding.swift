extension CORSConfig {
    static let keys: Set<String> = [
        "allowed_origins", "allowed_methods", "allowed_headers", "exposed_headers", "max_age_seconds", "allow_credentials",
    ]

    /// Decodes a `cors` object at `path`; members it lacks come from `base` (the API-wide
    /// `cors` under a route), else the defaults. `nil` with problems recorded.
    static func decode(_ value: JSONValue, at path: String, base: CORSConfig?, reader: inout ConfigReader) -> CORSConfig? {
        guard let members = reader.object(value, at: path) else { return nil }
        reader.rejectUnknownKeys(members, known: keys, at: path)
        var ok = true
        var origins = base?.allowedOrigins
        if let list = members["allowed_origins"] {
            let originsPath = ConfigReader.join(path, "allowed_origins")
            if let texts = reader.stringArray(list, at: originsPath) {
                if texts.isEmpty { reader.fail(originsPath, "must list at least one origin"); ok = false }
                var parsed: [OriginPattern] = []
                for (index, text) in texts.enumerated() {
                    switch OriginPattern.parse(text) {
                    case .success(let pattern):
                        parsed.append(pattern)
                        if case .oneLabel = pattern {
                            reader.warn("\(originsPath)[\(index)]", "\"\(text)\" admits every subdomain one label deep: every one of them must be yours (a page on any of them can call the API)",
                                        rule: .corsWildcardOrigin, hint: "list the exact origins your pages are served from")
                        } else if pattern == .any {
                            reader.warn("\(originsPath)[\(index)]", "\"*\" lets a page on any site call the API with a token it holds (fine for a public API; the token still decides)",
                                        rule: .corsWildcardOrigin, hint: "list the exact origins your pages are served from, unless the API is meant for every site")
                        }
                    case .failure(let error): reader.fail("\(originsPath)[\(index)]", error.message); ok = false
                    }
                }
                origins = parsed
            } else {
                ok = false
            }
        }
        if origins == nil {
            reader.fail(ConfigReader.join(path, "allowed_origins"), "is required, e.g. [\"https://app.example.com\"]")
            ok = false
        }
        let methods = tokenList(members["allowed_methods"], at: ConfigReader.join(path, "allowed_methods"),
                                upperCase: true, reader: &reader, ok: &ok) ?? base?.allowedMethods
        let headers = tokenList(members["allowed_headers"], at: ConfigReader.join(path, "allowed_headers"),
                                upperCase: false, reader: &reader, ok: &ok) ?? base?.allowedHeaders
        let exposed = tokenList(members["exposed_headers"], at: ConfigReader.join(path, "exposed_headers"),
                                upperCase: false, reader: &reader, ok: &ok) ?? base?.exposedHeaders
        let maxAge = reader.integer(members, "max_age_seconds", at: path, in: 0...86_400, default: base?.maxAgeSeconds ?? 600)
        let credentials = reader.bool(members, "allow_credentials", at: path, default: base?.allowCredentials ?? false)
        if credentials, origins?.contains(.any) == true {
            reader.fail(ConfigReader.join(path, "allowed_origins"),
                        "\"*\" cannot be combined with allow_credentials: browsers refuse it, and echoing any origin with credentials would let every site act as the user")
            ok = false
        }
        guard ok, let origins else { return nil }
        return CORSConfig(allowedOrigins: origins, allowedMethods: methods, allowedHeaders: headers, exposedHeaders: exposed,
                          maxAgeSeconds: maxAge, allowCredentials: credentials)
    }

    /// A list of header names or methods (RFC 9110 §5.6.2 tokens); `nil` when absent.
    private static func tokenList(_ value: JSONValue?, at path: String, upperCase: Bool, reader: inout ConfigReader,
                                  ok: inout Bool) -> [String]? {
        guard let value else { return nil }
        guard let list = reader.stringArray(value, at: path) else { ok = false; return nil }
        for (index, item) in list.enumerated() {
            let isToken = item.utf8.allSatisfy(ASCII.isTokenByte)
            if item == "*" {
                reader.fail("\(path)[\(index)]", "\"*\" is not supported: list the \(upperCase ? "methods" : "headers") by name")
                ok = false
            } else if !isToken {
                reader.fail("\(path)[\(index)]", "\"\(item)\" is not a \(upperCase ? "method" : "header name") (RFC 9110 §5.6.2 token)")
                ok = false
            } else if upperCase, item != item.uppercased() {
                reader.fail("\(path)[\(index)]", "\"\(item)\" must be upper case, as browsers send it (methods are case-sensitive)")
                ok = false
            }
        }
        return list
    }
}

extension RouteCORS {
    /// `routes[i].cors`: absent, an object (over `base`), `"backend"` or `false`.
    static func decode(_ value: JSONValue?, at path: String, base: CORSConfig?, reader: inout ConfigReader) -> RouteCORS? {
        switch value {
        case nil: return .inherit
        case .string("backend")?: return .backend
        case .bool(false)?: return .off
        case .object?:
            return CORSConfig.decode(value!, at: path, base: base, reader: &reader).map { .custom($0) }
        case let other?:
            reader.fail(path, "must be an object (this route's CORS settings over the API's), \"backend\" (the backend answers CORS itself) or false, found \(ConfigReader.render(other))")
            return nil
        }
    }
}
