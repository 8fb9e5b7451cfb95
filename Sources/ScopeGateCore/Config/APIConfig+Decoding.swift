extension APIConfig {
    private static let ownKeys: Set<String> = [
        "audience", "issuers", "clock_skew_seconds", "realm", "token", "verification_cache", "scopes",
    ]

    static func decode(_ value: JSONValue?, reader: inout ConfigReader, baseDirectory: String?) -> APIConfig? {
        guard let value else {
            reader.fail("api", "is required (issuers, or the shorthand issuer + jwks; and audience)")
            return nil
        }
        guard let members = reader.object(value, at: "api") else { return nil }
        reader.rejectUnknownKeys(members, known: ownKeys.union(IssuerConfig.shorthandKeys), at: "api")

        let audience = reader.string(members, "audience", at: "api", required: false)
        let issuers = decodeIssuers(members, audience: audience, reader: &reader, baseDirectory: baseDirectory)
        let skew = reader.integer(members, "clock_skew_seconds", at: "api", in: 0...600, default: 60)
        let realm = reader.string(members, "realm", at: "api", required: false) ?? "scopegate"
        if realm.contains(where: { $0 == "\"" || $0 == "\\" || !$0.isASCII || $0.asciiValue! < 0x20 }) {
            reader.fail("api.realm", "must be printable ASCII without quotes or backslashes (it goes into WWW-Authenticate)")
        }
        let token = TokenLocationConfig.decode(members["token"], reader: &reader)
        let cache = VerificationCacheConfig.decode(members["verification_cache"], reader: &reader)

        let scopes = decodeScopeCatalog(members["scopes"], reader: &reader)

        guard let issuers else { return nil }
        var api = APIConfig(
            audience: audience, issuers: issuers, clockSkewSeconds: skew, realm: realm,
            token: token, verificationCache: cache)
        api.scopes = scopes
        api.usesShorthand = members["issuers"] == nil
        return api
    }

    /// `api.scopes`: `[{"name": "read:x", "description": "..."}]`, names unique scope tokens.
    private static func decodeScopeCatalog(_ value: JSONValue?, reader: inout ConfigReader) -> [ScopeCatalogEntry]? {
        guard let value, value != .null else { return nil }
        guard case .array(let elements) = value else {
            reader.fail("api.scopes", "must be an array of {\"name\", \"description\"} objects, found \(value.typeDescription)")
            return nil
        }
        var result: [ScopeCatalogEntry] = []
        var firstIndex: [String: Int] = [:]
        for (index, element) in elements.enumerated() {
            let path = "api.scopes[\(index)]"
            guard let object = reader.object(element, at: path) else { continue }
            reader.rejectUnknownKeys(object, known: ["name", "description"], at: path)
            let description = reader.string(object, "description", at: path, required: false)
            guard let name = reader.string(object, "name", at: path, required: true) else { continue }
            guard ScopeToken.isValid(name.utf8) else {
                reader.fail("\(path).name", "\"\(name)\" is not a scope token (RFC 6749 §3.3: printable ASCII, no spaces, quotes or backslashes)")
                continue
            }
            if let first = firstIndex[name] {
                reader.fail("\(path).name", "\"\(name)\" is already the name of api.scopes[\(first)]")
                continue
            }
            firstIndex[name] = index
            result.append(ScopeCatalogEntry(name: name, description: description))
        }
        return result
    }

    /// `api.issuers`, or the one issuer of the shorthand form; never both.
    private static func decodeIssuers(
        _ members: [String: JSONValue], audience: String?, reader: inout ConfigReader, baseDirectory: String?
    ) -> [IssuerConfig]? {
        let shorthand = IssuerConfig.shorthandKeys.filter { members[$0] != nil }.sorted()
        guard let list = members["issuers"] else {
            guard !shorthand.isEmpty else {
                reader.fail("api.issuers", "is required: a list of {\"issuer\", \"jwks\", ...} (or, for one issuer, api.issuer and api.jwks)")
                return nil
            }
            let issuer = IssuerConfig.decode(
                members, at: "api", defaultAudience: audience, reader: &reader, baseDirectory: baseDirectory)
            return issuer.map { [$0] }
        }
        for key in shorthand {
            reader.fail("api.\(key)", "belongs inside each api.issuers[i]: the single-issuer shorthand cannot be mixed with api.issuers")
        }
        guard case .array(let elements) = list else {
            reader.fail("api.issuers", "must be an array of issuer objects, found \(list.typeDescription)")
            return nil
        }
        if elements.isEmpty { reader.fail("api.issuers", "must list at least one issuer") }
        var result: [IssuerConfig] = []
        var firstIndex: [String: Int] = [:]
        var ok = !elements.isEmpty && shorthand.isEmpty
        for (index, element) in elements.enumerated() {
            let path = "api.issuers[\(index)]"
            guard let object = reader.object(element, at: path) else { ok = false; continue }
            reader.rejectUnknownKeys(object, known: IssuerConfig.keys, at: path)
            guard let issuer = IssuerConfig.decode(
                object, at: path, defaultAudience: audience, reader: &reader, baseDirectory: baseDirectory)
            else { ok = false; continue }
            if let first = firstIndex[issuer.issuer] {
                reader.fail("\(path).issuer", "\"\(issuer.issuer)\" is already the issuer of api.issuers[\(first)]")
                ok = false
            } else {
                firstIndex[issuer.issuer] = index
            }
            result.append(issuer)
        }
        return ok ? result : nil
    }
}

extension TokenLocationConfig {
    static func decode(_ value: JSONValue?, reader: inout ConfigReader) -> TokenLocationConfig {
        var config = TokenLocationConfig()
        guard let value, let members = reader.object(value, at: "api.token") else { return config }
        reader.rejectUnknownKeys(members, known: ["header", "query_parameter"], at: "api.token")
        if let header = reader.string(members, "header", at: "api.token", required: false) {
            if header.utf8.allSatisfy(Self.isTokenChar) {
                config.header = header
            } else {
                reader.fail("api.token.header", "\"\(header)\" is not a header field name (RFC 9110 §5.1)")
            }
        }
        if members["query_parameter"] != .null,
           let name = reader.string(members, "query_parameter", at: "api.token", required: false) {
            if name.utf8.allSatisfy({ Self.isTokenChar($0) && $0 != UInt8(ascii: "&") && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "+") }) {
                config.queryParameter = name
            } else {
                reader.fail("api.token.query_parameter", "\"\(name)\" must be a plain parameter name (letters, digits, - . _ ~)")
            }
        }
        return config
    }

    /// RFC 9110 §5.6.2 `tchar`.
    private static func isTokenChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

extension VerificationCacheConfig {
    static func decode(_ value: JSONValue?, reader: inout ConfigReader) -> VerificationCacheConfig {
        var config = VerificationCacheConfig()
        let path = "api.verification_cache"
        guard let value, let members = reader.object(value, at: path) else { return config }
        reader.rejectUnknownKeys(members, known: ["max_entries", "ttl_seconds"], at: path)
        config.maxEntries = reader.integer(members, "max_entries", at: path, in: 0...10_000_000, default: config.maxEntries)
        config.ttlSeconds = reader.integer(members, "ttl_seconds", at: path, in: 1...86_400, default: config.ttlSeconds)
        return config
    }
}
