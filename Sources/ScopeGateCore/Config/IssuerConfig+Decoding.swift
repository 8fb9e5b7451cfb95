import Foundation

extension IssuerConfig {
    /// Members of an `api.issuers[i]` object.
    static let keys: Set<String> = shorthandKeys.union(["audiences"])
    /// Issuer members that may also appear directly in `api` (the single-issuer shorthand).
    static let shorthandKeys: Set<String> = [
        "issuer", "jwks", "hmac_secrets", "algorithms", "scope_claims", "require_exp", "max_lifetime_seconds",
        "require_typ", "check_audience", "client_id_claim", "allowed_client_ids", "required_claims",
    ]

    /// Decodes one issuer from `members` (an `api.issuers[i]` object, or `api` itself for
    /// the shorthand), reporting problems under `path`. Unknown keys are checked by the caller.
    static func decode(
        _ members: [String: JSONValue], at path: String, defaultAudience: String?,
        reader: inout ConfigReader, baseDirectory: String?
    ) -> IssuerConfig? {
        let issuer = reader.string(members, "issuer", at: path, required: true)
        if let issuer, issuer.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            reader.fail(ConfigReader.join(path, "issuer"), "must not contain control characters (it may be forwarded in a header)")
        }
        let checkAudience = reader.bool(members, "check_audience", at: path, default: true)
        var audiences: [String] = []
        if let value = members["audiences"] {
            if !checkAudience {
                reader.fail(ConfigReader.join(path, "audiences"), "must not be given with check_audience: false (aud is not checked)")
            } else if let list = reader.stringArray(value, at: ConfigReader.join(path, "audiences")) {
                if list.isEmpty { reader.fail(ConfigReader.join(path, "audiences"), "must list at least one audience") }
                audiences = list
            }
        } else if checkAudience {
            if let defaultAudience {
                audiences = [defaultAudience]
            } else if path == "api" {
                reader.fail("api.audience", "is required (or, for an issuer whose access tokens carry no aud, api.check_audience: false)")
            } else {
                reader.fail("api.audience", "is required: \(path) lists no audiences of its own (nor sets check_audience: false)")
            }
        }
        let clientIDClaim = reader.string(members, "client_id_claim", at: path, required: false)
        var allowedClientIDs: [String]?
        if let value = members["allowed_client_ids"],
           let list = reader.stringArray(value, at: ConfigReader.join(path, "allowed_client_ids")) {
            if list.isEmpty {
                reader.fail(ConfigReader.join(path, "allowed_client_ids"), "must list at least one client ID (omit it to allow any client)")
            }
            allowedClientIDs = list
        }
        let requiredClaims = decodeRequiredClaims(
            members["required_claims"], at: ConfigReader.join(path, "required_claims"), reader: &reader)
        if !checkAudience {
            let finding = PolicyLint.audienceNotChecked(
                path: ConfigReader.join(path, "check_audience"), bound: allowedClientIDs != nil || !requiredClaims.isEmpty)
            reader.warn(finding.path, finding.message, rule: finding.rule, hint: finding.hint)
        }
        let jwks = decodeJWKS(members["jwks"], at: ConfigReader.join(path, "jwks"), reader: &reader, baseDirectory: baseDirectory)
        let secrets = decodeHMACSecrets(
            members["hmac_secrets"], at: ConfigReader.join(path, "hmac_secrets"), reader: &reader, baseDirectory: baseDirectory)
        let hasLocalHMACKey = !(secrets?.isEmpty ?? true) || jwks.map { !$0.isRemote } ?? true
        let algorithms = decodeAlgorithms(
            members["algorithms"], at: ConfigReader.join(path, "algorithms"), hmacAllowed: hasLocalHMACKey, reader: &reader)
        let scopeClaims = decodeScopeClaims(members["scope_claims"], at: ConfigReader.join(path, "scope_claims"), reader: &reader)
        let requireExp = reader.bool(members, "require_exp", at: path, default: true)
        var maxLifetime: Int?
        if members["max_lifetime_seconds"] != nil {
            maxLifetime = reader.integer(members, "max_lifetime_seconds", at: path, in: 1...31_536_000, default: 0)
        }
        var requireTyp = false
        switch members["require_typ"] {
        case nil, .null?: break
        case .string(let typ)? where ["at+jwt", "application/at+jwt"].contains(typ.lowercased()):
            requireTyp = true
        case let other?:
            reader.fail(ConfigReader.join(path, "require_typ"), "must be \"at+jwt\" (RFC 9068 §2.1), found \(ConfigReader.render(other))")
        }
        if case .discovery? = jwks, let issuer, !isAllowedFetchURL(issuer) {
            reader.fail("\(path).jwks.discovery", "needs an https:// issuer (http only for a loopback host) to find its metadata, found \"\(issuer)\"")
        }

        guard let issuer, let jwks, let secrets, let algorithms, let scopeClaims else { return nil }
        return IssuerConfig(
            issuer: issuer, audiences: audiences, jwks: jwks, hmacSecrets: secrets, algorithms: algorithms,
            scopeClaims: scopeClaims, requireExp: requireExp, maxLifetimeSeconds: maxLifetime, requireTyp: requireTyp,
            checkAudience: checkAudience, clientIDClaim: clientIDClaim, allowedClientIDs: allowedClientIDs,
            requiredClaims: requiredClaims)
    }

    /// `required_claims`: an object of claim name (or dotted path) to a string, number or
    /// boolean, or a non-empty array of them.
    private static func decodeRequiredClaims(_ value: JSONValue?, at path: String, reader: inout ConfigReader) -> [RequiredClaim] {
        guard let value, let members = reader.object(value, at: path) else { return [] }
        var result: [RequiredClaim] = []
        for name in members.keys.sorted() {
            let memberPath = ConfigReader.join(path, name)
            if name.isEmpty || name.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                reader.fail(memberPath, "\"\(name)\" is not a claim name or a dotted path like \"realm_access.roles\"")
                continue
            }
            func scalar(_ value: JSONValue, at valuePath: String) -> RequiredClaim.Value? {
                switch value {
                case .string(let text): return .string(text)
                case .number(let number) where number.isFinite && abs(number) <= 9_007_199_254_740_991: return .number(number)
                case .number:
                    reader.fail(valuePath, "is a number a token's claim cannot be told apart from its neighbours (beyond ±(2^53 - 1)); write it as a string")
                    return nil
                case .bool(let flag): return .bool(flag)
                default:
                    reader.fail(valuePath, "must be a string, number or boolean (or an array of them), found \(ConfigReader.render(value))")
                    return nil
                }
            }
            let element = members[name]!
            if case .array(let list) = element {
                if list.isEmpty { reader.fail(memberPath, "must list at least one value") }
                let values = list.enumerated().compactMap { scalar($0.element, at: "\(memberPath)[\($0.offset)]") }
                if values.count == list.count && !list.isEmpty { result.append(RequiredClaim(name: name, values: values)) }
            } else if let single = scalar(element, at: memberPath) {
                result.append(RequiredClaim(name: name, values: [single]))
            }
        }
        return result
    }

    private static func decodeJWKS(
        _ value: JSONValue?, at path: String, reader: inout ConfigReader, baseDirectory: String?
    ) -> JWKSSource? {
        guard let value else {
            reader.fail(path, "is required: {\"file\": \"keys/jwks.json\"}, {\"url\": \"https://...\"} or {\"discovery\": true}")
            return nil
        }
        guard let members = reader.object(value, at: path) else { return nil }
        let kinds = ["file", "url", "discovery"].filter { members[$0] != nil }
        guard kinds.count == 1 else {
            reader.fail(path, kinds.isEmpty ? "needs one of \"file\", \"url\" or \"discovery\"" : "must have only one of \"file\", \"url\" or \"discovery\"")
            return nil
        }
        switch kinds[0] {
        case "file":
            reader.rejectUnknownKeys(members, known: ["file"], at: path)
            guard let file = reader.string(members, "file", at: path, required: true) else { return nil }
            return .file(path: ConfigLoader.resolve(file, against: baseDirectory))
        case "url":
            reader.rejectUnknownKeys(members, known: ["url", "refresh"], at: path)
            let refresh = decodeRefresh(members["refresh"], at: ConfigReader.join(path, "refresh"), reader: &reader)
            guard let url = reader.string(members, "url", at: path, required: true) else { return nil }
            guard isAllowedFetchURL(url) else {
                reader.fail(ConfigReader.join(path, "url"), "must be an https:// URL (http:// only for 127.0.0.1, ::1 or localhost), without credentials or fragment, found \"\(url)\"")
                return nil
            }
            return .url(url, refresh: refresh)
        default:
            reader.rejectUnknownKeys(members, known: ["discovery", "refresh"], at: path)
            let refresh = decodeRefresh(members["refresh"], at: ConfigReader.join(path, "refresh"), reader: &reader)
            guard members["discovery"] == .bool(true) else {
                reader.fail(ConfigReader.join(path, "discovery"), "must be true, found \(ConfigReader.render(members["discovery"]!))")
                return nil
            }
            return .discovery(refresh: refresh)
        }
    }

    /// https, or http to a loopback host; a host; no userinfo or fragment.
    static func isAllowedFetchURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host?.lowercased(), !host.isEmpty,
              components.user == nil, components.password == nil, components.fragment == nil
        else { return false }
        if scheme == "https" { return true }
        return scheme == "http" && ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host)
    }

    private static func decodeRefresh(_ value: JSONValue?, at path: String, reader: inout ConfigReader) -> JWKSRefreshSettings {
        var settings = JWKSRefreshSettings()
        guard let value, let members = reader.object(value, at: path) else { return settings }
        reader.rejectUnknownKeys(
            members,
            known: ["min_seconds", "max_seconds", "default_seconds", "refetch_cooldown_seconds", "retry_seconds",
                    "connect_timeout_ms", "timeout_ms"],
            at: path)
        settings.minimumSeconds = reader.integer(members, "min_seconds", at: path, in: 1...86_400, default: settings.minimumSeconds)
        settings.maximumSeconds = reader.integer(members, "max_seconds", at: path, in: 1...604_800, default: settings.maximumSeconds)
        settings.defaultSeconds = reader.integer(members, "default_seconds", at: path, in: 1...604_800, default: settings.defaultSeconds)
        settings.refetchCooldownSeconds = reader.integer(
            members, "refetch_cooldown_seconds", at: path, in: 0...3600, default: settings.refetchCooldownSeconds)
        settings.retrySeconds = reader.integer(members, "retry_seconds", at: path, in: 1...3600, default: settings.retrySeconds)
        settings.connectTimeoutMilliseconds = reader.integer(
            members, "connect_timeout_ms", at: path, in: 1...600_000, default: settings.connectTimeoutMilliseconds)
        settings.timeoutMilliseconds = reader.integer(
            members, "timeout_ms", at: path, in: 1...600_000, default: settings.timeoutMilliseconds)
        if settings.minimumSeconds > settings.maximumSeconds {
            reader.fail(ConfigReader.join(path, "min_seconds"), "must not exceed max_seconds (\(settings.maximumSeconds))")
        } else if !(settings.minimumSeconds...settings.maximumSeconds).contains(settings.defaultSeconds) {
            reader.fail(ConfigReader.join(path, "default_seconds"), "must be between min_seconds (\(settings.minimumSeconds)) and max_seconds (\(settings.maximumSeconds))")
        }
        return settings
    }

    private static func decodeHMACSecrets(
        _ value: JSONValue?, at path: String, reader: inout ConfigReader, baseDirectory: String?
    ) -> [HMACSecretSource]? {
        guard let value else { return [] }
        guard case .array(let elements) = value else {
            reader.fail(path, "must be an array of {\"kid\", \"file\"} or {\"kid\", \"env\"} objects, found \(value.typeDescription)")
            return nil
        }
        var result: [HMACSecretSource] = []
        var ok = true
        for (index, element) in elements.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let members = reader.object(element, at: itemPath) else { ok = false; continue }
            reader.rejectUnknownKeys(members, known: ["kid", "file", "env"], at: itemPath)
            let keyID = reader.string(members, "kid", at: itemPath, required: false)
            switch (members["file"], members["env"]) {
            case (_?, nil):
                guard let file = reader.string(members, "file", at: itemPath, required: true) else { ok = false; continue }
                result.append(HMACSecretSource(keyID: keyID, location: .file(path: ConfigLoader.resolve(file, against: baseDirectory))))
            case (nil, _?):
                guard let name = reader.string(members, "env", at: itemPath, required: true) else { ok = false; continue }
                result.append(HMACSecretSource(keyID: keyID, location: .environment(variable: name)))
            default:
                reader.fail(itemPath, "needs exactly one of \"file\" or \"env\"")
                ok = false
            }
        }
        return ok ? result : nil
    }

    private static func decodeAlgorithms(
        _ value: JSONValue?, at path: String, hmacAllowed: Bool, reader: inout ConfigReader
    ) -> [JWSAlgorithm]? {
        guard let value else { return [.rs256] }
        guard let names = reader.stringArray(value, at: path) else { return nil }
        if names.isEmpty {
            reader.fail(path, "must list at least one algorithm, e.g. [\"RS256\"]")
            return nil
        }
        var result: [JWSAlgorithm] = []
        var ok = true
        for (index, name) in names.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let algorithm = JWSAlgorithm(rawValue: name) else {
                if name.lowercased() == "none" {
                    reader.fail(itemPath, "\"\(name)\" is not allowed: unsigned tokens are never accepted (RFC 8725 §3.1)")
                } else {
                    let known = JWSAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")
                    reader.fail(itemPath, "unknown algorithm \"\(name)\"; supported: \(known)")
                }
                ok = false
                continue
            }
            if algorithm.isHMAC && !hmacAllowed {
                reader.fail(itemPath, "\"\(name)\" is not allowed: HMAC needs a local secret (hmac_secrets); an issuer's published keys must never become HMAC secrets (RFC 8725 §2.1)")
                ok = false
            } else if result.contains(algorithm) {
                reader.fail(itemPath, "\"\(name)\" is listed twice")
            } else {
                result.append(algorithm)
            }
        }
        return ok ? result : nil
    }

    private static func decodeScopeClaims(_ value: JSONValue?, at path: String, reader: inout ConfigReader) -> [String]? {
        guard let value else { return ["scope", "permissions"] }
        guard let list = reader.stringArray(value, at: path) else { return nil }
        if list.isEmpty {
            reader.fail(path, "must name at least one claim")
            return nil
        }
        var ok = true
        for (index, name) in list.enumerated() where name.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            reader.fail("\(path)[\(index)]", "\"\(name)\" has an empty segment; use a claim name or a dotted path like \"realm_access.roles\"")
            ok = false
        }
        return ok ? list : nil
    }
}
