import Foundation

/// Finding an issuer's JWKS through its published metadata: OpenID Connect Discovery 1.0
/// first, then OAuth 2.0 Authorization Server Metadata (RFC 8414).
///
/// Pure functions: the HTTP GETs are made by ``RemoteJWKSSource`` through its ``JWKSFetcher``.
///
/// The order and the fallback rule: the OpenID Provider configuration
/// (``configurationURL(issuer:)``) is tried first; only when it is absent or unusable
/// (``fallsBackToAuthorizationServerMetadata(after:)``: a status other than 200, an
/// over-long body, not a JSON object, no string `issuer` or `jwks_uri`) is the RFC 8414
/// document (``authorizationServerMetadataURL(issuer:)``) tried. A document that names
/// ANOTHER issuer, or this issuer with a `jwks_uri` the gateway refuses, ends the cycle
/// (fail closed): that document speaks for the issuer's host, and quietly preferring the
/// other one would let either document override what the other says. A transport failure
/// (no response at all) ends it too: both documents live on the same host.
public enum OpenIDDiscovery {
    /// The OpenID Provider configuration URL of `issuer` (OpenID Connect Discovery 1.0 §4.1):
    /// the issuer with any trailing `/` removed, then `/.well-known/openid-configuration`.
    public static func configurationURL(issuer: String) -> String {
        var base = Substring(issuer)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + "/.well-known/openid-configuration"
    }

    /// The authorization server metadata URL of `issuer` (RFC 8414 §3.1): the well-known
    /// suffix `/.well-known/oauth-authorization-server` is inserted between the host (with
    /// its port) and the issuer's path, whose trailing `/` is removed first.
    /// `https://as.example/tenant1` gives `https://as.example/.well-known/oauth-authorization-server/tenant1`;
    /// `https://as.example` and `https://as.example/` give `https://as.example/.well-known/oauth-authorization-server`.
    ///
    /// - Returns: `nil` when `issuer` has no `scheme://host`, or has a query or fragment
    ///   (RFC 8414 §2: an issuer identifier has neither).
    public static func authorizationServerMetadataURL(issuer: String) -> String? {
        guard let schemeEnd = issuer.range(of: "://") else { return nil }
        let rest = issuer[schemeEnd.upperBound...]
        guard !rest.contains("?"), !rest.contains("#") else { return nil }
        let pathStart = rest.firstIndex(of: "/") ?? rest.endIndex
        guard pathStart > rest.startIndex, schemeEnd.lowerBound > issuer.startIndex else { return nil }
        var path = issuer[pathStart...]
        while path.hasSuffix("/") { path = path.dropLast() }
        return issuer[..<pathStart] + "/.well-known/oauth-authorization-server" + path
    }

    /// Whether the OpenID Provider configuration's failure `error` lets discovery go on to
    /// the RFC 8414 document: the document is absent (`httpStatus`, `bodyTooLarge`) or
    /// unusable (`discoveryInvalid`: not a JSON object, no string `issuer` or `jwks_uri`).
    /// `discoveryIssuerMismatch` and `jwksURIRejected` fail closed (see the type's comment),
    /// and so does `transport`.
    public static func fallsBackToAuthorizationServerMetadata(after error: RemoteJWKSError) -> Bool {
        switch error {
        case .httpStatus, .bodyTooLarge, .discoveryInvalid: return true
        case .transport, .notJWKS, .discoveryIssuerMismatch, .jwksURIRejected, .discoveryFailed: return false
        }
    }

    /// Reads a metadata document and returns its `jwks_uri`. The OpenID Provider
    /// configuration (OpenID Connect Discovery 1.0 §3) and the RFC 8414 metadata (§2) name
    /// both members alike.
    ///
    /// - Parameters:
    ///   - document: the body of the metadata response (Discovery §4.2, RFC 8414 §3.2).
    ///   - url: where it came from, for error texts.
    ///   - expectedIssuer: the configured issuer; the document's `issuer` must be identical
    ///     (Discovery §4.3, RFC 8414 §3.3), or a provider could hand out another issuer's keys.
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
        guard issuer.isIdentical(to: expectedIssuer) else {   // identical, code point by code point
            throw .discoveryIssuerMismatch(url: url, expected: expectedIssuer, actual: issuer)
        }
        guard case .string(let jwksURI)? = members["jwks_uri"] else {
            throw .discoveryInvalid(url: url, reason: "no string \"jwks_uri\"")
        }
        guard isAcceptableJWKSURI(jwksURI) else { throw .jwksURIRejected(url: url, uri: jwksURI) }
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
