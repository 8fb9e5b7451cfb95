import Foundation

/// Finding an issuer's JWKS through OpenID Connect Discovery 1.0.
///
/// Pure functions: the HTTP GETs are made by ``RemoteJWKSSource`` through its ``JWKSFetcher``.
public enum OpenIDDiscovery {
    /// The OpenID Provider configuration URL of `issuer` (OpenID Connect Discovery 1.0 §4.1):
    /// the issuer with any trailing `/` removed, then `/.well-known/openid-configuration`.
    public static func configurationURL(issuer: String) -> String {
        var base = Substring(issuer)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + "/.well-known/openid-configuration"
    }

    /// Reads the provider configuration document and returns its `jwks_uri`.
    ///
    /// - Parameters:
    ///   - document: the body of the configuration response (OpenID Connect Discovery 1.0 §4.2).
    ///   - url: where it came from, for error texts.
    ///   - expectedIssuer: the configured issuer; the document's `issuer` must be identical
    ///     (§4.3), or a provider could hand out another issuer's keys.
    /// - Throws: ``RemoteJWKSError`` `discoveryInvalid` (not a JSON object, `issuer` or
    ///   `jwks_uri` missing or not a string), `discoveryIssuerMismatch`, or `jwksURIRejected`
    ///   when `jwks_uri` fails ``isAcceptableJWKSURI(_:)``.
    public static func jwksURI(fromConfiguration document: [UInt8], url: String, expectedIssuer: String)
        throws(RemoteJWKSError) -> String
    {
        guard let members = JSONValue.decodeObject(document) else {
            throw .discoveryInvalid(url: url, reason: "not a JSON object")
        }
        guard case .string(let issuer)? = members["issuer"] else {
            throw .discoveryInvalid(url: url, reason: "no string \"issuer\"")
        }
        guard issuer.isIdentical(to: expectedIssuer) else {   // OIDC Discovery §4.3: identical, code point by code point
            throw .discoveryIssuerMismatch(expected: expectedIssuer, actual: issuer)
        }
        guard case .string(let jwksURI)? = members["jwks_uri"] else {
            throw .discoveryInvalid(url: url, reason: "no string \"jwks_uri\"")
        }
        guard isAcceptableJWKSURI(jwksURI) else { throw .jwksURIRejected(jwksURI) }
        return jwksURI
    }

    /// Whether a discovered `jwks_uri` may be fetched: an absolute `https` URL with a host
    /// (Discovery §3 requires TLS), or `http` to a loopback host (`localhost`, `127.0.0.0/8`,
    /// `::1`) for local development and tests; no userinfo and no fragment, as for
    /// `jwks.url` in `gateway.json`.
    public static func isAcceptableJWKSURI(_ uri: String) -> Bool {
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(),
            var host = components.host, !host.isEmpty, components.user == nil, components.password == nil,
            components.fragment == nil
        else { return false }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        switch scheme {
        case "https": return true
        case "http": return isLoopback(host: host)
        default: return false
        }
    }

    /// `localhost`, `::1`, or a dotted-quad IPv4 address in 127.0.0.0/8.
    static func isLoopback(host: String) -> Bool {
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" { return true }
        let octets = lower.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        let values = octets.compactMap { octet -> Int? in
            guard (1...3).contains(octet.count), octet.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Int(octet).flatMap { $0 <= 255 ? $0 : nil }
        }
        return values.count == 4 && values[0] == 127
    }
}
