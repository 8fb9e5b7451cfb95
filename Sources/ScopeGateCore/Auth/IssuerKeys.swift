import Foundation

/// The keys one issuer's tokens are verified with: its JWKS source and its local HMAC secrets.
public struct IssuerKeys: Sendable {
    /// The JWKS keys (a file read at start-up, or a remote source refreshed in the background).
    public var source: any KeySource
    /// HMAC keys from the issuer's `hmac_secrets`, read at start-up.
    public var hmacKeys: [VerificationKey]
    /// What loaded but deserves a word: a JWKS file with no usable key (``KeySetWarning``).
    /// Never a reason to refuse the config; `scopegate check` prints them, `serve` logs them.
    public var warnings: [KeySetWarning]

    public init(source: any KeySource, hmacKeys: [VerificationKey] = [], warnings: [KeySetWarning] = []) {
        self.source = source
        self.hmacKeys = hmacKeys
        self.warnings = warnings
    }

    /// Whether any key is loaded: tokens of this issuer can be checked. A loaded set with no
    /// usable key counts (its tokens get `unknown_kid`, not `keys_unavailable`).
    public var isReady: Bool { source.keySet != nil || !hmacKeys.isEmpty }
}

/// The key source of an issuer whose JWKS is remote (`url` or `discovery`) until the real
/// source is connected: it holds no keys, so that issuer's tokens get 503
/// `keys_unavailable` (fail closed).
public struct UnavailableKeySource: KeySource {
    public init() {}
    public var keySet: VerificationKeySet? { nil }
}

/// Why an issuer's keys could not be loaded at start-up; `path` is the config member.
public struct KeyLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON path of the config member, e.g. `api.issuers[1].hmac_secrets[0]`
    /// (`api.issuers[0]` is also the issuer of the single-issuer shorthand).
    public var path: String
    /// What went wrong.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

extension IssuerKeys {
    /// Loads every issuer's keys: the given `keySources` where present, else the default
    /// source (a ``StaticKeySource`` for a JWKS file, an ``UnavailableKeySource`` for a
    /// URL or discovery), plus the HMAC secrets.
    ///
    /// - Parameters:
    ///   - keySources: issuer (the `issuer` string) to source; replaces the default.
    ///   - environment: where `{"env": NAME}` secrets are read.
    /// - Returns: issuer to keys, one entry per configured issuer, each with its
    ///   ``IssuerKeys/warnings`` (a JWKS file with no usable key loads as an empty set).
    /// - Throws: ``KeyLoadError`` for the first issuer whose JWKS file cannot be read or is
    ///   not a JWK Set, or whose secret fails.
    public static func load(
        _ api: APIConfig, keySources: [String: any KeySource]? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(KeyLoadError) -> [String: IssuerKeys] {
        var result: [String: IssuerKeys] = [:]
        for (index, issuer) in api.issuers.enumerated() {
            let path = "api.issuers[\(index)]"
            let source: any KeySource
            var warnings: [KeySetWarning] = []
            if let given = keySources?[issuer.issuer] {
                source = given
            } else {
                source = try await defaultSource(issuer, path: path)
                if case .file(let file) = issuer.jwks, let keySet = source.keySet,
                    let warning = KeySetWarning(keySet: keySet, path: "\(path).jwks.file", issuer: issuer.issuer,
                                                location: file, hasHMACSecrets: !issuer.hmacSecrets.isEmpty) {
                    warnings.append(warning)
                }
            }
            let hmacKeys = try loadHMACSecrets(issuer, path: path, environment: environment)
            result[issuer.issuer] = IssuerKeys(source: source, hmacKeys: hmacKeys, warnings: warnings)
        }
        return result
    }

    /// The issuer's JWKS as a ``StaticKeySource`` (file, possibly an empty set), or an
    /// ``UnavailableKeySource``.
    static func defaultSource(_ issuer: IssuerConfig, path: String) async throws(KeyLoadError) -> any KeySource {
        switch issuer.jwks {
        case .file(let file):
            do {
                return StaticKeySource(try await VerificationKeySet.load(fileAt: file, allowed: issuer.algorithms))
            } catch {
                throw KeyLoadError(path: "\(path).jwks.file", message: error.description)
            }
        case .url, .discovery:
            // The gateway passes a RemoteJWKSSource in `keySources`; without one, fail closed.
            return UnavailableKeySource()
        }
    }

    /// The issuer's `hmac_secrets` as keys: a file's exact bytes, or an environment
    /// variable's UTF-8 value. Each must be long enough for at least one of the issuer's
    /// HMAC algorithms (RFC 7518 §3.2: at least the hash size).
    static func loadHMACSecrets(
        _ issuer: IssuerConfig, path: String, environment: [String: String]
    ) throws(KeyLoadError) -> [VerificationKey] {
        var keys: [VerificationKey] = []
        for (index, source) in issuer.hmacSecrets.enumerated() {
            let itemPath = "\(path).hmac_secrets[\(index)]"
            let secret: [UInt8]
            switch source.location {
            case .file(let file):
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw KeyLoadError(path: "\(itemPath).file", message: "cannot read secret file \(file)")
                }
                secret = Array(data)
            case .environment(let name):
                guard let value = environment[name], !value.isEmpty else {
                    throw KeyLoadError(path: "\(itemPath).env", message: "environment variable \(name) is not set or empty")
                }
                secret = Array(value.utf8)
            }
            let key = VerificationKey.hmac(secret: secret, keyID: source.keyID, algorithms: issuer.algorithms, index: index)
            guard !key.algorithms.isEmpty else {
                let hmac = issuer.algorithms.filter(\.isHMAC)
                let needed = hmac.map { "\($0.rawValue) needs \($0.minimumSecretBytes)" }.joined(separator: ", ")
                throw KeyLoadError(
                    path: itemPath,
                    message: hmac.isEmpty
                        ? "no HMAC algorithm (HS256, HS384, HS512) is in this issuer's algorithms"
                        : "secret is \(secret.count) bytes, too short (\(needed), RFC 7518 §3.2)")
            }
            keys.append(key)
        }
        return keys
    }
}
