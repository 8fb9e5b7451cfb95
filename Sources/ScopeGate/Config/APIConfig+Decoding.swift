extension APIConfig {
    private static let keys: Set<String> = [
        "issuer", "audience", "jwks", "algorithms", "scope_claims", "clock_skew_seconds", "realm",
    ]

    static func decode(_ value: JSONValue?, reader: inout ConfigReader, baseDirectory: String?) -> APIConfig? {
        guard let value else {
            reader.fail("api", "is required (issuer, audience, jwks)")
            return nil
        }
        guard let members = reader.object(value, at: "api") else { return nil }
        reader.rejectUnknownKeys(members, known: keys, at: "api")

        let issuer = reader.string(members, "issuer", at: "api", required: true)
        let audience = reader.string(members, "audience", at: "api", required: true)
        let jwks = decodeJWKS(members["jwks"], reader: &reader, baseDirectory: baseDirectory)
        let algorithms = decodeAlgorithms(members["algorithms"], reader: &reader)
        var scopeClaims = ["scope", "permissions"]
        if let claims = members["scope_claims"] {
            if let list = reader.stringArray(claims, at: "api.scope_claims") {
                if list.isEmpty { reader.fail("api.scope_claims", "must name at least one claim") }
                scopeClaims = list
            }
        }
        let skew = reader.integer(members, "clock_skew_seconds", at: "api", in: 0...600, default: 60)
        let realm = reader.string(members, "realm", at: "api", required: false) ?? "scopegate"
        if realm.contains(where: { $0 == "\"" || $0 == "\\" || !$0.isASCII || $0.asciiValue! < 0x20 }) {
            reader.fail("api.realm", "must be printable ASCII without quotes or backslashes (it goes into WWW-Authenticate)")
        }

        guard let issuer, let audience, let jwks, let algorithms else { return nil }
        return APIConfig(
            issuer: issuer, audience: audience, jwks: jwks, algorithms: algorithms,
            scopeClaims: scopeClaims, clockSkewSeconds: skew, realm: realm
        )
    }

    private static func decodeJWKS(_ value: JSONValue?, reader: inout ConfigReader, baseDirectory: String?) -> JWKSSource? {
        guard let value else {
            reader.fail("api.jwks", "is required, e.g. {\"file\": \"keys/jwks.json\"}")
            return nil
        }
        guard let members = reader.object(value, at: "api.jwks") else { return nil }
        reader.rejectUnknownKeys(members, known: ["file"], at: "api.jwks")
        guard let path = reader.string(members, "file", at: "api.jwks", required: true) else { return nil }
        return .file(path: ConfigLoader.resolve(path, against: baseDirectory))
    }

    private static func decodeAlgorithms(_ value: JSONValue?, reader: inout ConfigReader) -> [JWSAlgorithm]? {
        guard let value else { return [.rs256] }
        guard let names = reader.stringArray(value, at: "api.algorithms") else { return nil }
        if names.isEmpty {
            reader.fail("api.algorithms", "must list at least one algorithm, e.g. [\"RS256\"]")
            return nil
        }
        var result: [JWSAlgorithm] = []
        var ok = true
        for (index, name) in names.enumerated() {
            let path = "api.algorithms[\(index)]"
            if let algorithm = JWSAlgorithm(rawValue: name) {
                if result.contains(algorithm) {
                    reader.fail(path, "\"\(name)\" is listed twice")
                } else {
                    result.append(algorithm)
                }
            } else if name.lowercased() == "none" || name.uppercased().hasPrefix("HS") {
                reader.fail(path, "\"\(name)\" is not allowed: unsigned and HMAC tokens cannot be verified with an issuer's public keys (RFC 8725 §3.1)")
                ok = false
            } else {
                let known = JWSAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")
                reader.fail(path, "unknown algorithm \"\(name)\"; supported: \(known)")
                ok = false
            }
        }
        return ok ? result : nil
    }
}
