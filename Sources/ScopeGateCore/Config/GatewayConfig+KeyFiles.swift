extension GatewayConfig {
    /// The local files the configuration reads its keys from (JWKS files, HMAC secret files),
    /// absolute: what `serve --watch` watches beside the config file itself, since a key
    /// rotated in a mounted ConfigMap or Secret changes these and not `gateway.json`.
    public var keyFiles: [String] {
        var files: [String] = []
        for issuer in api.issuers {
            if case .file(let path) = issuer.jwks { files.append(path) }
            for secret in issuer.hmacSecrets {
                if case .file(let path) = secret.location { files.append(path) }
            }
        }
        return files
    }
}
